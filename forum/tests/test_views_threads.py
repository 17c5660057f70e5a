"""A thread as its readers see it: opening one, replying, quoting, editing, moderating,
and every bad input answered in French (or rendered inert), never a server error."""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.urls import reverse

from forum.models import Follow, FollowLevel, Post, PostRevision, ReadMark, Thread
from forum.tests.board_factories import (
    add_posts_in_bulk,
    age,
    board_for,
    general_board,
    make_facilitator,
    make_participant,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import make_user
from forum.tests.reading import elements, page_text

pytestmark = pytest.mark.django_db


# A thread of this module's own, in place of forum/tests/conftest.py's.
@pytest.fixture
def thread(board, alice):
    return make_thread(
        board, author=alice, title="Les assemblées générales", body="Comment les animer ?"
    )


def key() -> str:
    return uuid.uuid4().hex


def post_body_html(response, post: Post) -> str:
    """The HTML of one post's body as the page shows it."""
    content = response.content.decode()
    match = re.search(
        rf'id="post-{post.pk}".*?<div class="post-body[^"]*"[^>]*>(.*?)</div>'
        r"\s*(?:<footer|</article)",
        content,
        flags=re.S,
    )
    assert match, f"post {post.pk} body not found"
    return match.group(1)


def markup_of(fragment: str) -> str:
    """The tags and attributes of an HTML fragment, without its text (where typed
    code shows as harmless escaped characters)."""
    return " ".join(re.findall(r"<[^>]*>", fragment))


def links(response) -> list[str]:
    return [attrs.get("href") or "" for tag, attrs in elements(response) if tag == "a"]


# Opening a thread.


def test_a_new_thread_is_made_from_the_board_and_shows_its_first_post(client, board, alice):
    client.force_login(alice)
    form = client.get(reverse("forum:thread_new", args=[board.slug]))
    assert form.status_code == 200
    hidden_key = [
        attrs["value"]
        for tag, attrs in elements(form)
        if tag == "input" and attrs.get("name") == "submission_key"
    ]
    assert len(hidden_key) == 1 and uuid.UUID(hidden_key[0])
    response = client.post(
        reverse("forum:thread_new", args=[board.slug]),
        {
            "title": "  Les coopératives scolaires  ",
            "body": "Qui en a **animé** une ?",
            "submission_key": hidden_key[0],
        },
        follow=True,
    )
    text = page_text(response)
    assert "Les coopératives scolaires" in text
    assert "Qui en a animé une ?" in text
    assert "Alice Coopère" in text
    assert "<strong>animé</strong>" in response.content.decode()


def test_submitting_the_new_thread_form_twice_makes_one_thread(client, board, alice):
    client.force_login(alice)
    data = {"title": "Un seul fil", "body": "Double clic.", "submission_key": key()}
    first = client.post(reverse("forum:thread_new", args=[board.slug]), data)
    second = client.post(reverse("forum:thread_new", args=[board.slug]), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Thread.objects.filter(title="Un seul fil").count() == 1


def test_an_empty_title_is_answered_next_to_the_title_field(client, board, alice):
    client.force_login(alice)
    response = client.post(
        reverse("forum:thread_new", args=[board.slug]),
        {"title": "   ", "body": "Du texte.", "submission_key": key()},
    )
    assert response.status_code == 400
    assert "Donnez un titre au fil." in page_text(response)
    assert response.context["form"].errors["title"] == ["Donnez un titre au fil."]


def test_a_500_character_title_is_refused_with_its_length(client, board, alice):
    client.force_login(alice)
    response = client.post(
        reverse("forum:thread_new", args=[board.slug]),
        {"title": "a" * 500, "body": "Du texte.", "submission_key": key()},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["title"] == [
        "Le titre ne doit pas dépasser 200 caractères (il en a 500)."
    ]
    assert not Thread.objects.exists()


def test_an_empty_body_is_answered_next_to_the_body_field(client, board, alice):
    client.force_login(alice)
    response = client.post(
        reverse("forum:thread_new", args=[board.slug]),
        {"title": "Un titre", "body": " \n ", "submission_key": key()},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["body"] == ["Le message est vide."]


def test_a_person_who_is_not_registered_cannot_open_a_thread(client, board):
    client.force_login(make_user())
    response = client.get(reverse("forum:thread_new", args=[board.slug]))
    assert response.status_code == 403
    assert "inscrivez-vous" in page_text(response)
    response = client.post(
        reverse("forum:thread_new", args=[board.slug]),
        {"title": "Intrus", "body": "Bonjour", "submission_key": key()},
    )
    assert response.status_code == 403
    assert not Thread.objects.exists()


# Reading a thread.


def test_the_thread_page_shows_the_conversation_in_order_with_authors_linked_to_profiles(
    client, thread, alice, bruno
):
    reply(thread, author=bruno, body="Avec un tour de table.")
    reply(thread, author=alice, body="Merci Bruno.")
    response = client.get(thread.get_absolute_url())
    text = page_text(response)
    positions = [
        text.index(part)
        for part in ("Comment les animer ?", "Avec un tour de table.", "Merci Bruno.")
    ]
    assert positions == sorted(positions)
    assert f"/personnes/{bruno.pk}/" in links(response)
    assert f"/personnes/{alice.pk}/" in links(response)
    assert "@exemple.org" not in response.content.decode()


def test_a_reply_shows_which_post_it_answers_with_a_link_to_it(client, thread, alice, bruno):
    first = thread.posts.get(number=1)
    reply(thread, author=bruno, body="Je réponds.", in_reply_to=first)
    response = client.get(thread.get_absolute_url())
    assert "en réponse à Alice Coopère (#1)" in page_text(response)
    assert f"#post-{first.pk}" in links(response)


def test_a_post_that_came_by_email_says_so(client, thread, bruno):
    reply(thread, author=bruno, body="Envoyé de mon téléphone.", source="email")
    assert "source : courriel" in page_text(client.get(thread.get_absolute_url()))


def test_script_event_handlers_and_javascript_urls_in_markdown_are_rendered_inert(
    client, thread, bruno
):
    nasty = reply(
        thread,
        author=bruno,
        body=(
            "<script>alert('x')</script>\n\n"
            "<img src=x onerror=alert(1)>\n\n"
            "[clique](javascript:alert(1))\n\n"
            "![image](javascript:alert(2))\n\n"
            '<a href="javascript:alert(3)" onclick="alert(4)">lien</a>'
        ),
    )
    body = post_body_html(client.get(thread.get_absolute_url()), nasty)
    markup = markup_of(body)
    assert "<script" not in body
    assert not re.search(r"\bon\w+\s*=", markup)
    assert "javascript:" not in markup
    # What the person typed is shown as text, so nothing they wrote silently vanishes.
    assert "&lt;script&gt;alert" in body


def test_an_img_with_onerror_is_shown_as_text_and_makes_no_element(client, thread, bruno):
    post = reply(thread, author=bruno, body="<img src=x onerror=alert(1)>")
    response = client.get(thread.get_absolute_url())
    body = post_body_html(response, post)
    assert "<img" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert not any(tag == "img" and "onerror" in attrs for tag, attrs in elements(response))


def test_links_in_posts_get_nofollow_ugc_noopener(client, thread, bruno):
    post = reply(thread, author=bruno, body="Voir [le site](https://exemple.org/).")
    body = post_body_html(client.get(thread.get_absolute_url()), post)
    assert 'rel="nofollow ugc noopener"' in body


def test_an_edited_post_is_marked_modified(client, thread, alice):
    from forum import services

    services.post_edit(post=thread.posts.get(number=1), editor=alice, body="Nouvelle version.")
    text = page_text(client.get(thread.get_absolute_url()))
    assert "Nouvelle version." in text
    assert "modifié" in text


def test_fifty_posts_per_page_and_post_parameter_opens_the_page_holding_it(
    client, thread, alice, bruno
):
    add_posts_in_bulk(thread, 119, authors=[alice, bruno])
    first_page = client.get(thread.get_absolute_url())
    assert len(first_page.context["posts"]) == 50
    assert "Page 1 sur 3" in page_text(first_page)
    target = thread.posts.get(number=107)
    response = client.get(f"{thread.get_absolute_url()}?post={target.pk}")
    assert response.context["page"].number == 3
    assert f'id="post-{target.pk}"' in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "-3", "99999999999999999999999", ""])
def test_a_forged_post_or_page_parameter_still_shows_the_thread(client, thread, value):
    response = client.get(f"{thread.get_absolute_url()}?post={value}&page={value}")
    assert response.status_code == 200
    assert "Comment les animer ?" in page_text(response)


def test_an_unknown_or_huge_thread_number_is_not_found(client, event):
    assert client.get("/fils/999999/").status_code == 404
    assert client.get("/fils/99999999999999999999999/").status_code == 404


def test_a_private_sessions_thread_is_not_found_for_someone_not_registered(client, sessions, event):
    make_private(sessions[2])
    insider = make_participant(event)
    private_thread = make_thread(board_for(sessions[2]), author=insider, title="Entre nous")
    client.force_login(make_user())
    assert client.get(private_thread.get_absolute_url()).status_code == 404
    response = client.post(
        reverse("forum:post_reply", args=[private_thread.pk]),
        {"body": "Je m'invite.", "submission_key": key()},
    )
    assert response.status_code in (403, 404)
    assert private_thread.posts.count() == 1
    client.force_login(insider)
    assert "Entre nous" in page_text(client.get(private_thread.get_absolute_url()))


def test_a_visitor_is_invited_to_sign_in_to_reply(client, thread):
    response = client.get(thread.get_absolute_url())
    assert "Connectez-vous pour répondre" in page_text(response)
    assert not any(tag == "textarea" for tag, attrs in elements(response))


# Replying.


def test_a_reply_appears_under_its_anchor(client, thread, bruno):
    client.force_login(bruno)
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]),
        {"body": "Ma réponse.", "submission_key": key()},
    )
    post = thread.posts.get(number=2)
    assert response.status_code == 302
    assert response["Location"] == f"/fils/{thread.pk}/?post={post.pk}#post-{post.pk}"
    assert "Ma réponse." in page_text(client.get(response["Location"]))


