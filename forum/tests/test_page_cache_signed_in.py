"""The page cache for signed-in readers (forum/page_cache.py): a participant who reloads
a thread or board page nothing changed on gets it from the cache; what is theirs on it
(their follows, their role, their "Modifier" links, their unread marks, their forms'
tokens) is never another person's, and shows their changes at once."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.models import FollowLevel, Post, ReadMark, Registration, Role
from forum.tests.board_factories import board_for, make_private, make_thread, reply
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db

TOOLS = "Outils de modération"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
SUBMISSION_KEY = re.compile(r'name="submission_key" value="([^"]*)"')


def signed_in(person, **extra) -> Client:
    client = Client(**extra)
    client.force_login(person)
    return client


def visit(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, page_text(response)


def settled(client, url):
    """The page once it comes from the cache: the first visit after new posts moves the
    read mark, the next one renders the page at the new position and keeps it."""
    for _ in range(3):
        response, text = visit(client, url)
        if response.get("X-Page-Cache") == "hit":
            return response, text
    raise AssertionError(f"{url} never came from the cache")


def edit_link(post: Post) -> str:
    return f'href="{reverse("forum:post_edit", args=[post.pk])}"'


def html(response) -> str:
    return response.content.decode()


def test_a_reload_comes_from_the_cache_the_same_page(thread, alice, bruno):
    url = thread.get_absolute_url()
    author = signed_in(alice)  # she has read her own post: nothing new for her
    first, first_text = visit(author, url)
    again, again_text = visit(author, url)
    assert (first["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")
    assert again_text == first_text
    assert "Premier message." in again_text and "Publier la réponse" in again_text
    tokens_left_out = [CSRF, SUBMISSION_KEY]
    first_html, again_html = html(first), html(again)
    for pattern in tokens_left_out:
        first_html, again_html = pattern.sub("", first_html), pattern.sub("", again_html)
    assert again_html == first_html

    reader = signed_in(bruno)  # new to the thread: the first visit moves his read mark
    assert visit(reader, url)[0]["X-Page-Cache"] == "miss"
    assert visit(reader, url)[0]["X-Page-Cache"] == "miss"
    assert visit(reader, url)[0]["X-Page-Cache"] == "hit"


def test_a_cached_page_costs_the_reader_and_their_read_mark_only(
    thread, alice, board, django_assert_max_num_queries
):
    reader = signed_in(alice)
    settled(reader, thread.get_absolute_url())
    settled(reader, board.get_absolute_url())
    # Nothing: the session (config/sessions.py) and the account (forum/user_cache.py)
    # come from the cache, how far they have read from their `reads:` token.
    with django_assert_max_num_queries(0):
        assert visit(reader, thread.get_absolute_url())[0]["X-Page-Cache"] == "hit"
    with django_assert_max_num_queries(0):
        assert visit(reader, board.get_absolute_url())[0]["X-Page-Cache"] == "hit"


def test_two_participants_never_get_each_others_page(thread, alice, bruno):
    url = thread.get_absolute_url()
    hers = reply(thread, author=alice, body="La réponse d'Alice.")
    his = reply(thread, author=bruno, body="La réponse de Bruno.")
    services.follow_set(user=bruno, thread=thread, level=FollowLevel.EMAIL)
    alice_page, alice_text = settled(signed_in(alice), url)
    bruno_page, bruno_text = settled(signed_in(bruno), url)

    assert edit_link(hers) in html(alice_page) and edit_link(his) not in html(alice_page)
    assert edit_link(his) in html(bruno_page) and edit_link(hers) not in html(bruno_page)
    assert f'data-live-user="{alice.pk}"' in html(alice_page)
    assert f'data-live-user="{bruno.pk}"' in html(bruno_page)
    assert "Actuellement : chaque message par courriel." in bruno_text
    assert "Actuellement : sur le site seulement." in alice_text


def test_a_new_post_by_someone_else_shows_at_once_then_is_read(thread, alice, bruno):
    url = thread.get_absolute_url()
    reader = signed_in(bruno)
    settled(reader, url)
    reply(thread, author=alice, body="Du nouveau dans le fil.")

    response, text = visit(reader, url)
    assert response["X-Page-Cache"] == "miss"
    assert "Du nouveau dans le fil." in text and "1 nouveau message" in text
    _response, text = visit(reader, url)  # read now: the mark is gone
    assert "Du nouveau dans le fil." in text and "nouveau message" not in text
    assert "nouveau message" not in settled(reader, url)[1]


def test_a_read_mark_set_back_shows_the_posts_as_new_again(thread, alice, bruno):
    reply(thread, author=alice, body="Deuxième message.")
    url = thread.get_absolute_url()
    reader = signed_in(bruno)
    assert "nouveau message" not in settled(reader, url)[1]
    assert "non lu" not in settled(reader, thread.board.get_absolute_url())[1]
    mark = ReadMark.objects.get(user=bruno, thread=thread)
    mark.last_read_number = 1  # a data fix, in the admin or a shell
    mark.save()
    assert "1 non lu" in visit(reader, thread.board.get_absolute_url())[1]
    assert "1 nouveau message" in visit(reader, url)[1]


def test_following_and_unfollowing_show_at_once(thread, bruno):
    url = thread.get_absolute_url()
    reader = signed_in(bruno)
    assert "Actuellement : sur le site seulement." in settled(reader, url)[1]

    services.follow_set(user=bruno, thread=thread, level=FollowLevel.EMAIL)
    assert "Actuellement : chaque message par courriel." in visit(reader, url)[1]

    # Through the form: its flash message shows once, on a page not kept.
    answer = reader.post(reverse("forum:thread_follow", args=[thread.pk]), {"level": "muted"})
    assert answer.status_code == 302
    response, text = visit(reader, url)
    assert "X-Page-Cache" not in response
    assert "Abonnement à ce fil : en sourdine." in text
    response, text = visit(reader, url)
    assert "Actuellement : en sourdine." in text
    assert "Abonnement à ce fil" not in text, "a flash message must not be kept with the page"
    assert "Actuellement : en sourdine." in settled(reader, url)[1]

    # A choice on the board shows on its threads that have none of their own.
    services.follow_set(user=bruno, board=thread.board, level=FollowLevel.DIGEST)
    thread.follows.filter(user=bruno).delete()
    assert "Actuellement : résumé quotidien." in visit(reader, url)[1]


def test_a_facilitator_gets_the_moderation_tools_at_once(event, sessions, thread, bruno):
    url = thread.get_absolute_url()
    reader = signed_in(bruno)
    assert TOOLS not in settled(reader, url)[1]

    registration = Registration.objects.get(user=bruno, event=event)
    registration.requested_role = Role.FACILITATOR
    registration.save()
    services.registration_grant_requested_role(registration=registration)
    assert TOOLS not in settled(reader, url)[1]  # facilitating another session, or none

    sessions[1].facilitator_users.add(bruno)
    _response, text = visit(reader, url)
    assert TOOLS in text and "Masquer ce message" in text
    assert TOOLS in settled(reader, url)[1]

    # From either side of the relation, one by one or all at once.
    sessions[1].facilitator_users.remove(bruno)
    assert TOOLS not in settled(reader, url)[1]
    bruno.facilitated_sessions.add(sessions[1])
    assert TOOLS in settled(reader, url)[1]
    bruno.facilitated_sessions.remove(sessions[1])
    assert TOOLS not in settled(reader, url)[1]
    sessions[1].facilitator_users.add(bruno)
    assert TOOLS in settled(reader, url)[1]
    bruno.facilitated_sessions.clear()
    assert TOOLS not in settled(reader, url)[1]
    sessions[1].facilitator_users.add(bruno)
    assert TOOLS in settled(reader, url)[1]
    sessions[1].facilitator_users.clear()
    assert TOOLS not in visit(reader, url)[1]


def test_an_organisers_role_given_and_taken_shows_at_once(event, thread, bruno):
    url = thread.get_absolute_url()
    reader = signed_in(bruno)
    settled(reader, url)
    registration = Registration.objects.get(user=bruno, event=event)
    registration.role = Role.ORGANISER
    registration.save(update_fields=["role"])
    assert TOOLS in visit(reader, url)[1]
    assert TOOLS in settled(reader, url)[1]
    services.registration_cancel(user=bruno, event=event)
    _response, text = visit(reader, url)
    assert TOOLS not in text
    assert "Inscrivez-vous aux journées pour répondre" in text


def test_a_cancelled_registration_closes_a_private_thread_at_once(event, sessions, alice, bruno):
    secret = make_thread(board_for(make_private(sessions[2])), author=alice, title="Entre nous")
    url = secret.get_absolute_url()
    reader = signed_in(bruno)
    assert "Entre nous" in settled(reader, url)[1]
    services.registration_cancel(user=bruno, event=event)
    assert reader.get(url).status_code == 404


def test_the_edit_link_leaves_the_cached_page_when_the_edit_window_closes(thread, alice, settings):
    settings.INTERCOOP_EDIT_WINDOW_MINUTES = 60
    answer = reply(thread, author=alice, body="Écrit il y a presque une heure.")
    # seconds: the page is kept until then, if at least one is left when it is stored,
    # which leaves the first render three seconds on a loaded machine
    closes_in = 4.0
    answer.created_at = timezone.now() - timedelta(minutes=60) + timedelta(seconds=closes_in)
    Post.objects.filter(pk=answer.pk).update(created_at=answer.created_at)
    url = thread.get_absolute_url()
    author = signed_in(alice)

    first, _text = visit(author, url)
    again, _text = visit(author, url)
    assert edit_link(answer) in html(first) and edit_link(answer) in html(again)
    assert again["X-Page-Cache"] == "hit"
    closes_at = answer.created_at + timedelta(minutes=60)
    time.sleep(max(0.0, (closes_at - timezone.now()).total_seconds()) + 0.1)
    after, _text = visit(author, url)
    assert after["X-Page-Cache"] == "miss"
    assert edit_link(answer) not in html(after)


def test_a_page_whose_edit_window_closes_in_less_than_a_second_is_not_kept(thread, alice, settings):
    settings.INTERCOOP_EDIT_WINDOW_MINUTES = 60
    answer = reply(thread, author=alice, body="Bientôt figé.")
    created = timezone.now() - timedelta(minutes=60) + timedelta(milliseconds=900)
    Post.objects.filter(pk=answer.pk).update(created_at=created)
    author = signed_in(alice)
    visit(author, thread.get_absolute_url())
    assert visit(author, thread.get_absolute_url())[0]["X-Page-Cache"] == "miss"


def test_a_moderators_page_stays_cached_with_every_edit_link(thread, alice, organiser):
    old = reply(thread, author=alice, body="Un vieux message.")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    page, _text = settled(signed_in(organiser), thread.get_absolute_url())
    assert edit_link(old) in html(page)


def from_another_browser(person, url: str):
    """The page `person` settled in one browser, asked for in another that checks CSRF
    tokens: (that browser, the page, from the cache with this browser's tokens)."""
    settled(signed_in(person), url)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    page, _text = visit(browser, url)
    assert page["X-Page-Cache"] == "hit"
    return browser, page


def test_the_csrf_token_of_a_cached_page_works_for_a_reply(thread, bruno):
    browser, page = from_another_browser(bruno, thread.get_absolute_url())
    tokens = set(CSRF.findall(html(page)))
    assert len(tokens) == 1 and "\x00" not in html(page)
    key = SUBMISSION_KEY.search(html(page))[1]
    answer = browser.post(
        reverse("forum:post_reply", args=[thread.pk]),
        {
            "body": "Réponse depuis une page du cache.",
            "csrfmiddlewaretoken": tokens.pop(),
            "submission_key": key,
        },
    )
    assert answer.status_code == 302
    assert thread.posts.filter(body_markdown="Réponse depuis une page du cache.").exists()


def test_every_form_of_a_moderators_cached_page_gets_a_working_token(thread, alice, organiser):
    reply(thread, author=alice, body="À modérer peut-être.")
    browser, page = from_another_browser(organiser, thread.get_absolute_url())
    content = html(page)
    forms = content.count('method="post"')
    tokens = CSRF.findall(content)
    assert forms >= 8  # sign out, language, follow, lock, pin, hide ×2, reply
    assert len(tokens) == forms and len(set(tokens)) == 1 and "\x00" not in content
    answer = browser.post(
        reverse("forum:thread_lock", args=[thread.pk]),
        {"locked": "1", "csrfmiddlewaretoken": tokens[0]},
    )
    assert answer.status_code == 302
    thread.refresh_from_db()
    assert thread.is_locked


def test_each_view_of_a_cached_page_gets_its_own_submission_key(thread, bruno):
    url = thread.get_absolute_url()
    reader = signed_in(bruno)
    keys = [SUBMISSION_KEY.search(html(settled(reader, url)[0]))[1] for _ in range(3)]
    assert len(set(keys)) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", key) for key in keys)

    target = reverse("forum:post_reply", args=[thread.pk])
    # Two tabs of the same cached page: two replies.
    reader.post(target, {"body": "Depuis le premier onglet.", "submission_key": keys[0]})
    reader.post(target, {"body": "Depuis le second onglet.", "submission_key": keys[1]})
    # One form sent twice (a double click): one reply.
    reader.post(target, {"body": "Envoyé deux fois.", "submission_key": keys[2]})
    reader.post(target, {"body": "Envoyé deux fois.", "submission_key": keys[2]})
    bodies = list(thread.posts.filter(author=bruno).values_list("body_markdown", flat=True))
    assert bodies == ["Depuis le premier onglet.", "Depuis le second onglet.", "Envoyé deux fois."]


def test_reading_a_thread_or_marking_all_read_clears_the_boards_unread_marks(
    board, thread, alice, bruno
):
    other = make_thread(board, author=alice, title="Un autre fil")
    url = board.get_absolute_url()
    reader = signed_in(bruno)
    _page, text = settled(reader, url)
    assert text.count("1 non lu") == 2

    visit(signed_in(bruno), thread.get_absolute_url())
    assert visit(reader, url)[1].count("1 non lu") == 1
    assert settled(reader, url)[1].count("1 non lu") == 1

    answer = reader.post(reverse("forum:board_mark_read", args=[board.slug]))
    assert answer.status_code == 302
    visit(reader, url)  # with its flash message
    _response, text = visit(reader, url)
    assert "non lu" not in text
    assert other.title in text


def test_the_board_page_shows_a_participants_follow_and_right_to_write(board, bruno, event):
    url = board.get_absolute_url()
    reader = signed_in(bruno)
    _page, text = settled(reader, url)
    assert "Nouveau fil" in text and "Actuellement : sur le site seulement." in text
    services.follow_set(user=bruno, board=board, level=FollowLevel.EMAIL)
    assert "Actuellement : chaque message par courriel." in visit(reader, url)[1]
    services.registration_cancel(user=bruno, event=event)
    _page, text = visit(reader, url)
    assert "Nouveau fil" not in text and "Inscrivez-vous aux journées pour écrire" in text


def test_the_mail_suspended_banner_is_never_kept(thread, bruno):
    mailbox_health = apps.get_model("mailbridge", "MailboxHealth")
    url = thread.get_absolute_url()
    reader = signed_in(bruno)
    settled(reader, url)
    banner = "Nous avons suspendu l'envoi des courriels."

    mailbox_health.objects.create(user=bruno, bounce_score=9, suspended_at=timezone.now())
    assert banner in visit(reader, url)[1]
    response, text = visit(reader, url)
    assert banner in text and response["X-Page-Cache"] == "miss"

    resumed = reader.post(reverse("mailbridge:mail_resume"), {"next": url})
    assert resumed.status_code == 302
    visit(reader, url)  # with its flash message
    assert banner not in visit(reader, url)[1]


def test_a_thread_id_beyond_any_key_is_a_404_for_a_participant_too(bruno):
    assert signed_in(bruno).get("/fils/99999999999999999999/").status_code == 404


def test_zero_seconds_turns_the_cache_off_for_participants_too(thread, bruno, settings):
    settings.INTERCOOP_PAGE_CACHE_SECONDS = 0
    reader = signed_in(bruno)
    for _ in range(3):
        assert "X-Page-Cache" not in visit(reader, thread.get_absolute_url())[0]
