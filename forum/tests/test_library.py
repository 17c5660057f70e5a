"""The library of tools and methods: proposing an entry (its discussion thread, its
file), the form's refusals, who may edit and hide an entry."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from forum.models import BoardKind, LibraryEntry, Post
from forum.tests.board_factories import make_participant
from forum.tests.factories import PASSWORD, make_user
from forum.tests.library_factories import PDF, entry, pdf_upload
from forum.tests.network_factories import approved_network

pytestmark = pytest.mark.django_db

PROPOSE = "forum:library_propose"
REFUSED_TYPE = "Ce type de fichier n&#x27;est pas accepté"


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _form(**changes):
    data = {
        "title": "Guide d'animation de réseau",
        "description": "Un guide pour animer un réseau coopératif.",
        "url": "https://exemple.org/guide",
        "tags": "animation, gouvernance",
        "licence": "CC-BY-SA-4.0",
        "licence_other": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_member_proposes_an_entry_with_a_file_and_its_discussion_opens(client, event, alice):
    _login(client, alice)
    answer = client.post(
        reverse(PROPOSE),
        _form(url="", description="Voir **le guide** <script>alert(1)</script>")
        | {"file": pdf_upload()},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    found = LibraryEntry.objects.get()
    assert answer["Location"] == found.get_absolute_url()
    assert found.proposed_by == alice and found.licence == "CC-BY-SA-4.0"
    assert sorted(tag.name for tag in found.tags.all()) == ["animation", "gouvernance"]
    assert "<strong>le guide</strong>" in found.description_html
    assert "<script>" not in found.description_html
    # Its discussion: a thread of the library's board, opened under her name.
    thread = found.thread
    assert thread.board.kind == BoardKind.LIBRARY and thread.title == found.title
    first = thread.posts.get(number=1)
    assert first.author == alice
    assert found.get_absolute_url() in first.body_text
    assert found.get_absolute_url() + '"' in first.body_html  # a link to the entry
    # The file is the first post's attachment, typed from its bytes, downloaded.
    assert found.file.post == first and found.file.content_type == "application/pdf"
    download = client.get(found.file.get_absolute_url())
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    page = client.get(found.get_absolute_url()).content.decode()
    assert "guide-animation.pdf" in page and thread.get_absolute_url() in page


def test_the_discussion_of_an_entry_accepts_a_reply_on_the_web(client, event, alice, bruno):
    made = entry(alice)
    _login(client, bruno)
    answer = client.post(
        reverse("forum:post_reply", args=[made.thread.pk]),
        {"body": "Nous l'utilisons aussi, merci !"},
    )
    assert answer.status_code == 302
    reply = Post.objects.get(thread=made.thread, number=2)
    assert reply.author == bruno and reply.body_text == "Nous l'utilisons aussi, merci !"
    page = client.get(made.get_absolute_url()).content.decode()
    assert "2 messages" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Donnez un titre à la fiche."),
        ({"description": "   "}, "Décrivez l&#x27;outil ou la méthode."),
        ({"url": ""}, "Donnez un lien ou joignez un fichier."),
        ({"url": "javascript:alert(1)"}, "Ce lien n&#x27;est pas une adresse web valable."),
        ({"licence": "WTFPL"}, "Choisissez une licence dans la liste."),
        ({"licence": ""}, "Choisissez une licence dans la liste."),
        ({"licence": "other"}, "Précisez de quelle licence il s&#x27;agit."),
        ({"networks": "99999999999999999999"}, "Choisissez des réseaux de l&#x27;annuaire."),
        ({"tags": ", ".join(f"mot{n}" for n in range(13))}, "12 étiquettes au plus."),
        ({"tags": "x" * 61}, "Une étiquette tient en 60 caractères au plus."),
    ],
)
def test_the_form_refuses_bad_data_next_to_the_field(client, event, alice, changes, message):
    _login(client, alice)
    answer = client.post(reverse(PROPOSE), _form(**changes))
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not LibraryEntry.objects.exists()


def test_a_network_not_approved_is_refused(client, event, alice, organiser):
    from forum import services

    proposed = services.network_propose(user=alice, name="Réseau en attente")
    _login(client, alice)
    answer = client.post(reverse(PROPOSE), _form(networks=str(proposed.pk)))
    assert answer.status_code == 400
    assert "Choisissez des réseaux de l&#x27;annuaire." in answer.content.decode()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("outil.exe", b"MZ\x90\x00binary", REFUSED_TYPE),
        ("page.html", b"<html><script>alert(1)</script>", REFUSED_TYPE),
        ("vide.pdf", b"", "est vide"),
    ],
)
def test_files_of_a_refused_type_or_empty_are_refused(client, event, alice, name, data, message):
    _login(client, alice)
    answer = client.post(reverse(PROPOSE), _form(url="") | {"file": pdf_upload(name, data)})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not LibraryEntry.objects.exists()


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(client, event, alice, settings):
    settings.INTERCOOP_LIBRARY_FILE_MAX_BYTES = 1024 * 1024
    _login(client, alice)
    big = pdf_upload(data=PDF + b"0" * (1024 * 1024))
    answer = client.post(reverse(PROPOSE), _form(url="") | {"file": big})
    assert answer.status_code == 400
    assert "Le fichier est trop lourd : 1 Mo au plus." in answer.content.decode()
    assert not LibraryEntry.objects.exists() and not Post.objects.exists()


def test_a_double_submit_makes_one_entry(client, event, alice):
    _login(client, alice)
    key = "0123456789abcdef0123456789abcdef"
    first = client.post(reverse(PROPOSE), _form(submission_key=key))
    second = client.post(reverse(PROPOSE), _form(submission_key=key))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert LibraryEntry.objects.count() == 1


def test_who_may_not_write_in_the_forum_may_not_propose(client, event):
    answer = client.get(reverse(PROPOSE))
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    stranger = make_user(display_name="Sans inscription")
    _login(client, stranger)
    answer = client.post(reverse(PROPOSE), _form())
    assert answer.status_code == 403
    assert "inscrivez-vous d&#x27;abord aux journées" in answer.content.decode()
    assert not LibraryEntry.objects.exists()


def test_the_proposer_edits_an_entry_and_others_may_not(client, event, alice, bruno):
    made = entry(alice)
    edit = reverse("forum:library_edit", args=[made.pk])
    _login(client, bruno)
    assert client.get(edit).status_code == 403
    assert client.post(edit, _form(title="Détourné")).status_code == 403
    _login(client, alice)
    assert client.get(edit).status_code == 200
    answer = client.post(edit, _form(title="Guide d'animation, 2e édition", licence="CC0-1.0"))
    assert answer.status_code == 302
    made.refresh_from_db()
    assert made.title == "Guide d'animation, 2e édition" and made.licence == "CC0-1.0"
    assert made.thread.title == made.title


def test_a_new_file_on_edit_is_a_reply_in_the_discussion(client, event, alice):
    made = entry(alice, url="", upload=pdf_upload("v1.pdf"))
    old_file = made.file
    _login(client, alice)
    answer = client.post(
        reverse("forum:library_edit", args=[made.pk]),
        _form(url="") | {"file": pdf_upload("v2.pdf")},
    )
    assert answer.status_code == 302
    made.refresh_from_db()
    assert made.file.filename == "v2.pdf" and made.file != old_file
    reply = made.thread.posts.get(number=2)
    assert reply.author == alice and "v2.pdf" in reply.body_text
    assert list(reply.attachments.all()) == [made.file]
    # Keeping the file needs no new one: an edit without a file or link is accepted.
    answer = client.post(reverse("forum:library_edit", args=[made.pk]), _form(url=""))
    assert answer.status_code == 302


def test_organisers_and_referents_of_its_networks_hide_an_entry(client, event, alice, organiser):
    network = approved_network("Tela Botanica", organiser=organiser)
    other = approved_network("Réseau voisin", organiser=organiser)
    made = entry(alice, networks=[network])
    hide = reverse("forum:library_hide", args=[made.pk])
    referent = network.referents.get()
    _login(client, other.referents.get())
    assert client.post(hide, {"hidden": "1"}).status_code == 403
    _login(client, alice)  # who proposed it edits it, but does not hide it
    assert client.post(hide, {"hidden": "1"}).status_code == 403
    _login(client, referent)
    assert client.post(hide, {"hidden": "1"}).status_code == 302
    made.refresh_from_db()
    assert made.is_hidden and made.hidden_by == referent
    page = client.get(made.get_absolute_url())
    assert page.status_code == 200 and "Cette fiche est masquée" in page.content.decode()
    # Hidden: gone for everyone else, from the list and the entry's page.
    _login(client, alice)
    assert client.get(made.get_absolute_url()).status_code == 404
    assert escape(made.title) not in client.get(reverse("forum:library")).content.decode()
    _login(client, organiser)
    assert client.get(reverse("forum:library_edit", args=[made.pk])).status_code == 200
    assert client.post(hide, {"hidden": "0"}).status_code == 302
    client.logout()
    assert escape(made.title) in client.get(reverse("forum:library")).content.decode()


def test_a_participant_who_is_no_member_of_the_event_cannot_reply(client, event, alice):
    made = entry(alice)
    stranger = make_user()
    _login(client, stranger)
    answer = client.post(reverse("forum:post_reply", args=[made.thread.pk]), {"body": "Bonjour"})
    assert answer.status_code == 403
    assert made.thread.posts.count() == 1


def test_a_member_of_the_event_proposes_from_the_session_page(client, event, sessions):
    member = make_participant(event, display_name="Martine")
    _login(client, member)
    page = client.get(sessions[3].get_absolute_url()).content.decode()
    assert reverse(PROPOSE) in page


def test_a_person_s_entries_are_in_their_export_and_follow_their_posts_on_deletion(
    event, alice, bruno
):
    from forum.selectors.person_export import person_data_read
    from forum.services.accounts import account_delete

    kept = entry(alice, "Guide gardé")
    removed = entry(bruno, "Guide retiré", url="", upload=pdf_upload())
    assert [row["title"] for row in person_data_read(user=alice)["library_entries"]] == [
        "Guide gardé"
    ]
    account_delete(user=alice, password=PASSWORD, keep_posts=True)
    kept.refresh_from_db()
    assert kept.proposed_by is None and kept.thread.posts.count() == 1
    account_delete(user=bruno, password=PASSWORD, keep_posts=False)
    assert not LibraryEntry.objects.filter(pk=removed.pk).exists()
    assert list(LibraryEntry.objects.all()) == [kept]


def test_the_library_board_leads_to_the_library_and_opens_no_other_thread(client, event, alice):
    made = entry(alice)
    board = made.thread.board
    _login(client, alice)
    page = client.get(board.get_absolute_url()).content.decode()
    assert reverse("forum:library") in page and reverse(PROPOSE) in page
    assert reverse("forum:thread_new", args=[board.slug]) not in page
    answer = client.post(
        reverse("forum:thread_new", args=[board.slug]), {"title": "Hors fiche", "body": "x"}
    )
    assert answer.status_code == 302 and answer["Location"] == reverse(PROPOSE)
    assert board.threads.count() == 1


def test_a_refused_proposal_leaves_no_file_on_disk(client, event, alice, settings, tmp_path):
    settings.INTERCOOP_ATTACHMENTS_DIR = tmp_path / "attachments"
    _login(client, alice)
    answer = client.post(
        reverse(PROPOSE), _form(url="", tags="x" * 61) | {"file": pdf_upload("carte.pdf")}
    )
    assert answer.status_code == 400
    assert not LibraryEntry.objects.exists()
    kept = [path for path in (tmp_path / "attachments").rglob("*") if path.is_file()]
    assert kept == []