def test_replying_to_a_post_links_the_reply_to_it(client, thread, bruno):
    first = thread.posts.get(number=1)
    client.force_login(bruno)
    page = client.get(f"{thread.get_absolute_url()}?reply_to={first.pk}")
    assert page.context["reply_form"].initial["in_reply_to"] == first.pk
    assert "en réponse à Alice Coopère (#1)" in page_text(page)
    client.post(
        reverse("forum:post_reply", args=[thread.pk]),
        {"body": "D'accord.", "in_reply_to": str(first.pk), "submission_key": key()},
    )
    assert thread.posts.get(number=2).in_reply_to == first


def test_quoting_a_post_prefills_the_reply_with_its_text_and_answers_it(
    client, thread, alice, bruno
):
    quoted = reply(thread, author=alice, body="Premier point.\n\nSecond point.")
    client.force_login(bruno)
    page = client.get(f"{thread.get_absolute_url()}?quote={quoted.pk}")
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", page.content.decode(), re.S).group(1)
    assert "Alice Coopère a écrit :" in textarea
    assert "&gt; Premier point.\n&gt;\n&gt; Second point." in textarea
    initial = page.context["reply_form"].initial
    assert initial["in_reply_to"] == quoted.pk
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]),
        {
            "body": initial["body"] + "Je suis d'accord.",
            "in_reply_to": quoted.pk,
            "submission_key": key(),
        },
        follow=True,
    )
    answer = thread.posts.get(number=3)
    assert answer.in_reply_to == quoted
    assert "<blockquote>" in post_body_html(response, answer)
    assert "en réponse à Alice Coopère (#2)" in page_text(response)


