"""A person's data: the zip of everything about them, and the account deleted, read
back from the tables."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session as SessionRow
from django.test import Client
from django.urls import reverse

from forum import services
from forum.models import FollowLevel, Post, Response, Thread
from forum.questionnaire_tokens import response_keys
from forum.services.answers import questionnaire_submit
from forum.tests.board_factories import board_for, make_participant, make_thread, reply
from forum.tests.factories import PASSWORD
from forum.tests.questionnaire_factories import good_answers, make_questionnaire

pytestmark = pytest.mark.django_db

MY_DATA = reverse("forum:my_data")


@pytest.fixture
def claire(event, sessions):
    """Claire wrote, replied, follows, read, and answered an anonymous questionnaire
    and a named one; she is signed in twice (two browsers)."""
    claire = make_participant(event, display_name="Claire Sociétaire", email="claire@exemple.org")
    bruno = make_participant(event, display_name="Bruno Mutuelle")
    board = board_for(sessions[1])
    own = make_thread(board, author=claire, title="Le fil de Claire", body="Mon *premier* fil.")
    shared = make_thread(board, author=claire, title="Un fil partagé", body="Question de Claire.")
    reply(shared, author=bruno, body="Réponse de Bruno.")
    bruno_thread = make_thread(board, author=bruno, title="Le fil de Bruno", body="Bonjour.")
    reply(bruno_thread, author=claire, body="Claire répond à Bruno.")
    services.follow_set(user=claire, thread=bruno_thread, level=FollowLevel.EMAIL)
    services.thread_mark_read(user=claire, thread=bruno_thread, number=2)
    anonymous, questions = make_questionnaire(sessions[1])
    questionnaire_submit(
        questionnaire=anonymous, person=claire, answers=good_answers(questions, name="Scop Claire")
    )
    named, named_questions = make_questionnaire(sessions[2], anonymity="named")
    questionnaire_submit(
        questionnaire=named, person=claire, answers=good_answers(named_questions, name="Nommée")
    )
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(claire)
    return {
        "user": claire,
        "bruno": bruno,
        "own": own,
        "shared": shared,
        "bruno_thread": bruno_thread,
        "anonymous": anonymous,
        "browsers": browsers,
    }


def rows_naming(user_id: int) -> dict[str, int]:
    """Every row of every table that points at the account, by table and column."""
    found = {}
    User = get_user_model()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is User:
                count = model._default_manager.filter(**{field.attname: user_id}).count()
                if count:
                    found[f"{model._meta.db_table}.{field.column}"] = count
    return found


def sessions_of(user_id: int) -> int:
    return sum(
        1
        for row in SessionRow.objects.all()
        if row.get_decoded().get("_auth_user_id") == str(user_id)
    )


def test_the_export_holds_my_rows_and_my_posts_as_markdown(claire):
    browser = claire["browsers"][0]
    answer = browser.get(reverse("forum:my_data_export"))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    assert "attachment" in answer["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == "claire@exemple.org"
    assert data["profile"]["display_name"] == "Claire Sociétaire"
    assert [address["email"] for address in data["addresses"]] == ["claire@exemple.org"]
    assert data["registrations"][0]["status"] == "confirmed"
    assert data["follows"] == [{"board": None, "thread": "Le fil de Bruno", "level": "email"}]
    assert {thread["title"] for thread in data["threads_started"]} == {
        "Le fil de Claire",
        "Un fil partagé",
    }
    assert len(data["posts"]) == 3
    questionnaires = {entry["anonymous"]: entry for entry in data["questionnaires"]}
    assert questionnaires[False]["answers"] and questionnaires[True]["status"] == "answered"
    # Her anonymous answers are hers to see while the questionnaire is open.
    assert any(a["text"] == "Scop Claire" for a in questionnaires[True]["answers"])
    markdown = {name: archive.read(name).decode() for name in archive.namelist() if ".md" in name}
    assert len(markdown) == 3
    assert any(
        "# Le fil de Claire" in text and "Mon *premier* fil." in text for text in markdown.values()
    )
    assert "Réponse de Bruno" not in "".join(markdown.values())


def test_the_export_and_the_page_are_for_the_signed_in_person_only(claire):
    anonymous = Client()
    for url in (MY_DATA, reverse("forum:my_data_export")):
        answer = anonymous.get(url)
        assert answer.status_code == 302 and "login" in answer["Location"]


def test_a_wrong_password_deletes_nothing(claire):
    user = claire["user"]
    before = rows_naming(user.pk)
    answer = claire["browsers"][0].post(MY_DATA, {"posts": "remove", "password": "pas le bon"})
    assert answer.status_code == 400
    assert "mot de passe" in answer.content.decode()
    assert rows_naming(user.pk) == before
    assert Post.objects.filter(author=user).count() == 3


def test_deleting_and_keeping_posts_leaves_nothing_pointing_at_me(claire):
    user = claire["user"]
    anonymous = claire["anonymous"]
    keys = response_keys(questionnaire=anonymous, user_id=user.pk)
    assert Response.objects.filter(key__in=keys).exists()
    assert sessions_of(user.pk) == 2
    answer = claire["browsers"][0].post(MY_DATA, {"posts": "keep", "password": PASSWORD})
    assert answer.status_code == 302
    assert rows_naming(user.pk) == {}
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert not EmailAddress.objects.filter(email__iexact="claire@exemple.org").exists()
    assert sessions_of(user.pk) == 0
    # Her other browser is signed out too.
    assert claire["browsers"][1].get(MY_DATA).status_code == 302
    # Her posts stay, signed « ancien participant »; the thread page says so.
    kept = Post.objects.filter(author__username="ancien-participant")
    assert kept.count() == 3
    page = Client().get(claire["own"].get_absolute_url()).content.decode()
    assert "ancien participant" in page and "Claire Sociétaire" not in page
    # The anonymous answers are still counted, and nobody can reach them from her.
    assert Response.objects.filter(questionnaire=anonymous, submitted=True).count() == 1
    assert not Response.objects.filter(key__in=keys).exists()


def test_deleting_and_removing_posts_keeps_other_peoples_replies(claire):
    user = claire["user"]
    answer = claire["browsers"][0].post(MY_DATA, {"posts": "remove", "password": PASSWORD})
    assert answer.status_code == 302
    assert rows_naming(user.pk) == {}
    assert not Post.objects.filter(body_markdown__contains="Claire").exists()
    assert not Thread.objects.filter(pk=claire["own"].pk).exists()
    shared = Thread.objects.get(pk=claire["shared"].pk)
    assert shared.post_count == 1 and shared.author.username == "ancien-participant"
    assert shared.last_post.body_markdown == "Réponse de Bruno."
    assert Thread.objects.get(pk=claire["bruno_thread"].pk).post_count == 1
    page = Client().get(shared.get_absolute_url())
    assert page.status_code == 200 and "Réponse de Bruno." in page.content.decode()