def test_the_page_offers_the_quote_script_and_links_on_each_post(client, thread, bruno):
    client.force_login(bruno)
    response = client.get(thread.get_absolute_url())
    first = thread.posts.get(number=1)
    assert f"?page=1&reply_to={first.pk}#reply" in links(response)
    assert f"?page=1&quote={first.pk}#reply" in links(response)
    scripts = [attrs.get("src") for tag, attrs in elements(response) if tag == "script"]
    assert "/static/js/quote.js" in scripts
    assert "Citer" in page_text(response) and "Répondre" in page_text(response)


def test_quoting_a_hidden_post_is_not_possible_for_a_participant(client, thread, organiser, bruno):
    from forum import services

    secret = reply(thread, author=organiser, body="Texte à masquer.")
    services.post_hide(post=secret, moderator=organiser, reason="Erreur")
    client.force_login(bruno)
    page = client.get(f"{thread.get_absolute_url()}?quote={secret.pk}")
    assert "Texte à masquer." not in page.content.decode()


def test_an_empty_reply_is_refused_in_french_and_keeps_the_page(client, thread, bruno):
    client.force_login(bruno)
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]), {"body": "   ", "submission_key": key()}
    )
    assert response.status_code == 400
    assert "Le message est vide." in page_text(response)
    assert "Comment les animer ?" in page_text(response)
    assert thread.posts.count() == 1


def test_a_200_kb_reply_is_refused_as_too_long_and_the_text_is_kept(client, thread, bruno):
    client.force_login(bruno)
    body = "coopération " * 17_000
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]), {"body": body, "submission_key": key()}
    )
    assert response.status_code == 400
    assert "Le message est trop long" in page_text(response)
    assert response.context["reply_form"].errors["body"]
    assert thread.posts.count() == 1


def test_a_reply_with_invalid_utf8_bytes_is_no_server_error(client, thread, bruno):
    client.force_login(bruno)
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]),
        data=b"body=caf%E9+cr%E8me%FF%FE+\xff\xfe&submission_key=" + key().encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert "caf" in thread.posts.get(number=2).body_markdown


def test_a_null_character_in_a_reply_is_refused_not_crashed(client, thread, bruno):
    client.force_login(bruno)
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]), {"body": "a\x00b", "submission_key": key()}
    )
    assert response.status_code == 400
    assert thread.posts.count() == 1


def test_submitting_the_same_reply_twice_makes_one_post(client, thread, bruno):
    client.force_login(bruno)
    data = {"body": "Double envoi.", "submission_key": key()}
    first = client.post(reverse("forum:post_reply", args=[thread.pk]), data)
    second = client.post(reverse("forum:post_reply", args=[thread.pk]), data)
    assert first["Location"] == second["Location"]
    assert thread.posts.filter(body_markdown="Double envoi.").count() == 1


def test_a_forged_submission_key_or_reply_target_does_not_break_the_reply(client, thread, bruno):
    client.force_login(bruno)
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]),
        {"body": "Quand même.", "submission_key": "x" * 500, "in_reply_to": "9" * 30},
    )
    assert response.status_code == 302
    post = thread.posts.get(number=2)
    assert post.in_reply_to is None and post.submission_key == ""


def test_answering_a_post_of_another_thread_is_refused_in_french(
    client, thread, board, alice, bruno
):
    other = make_thread(board, author=alice, title="Autre fil")
    client.force_login(bruno)
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]),
        {"body": "Mauvais fil.", "in_reply_to": other.posts.get().pk, "submission_key": key()},
    )
    assert response.status_code == 400
    assert "Le message auquel vous répondez est dans un autre fil." in page_text(response)


def test_posting_in_a_locked_thread_gets_a_clear_french_message(client, thread, organiser, bruno):
    from forum import services

    services.thread_lock(thread=thread, moderator=organiser, locked=True)
    client.force_login(bruno)
    page = client.get(thread.get_absolute_url())
    assert "Ce fil est verrouillé : on ne peut plus y répondre." in page_text(page)
    assert not any(tag == "textarea" for tag, attrs in elements(page))
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]),
        {"body": "Trop tard ?", "submission_key": key()},
    )
    assert response.status_code == 400
    assert "Ce fil est verrouillé : on ne peut plus y répondre." in page_text(response)
    assert "Trop tard ?" in response.content.decode()  # the text typed is not lost
    assert thread.posts.count() == 1


def test_a_moderator_may_still_reply_in_a_locked_thread(client, thread, organiser):
    from forum import services

    services.thread_lock(thread=thread, moderator=organiser, locked=True)
    client.force_login(organiser)
    assert any(tag == "textarea" for tag, attrs in elements(client.get(thread.get_absolute_url())))
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]),
        {"body": "Le mot de la fin.", "submission_key": key()},
    )
    assert response.status_code == 302


def test_a_signed_in_person_not_registered_gets_403_when_replying(client, thread):
    client.force_login(make_user())
    assert "Inscrivez-vous aux journées pour répondre" in page_text(
        client.get(thread.get_absolute_url())
    )
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]), {"body": "Bonjour", "submission_key": key()}
    )
    assert response.status_code == 403
    assert "Vous ne pouvez pas écrire dans ce forum." in page_text(response)


def test_replying_needs_a_post_request(client, thread, bruno):
    client.force_login(bruno)
    assert client.get(reverse("forum:post_reply", args=[thread.pk])).status_code == 405


def test_replying_without_the_csrf_token_is_refused(thread, bruno):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bruno)
    response = strict.post(
        reverse("forum:post_reply", args=[thread.pk]),
        {"body": "Sans jeton", "submission_key": key()},
    )
    assert response.status_code == 403
    assert thread.posts.count() == 1


# Unread posts.


def test_the_thread_page_marks_the_thread_read_and_shows_where_new_posts_start(
    client, thread, alice, bruno
):
    client.force_login(bruno)
    client.get(thread.get_absolute_url())
    assert ReadMark.objects.get(user=bruno, thread=thread).last_read_number == 1
    reply(thread, author=alice, body="Nouveau 1")
    reply(thread, author=alice, body="Nouveau 2")
    response = client.get(thread.get_absolute_url())
    text = page_text(response)
    assert "2 nouveaux messages" in text
    assert (
        text.index("Comment les animer ?")
        < text.index("2 nouveaux messages")
        < text.index("Nouveau 1")
    )
    assert ReadMark.objects.get(user=bruno, thread=thread).last_read_number == 3
    assert "nouveaux messages" not in page_text(client.get(thread.get_absolute_url()))


def test_reading_one_page_marks_read_only_up_to_its_last_post(client, thread, alice, bruno):
    add_posts_in_bulk(thread, 79, authors=[alice])
    client.force_login(bruno)
    client.get(thread.get_absolute_url())
    assert ReadMark.objects.get(user=bruno, thread=thread).last_read_number == 50


# Following.


def test_the_thread_follow_form_stores_the_choice_and_shows_it(client, thread, bruno):
    client.force_login(bruno)
    response = client.post(
        reverse("forum:thread_follow", args=[thread.pk]), {"level": "muted"}, follow=True
    )
    assert Follow.objects.get(user=bruno, thread=thread).level == FollowLevel.MUTED
    assert "Actuellement : en sourdine." in page_text(response)


def test_a_forged_follow_level_is_refused_in_french(client, thread, bruno):
    client.force_login(bruno)
    response = client.post(
        reverse("forum:thread_follow", args=[thread.pk]), {"level": "tout"}, follow=True
    )
    assert "Choisissez un abonnement dans la liste." in page_text(response)
    assert not Follow.objects.filter(user=bruno, thread=thread).exists()


# Editing.


def test_the_author_edits_a_post_within_the_window_and_sees_the_form_prefilled(
    client, thread, alice
):
    post = thread.posts.get(number=1)
    client.force_login(alice)
    assert reverse("forum:post_edit", args=[post.pk]) in links(
        client.get(thread.get_absolute_url())
    )
    form = client.get(reverse("forum:post_edit", args=[post.pk]))
    assert "Comment les animer ?" in form.content.decode()
    response = client.post(
        reverse("forum:post_edit", args=[post.pk]),
        {"body": "Comment les animer, vraiment ?"},
        follow=True,
    )
    text = page_text(response)
    assert "Comment les animer, vraiment ?" in text
    assert "Le message est modifié." in text
    assert PostRevision.objects.get(post=post).body_markdown == "Comment les animer ?"


def test_after_the_edit_window_the_author_is_told_in_french(client, thread, alice):
    post = age(thread.posts.get(number=1), minutes=settings.INTERCOOP_EDIT_WINDOW_MINUTES + 5)
    client.force_login(alice)
    assert reverse("forum:post_edit", args=[post.pk]) not in links(
        client.get(thread.get_absolute_url())
    )
    response = client.post(
        reverse("forum:post_edit", args=[post.pk]), {"body": "Trop tard"}, follow=True
    )
    assert "Le délai pour modifier ce message est passé." in page_text(response)
    post.refresh_from_db()
    assert post.body_markdown == "Comment les animer ?"


def test_someone_else_cannot_edit_a_post(client, thread, bruno):
    post = thread.posts.get(number=1)
    client.force_login(bruno)
    assert client.get(reverse("forum:post_edit", args=[post.pk])).status_code == 403
    response = client.post(reverse("forum:post_edit", args=[post.pk]), {"body": "Piraté"})
    assert response.status_code == 403
    assert "Vous ne pouvez pas modifier ce message." in page_text(response)


def test_editing_to_an_empty_body_is_refused_next_to_the_field(client, thread, alice):
    post = thread.posts.get(number=1)
    client.force_login(alice)
    response = client.post(reverse("forum:post_edit", args=[post.pk]), {"body": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["body"] == ["Le message est vide."]


# Moderation.


def test_a_moderator_hides_a_post_with_a_reason_and_readers_see_it_masked(
    client, thread, organiser, alice, bruno
):
    post = reply(thread, author=bruno, body="Propos déplacés.")
    client.force_login(organiser)
    response = client.post(
        reverse("forum:post_hide", args=[post.pk]), {"reason": "Hors charte"}, follow=True
    )
    text = page_text(response)
    assert "Le message est masqué." in text
    assert "Message masqué par la modération" in text
    assert "Propos déplacés." in text
    assert "Masqué par Odile Organise" in text and "Motif : Hors charte" in text

    client.force_login(alice)
    text = page_text(client.get(thread.get_absolute_url()))
    assert "Message masqué par la modération" in text
    assert "Propos déplacés." not in text
    assert "Hors charte" not in text


def test_hiding_without_a_reason_is_refused_in_french(client, thread, organiser, bruno):
    post = reply(thread, author=bruno, body="Limite.")
    client.force_login(organiser)
    response = client.post(
        reverse("forum:post_hide", args=[post.pk]), {"reason": "  "}, follow=True
    )
    assert "Indiquez le motif du masquage." in page_text(response)
    post.refresh_from_db()
    assert not post.is_hidden


def test_a_participant_cannot_hide_lock_pin_or_move(client, thread, board, sessions, bruno):
    post = thread.posts.get(number=1)
    client.force_login(bruno)
    other = board_for(sessions[2])
    for url, data in [
        (reverse("forum:post_hide", args=[post.pk]), {"reason": "Non"}),
        (reverse("forum:post_unhide", args=[post.pk]), {}),
        (reverse("forum:thread_lock", args=[thread.pk]), {"locked": "1"}),
        (reverse("forum:thread_pin", args=[thread.pk]), {"pinned": "1"}),
        (reverse("forum:thread_move", args=[thread.pk]), {"board": other.pk}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "Seules l'animation et l'organisation peuvent faire cela." in page_text(response)
    thread.refresh_from_db()
    assert (thread.is_locked, thread.is_pinned, thread.board_id) == (False, False, board.pk)
    assert "Outils de modération" not in page_text(client.get(thread.get_absolute_url()))


def test_a_moderator_unhides_a_post(client, thread, organiser, bruno):
    from forum import services

    post = reply(thread, author=bruno, body="Finalement correct.")
    services.post_hide(post=post, moderator=organiser, reason="Vérification")
    client.force_login(organiser)
    response = client.post(reverse("forum:post_unhide", args=[post.pk]), follow=True)
    assert "Le message est de nouveau visible." in page_text(response)
    client.force_login(bruno)
    assert "Finalement correct." in page_text(client.get(thread.get_absolute_url()))


def test_the_edit_history_is_for_moderators_only(client, thread, alice, organiser, bruno):
    from forum import services

    post = thread.posts.get(number=1)
    services.post_edit(post=post, editor=alice, body="Deuxième version.")
    history = reverse("forum:post_history", args=[post.pk])

    client.force_login(organiser)
    assert history in links(client.get(thread.get_absolute_url()))
    text = page_text(client.get(history))
    assert "Deuxième version." in text
    assert "Comment les animer ?" in text
    assert "Remplacée par Alice Coopère" in text

    for person in (alice, bruno):
        client.force_login(person)
        assert history not in links(client.get(thread.get_absolute_url()))
        response = client.get(history)
        assert response.status_code == 403
        assert "réservé à l'animation et à l'organisation" in page_text(response)


def test_the_edit_history_renders_old_text_safely(client, thread, alice, organiser):
    from forum import services

    post = reply(thread, author=alice, body="<script>alert(1)</script> [x](javascript:alert(2))")
    services.post_edit(post=post, editor=alice, body="Propre.")
    client.force_login(organiser)
    content = client.get(reverse("forum:post_history", args=[post.pk])).content.decode()
    assert "<script>alert" not in content
    assert 'href="javascript:' not in content


def test_a_moderator_locks_and_unlocks_pins_and_unpins(client, thread, organiser):
    client.force_login(organiser)
    response = client.post(
        reverse("forum:thread_lock", args=[thread.pk]), {"locked": "1"}, follow=True
    )
    assert "Le fil est verrouillé." in page_text(response)
    assert "Déverrouiller le fil" in page_text(response)
    client.post(reverse("forum:thread_pin", args=[thread.pk]), {"pinned": "1"})
    thread.refresh_from_db()
    assert thread.is_locked and thread.is_pinned
    client.post(reverse("forum:thread_lock", args=[thread.pk]), {"locked": "0"})
    client.post(reverse("forum:thread_pin", args=[thread.pk]), {"pinned": "0"})
    thread.refresh_from_db()
    assert not thread.is_locked and not thread.is_pinned


def test_a_moderator_moves_a_thread_to_another_board_of_the_event(client, thread, event, organiser):
    general = general_board(event)
    client.force_login(organiser)
    page = client.get(thread.get_absolute_url())
    options = [attrs.get("value") for tag, attrs in elements(page) if tag == "option"]
    assert str(general.pk) in options
    response = client.post(
        reverse("forum:thread_move", args=[thread.pk]), {"board": general.pk}, follow=True
    )
    assert "Le fil est déplacé dans « Forum général »." in page_text(response)
    thread.refresh_from_db()
    assert thread.board == general


def test_moving_to_a_forged_board_is_refused(client, thread, organiser):
    client.force_login(organiser)
    response = client.post(
        reverse("forum:thread_move", args=[thread.pk]),
        {"board": "99999999999999999999"},
        follow=True,
    )
    assert "Choisissez un forum dans la liste." in page_text(response)


def test_a_facilitator_moderates_the_board_of_their_session_only(client, sessions, event, alice):
    facilitator = make_facilitator(sessions[1])
    own = make_thread(board_for(sessions[1]), author=alice, title="Chez moi")
    elsewhere = make_thread(board_for(sessions[2]), author=alice, title="Ailleurs")
    client.force_login(facilitator)
    assert "Outils de modération" in page_text(client.get(own.get_absolute_url()))
    assert "Outils de modération" not in page_text(client.get(elsewhere.get_absolute_url()))
    response = client.post(reverse("forum:thread_lock", args=[elsewhere.pk]), {"locked": "1"})
    assert response.status_code == 403
