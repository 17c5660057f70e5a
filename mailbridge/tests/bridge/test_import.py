"""`intercoop import-mbox`: a list's archive into its network's board, threaded,
with its dates, files and authors (guests unless members), once however often it
is imported; bad messages reported with their position; no mail, no live frame;
the board hidden from non-moderators while it runs."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.utils import timezone

from forum import services
from forum.models import Attachment, Board, Post, PostSource, Thread
from forum.permissions import can_see_board
from forum.services.guests import guest_posts_claim
from forum.tests.reading import page_text
from mailbridge.bridge.importer import archive_import
from mailbridge.models import Delivery
from mailbridge.tests.bridge.archives import LIST_ADDRESS, LIST_ID, mail, mbox, pipermail
from mailbridge.tests.inbound.bridge_support import bridged_network
from mailbridge.tests.inbound.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    bridge, board, referent = bridged_network(list_address=LIST_ADDRESS, list_id=LIST_ID)
    return bridge.network, board, referent


def thread_archive(path):
    """A thread of three, a reply by subject only, and another thread."""
    return mbox(
        path,
        mail(1, "[reseau-coop] Assemblée générale de juin", "Qui vient à l'AG ?"),
        mail(
            2,
            "Re: [reseau-coop] Assemblée générale de juin",
            "Moi.\n\nLe 01/03/2006 09:00, Anne Martin a écrit :\n> Qui vient à l'AG ?",
            refs=(1,),
            author="Benoît Dubois <benoit@exemple.org>",
        ),
        mail(3, "Re: [reseau-coop] Assemblée générale de juin", "Moi aussi.", refs=(1, 2)),
        mail(
            4,
            "RE : [reseau-coop] Assemblée générale de juin",
            "Et moi, sans les en-têtes.",
            author="Cécile Petit <cecile@exemple.org>",
        ),
        mail(5, "[reseau-coop] Budget 2006", "From the start, the budget was short."),
    )


def run(network, *paths, **options):
    return archive_import(network=network, paths=list(paths), workers=1, **options)


def test_an_archive_becomes_threads_with_its_dates_and_guests(network, tmp_path):
    net, board, _referent = network
    report = run(net, thread_archive(tmp_path / "a.mbox"))
    assert (report.messages, report.new, report.duplicates, report.orphans) == (5, 5, 0, 0)
    assert report.by_subject == 1
    ag = Thread.objects.get(board=board, title="Assemblée générale de juin")
    posts = list(ag.posts.order_by("number"))
    assert [p.message_id for p in posts] == [f"<{n}@exemple.org>" for n in (1, 2, 3, 4)]
    assert posts[1].in_reply_to == posts[0] and posts[2].in_reply_to == posts[1]
    assert posts[3].in_reply_to == posts[2]  # by subject, within three days: the newest
    assert posts[0].created_at.isoformat() == "2006-03-01T10:00:00+00:00"
    assert ag.last_post_at == posts[3].created_at
    assert posts[1].body_markdown == "Moi."  # no quote, no footer
    assert posts[1].author.profile.is_guest and posts[1].author.profile.display_name == (
        "Benoît Dubois"
    )
    assert {p.source for p in Post.objects.filter(thread__board=board)} == {PostSource.IMPORT}
    budget = Post.objects.get(message_id="<5@exemple.org>")
    assert budget.body_markdown.startswith("From the start")  # ">From " unquoted


def test_importing_twice_adds_nothing(network, tmp_path):
    net, board, _referent = network
    path = thread_archive(tmp_path / "a.mbox")
    run(net, path)
    again = run(net, path)
    assert (again.new, again.duplicates) == (0, 5)
    assert Post.objects.filter(thread__board=board).count() == 5


def test_an_older_file_imported_later_is_imported_and_takes_its_orphans(network, tmp_path):
    net, board, _referent = network
    older = mbox(
        tmp_path / "2006-02.mbox",
        mail(1, "[reseau-coop] Charte", "Voici la charte."),
        mail(2, "Re: [reseau-coop] Charte", "Merci.", refs=(1,)),
    )
    newer = mbox(
        tmp_path / "2006-03.mbox",
        mail(3, "Re: [reseau-coop] Charte", "Je relis.", refs=(1, 2)),
        mail(4, "Re: [reseau-coop] Charte", "Relu.", refs=(1, 2, 3)),
    )
    first = run(net, newer)
    assert (first.new, first.orphans) == (2, 1)
    assert Thread.objects.filter(board=board).count() == 1
    second = run(net, older)
    assert (second.new, second.attached) == (2, 1)
    thread = Thread.objects.get(board=board)
    posts = list(thread.posts.order_by("number"))
    assert [p.message_id for p in posts] == [f"<{n}@exemple.org>" for n in (1, 2, 3, 4)]
    assert posts[2].in_reply_to == posts[1]
    assert thread.post_count == 4


def test_a_dry_run_counts_and_writes_nothing(network, tmp_path):
    net, board, _referent = network
    run(net, mbox(tmp_path / "one.mbox", mail(1, "[reseau-coop] Charte", "Voici la charte.")))
    path = mbox(
        tmp_path / "all.mbox",
        mail(1, "[reseau-coop] Charte", "Voici la charte."),
        mail(2, "Re: [reseau-coop] Charte", "Merci.", refs=(1,)),
        mail(3, "Re: [reseau-coop] Statuts", "Lesquels ?", refs=(9,)),
    )
    out = io.StringIO()
    call_command("import_mbox", net.slug, str(path), "--dry-run", "--workers", "1", stdout=out)
    assert "3 messages read: 2 would be new, 1 duplicate, 1 orphan" in out.getvalue()
    assert Post.objects.filter(thread__board=board).count() == 1


def test_bad_messages_are_reported_with_their_position_and_imported_when_they_can_be(
    network, tmp_path
):
    net, board, _referent = network
    path = mbox(
        tmp_path / "bad.mbox",
        mail(
            1, "[reseau-coop] Dates", "Heure bizarre.", date="Wed, 01 Mar 2006 10:00:00 GMT+00:00"
        ),
        mail(2, "[reseau-coop] Crochets", "Identifiant doublé.", message_id="<<2@exemple.org>>"),
        mail(3, "[reseau-coop] Sans identifiant", "Pas de Message-ID.", message_id=""),
        mail(
            4,
            "[reseau-coop] Pièce jointe",
            "",
            extra='Content-Type: multipart/mixed; boundary="b"',
        ).replace(
            "\n\n",
            "\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nLe compte rendu.\n"
            '--b\nContent-Type: application/pdf; name="cr.pdf"\n'
            'Content-Disposition: attachment; filename="cr.pdf"\n'
            "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n",  # no closing boundary
            1,
        ),
        mail(5, "[reseau-coop] Sans auteur", "Personne.", author="liste"),
    )
    out = io.StringIO()
    call_command("import_mbox", net.slug, str(path), "--workers", "1", stdout=out)
    text = out.getvalue()
    assert (
        f"{path}: message 1 at byte 0: malformed date 'Wed, 01 Mar 2006 10:00:00 GMT+00:00'" in text
    )
    assert "message 2 at byte" in text and "'<<2@exemple.org>>' read as '<2@exemple.org>'" in text
    assert "message 3 at byte" in text and "no Message-ID" in text
    assert "message 4 at byte" in text and "broken MIME" in text
    assert "message 5 at byte" in text and "no author address" in text
    assert "5 messages read: 4 new" in text
    dated = Post.objects.get(thread__title="Dates")
    assert dated.created_at.isoformat() == "2006-03-01T10:00:00+00:00"
    assert Post.objects.filter(message_id="<2@exemple.org>").exists()
    assert Post.objects.get(thread__title="Sans identifiant").message_id.startswith("sha256:")
    attached = Attachment.objects.get(post__thread__title="Pièce jointe")
    assert (attached.filename, attached.content_type) == ("cr.pdf", "application/pdf")
    again = run(net, path)  # the one without Message-ID too, by its digest
    assert again.new == 0


def test_from_lines_left_unquoted_in_bodies_stay_text_and_are_reported(network, tmp_path):
    net, board, _referent = network
    first = mail(1, "[reseau-coop] Ordre du jour", "Voici.\n\nFrom Lyon, nous viendrons à 3.")
    second = mail(
        2,
        "[reseau-coop] Rappel",
        "Un courriel cité :\n\nFrom jean@exemple.org Mon Mar  6 10:00:00 2006\npas un en-tête",
    )
    path = tmp_path / "mboxo.mbox"
    path.write_text(
        f"From a@exemple.org Wed Mar  1 10:00:00 2006\n{first}\n"
        f"From a@exemple.org Wed Mar  1 11:00:00 2006\n{second}\n",
        encoding="utf-8",
    )
    report = run(net, path)
    assert (report.messages, report.new) == (2, 2)
    assert [position.split(": ")[1] for position, problem in report.problems] == [
        "message 1 at byte 0",
        "message 2 at byte " + str(len(first.encode()) + 45),
    ]
    assert all("starts with 'From ', unquoted" in problem for _p, problem in report.problems)
    assert (
        "From Lyon, nous viendrons" in Post.objects.get(thread__title="Ordre du jour").body_markdown
    )
    assert "pas un en-tête" in Post.objects.get(thread__title="Rappel").body_markdown


def test_a_pipermail_month_is_imported(network, tmp_path):
    net, board, _referent = network
    path = pipermail(
        tmp_path / "2006-March.txt.gz",
        [
            (
                "jean@exemple.org",
                "Jean Rousseau",
                "[reseau-coop] Covoiturage",
                "<p1@x.org>",
                "Qui part de Lyon ?",
            ),
            (
                "zoe@exemple.org",
                "Zoé André",
                "Re: [reseau-coop] Covoiturage",
                "<p2@x.org>",
                "Moi, samedi.\n-------------- next part --------------\n"
                "A non-text attachment was scrubbed...\nName: carte.pdf\nType: application/pdf\n"
                "Size: 2048 bytes\nDesc: not available\n"
                "URL: http://listes.exemple.coop/pipermail/reseau-coop/attachments/carte.pdf",
            ),
        ],
    )
    report = run(net, path)
    assert report.new == 2
    reply = Post.objects.get(message_id="<p2@x.org>")
    assert reply.author.profile.display_name == "Zoé André"
    assert reply.in_reply_to.message_id == "<p1@x.org>"  # by subject: no References
    assert "next part" not in reply.body_markdown
    assert "[carte.pdf](http://listes.exemple.coop/pipermail/" in reply.body_markdown


def test_a_member_with_that_address_is_the_author_and_a_guest_claimed_later(network, tmp_path):
    net, board, _referent = network
    anne = member(board, "anne.martin@exemple.org", name="Anne", level=None)
    run(net, thread_archive(tmp_path / "a.mbox"))
    assert Post.objects.get(message_id="<1@exemple.org>").author == anne
    benoit_post = Post.objects.get(message_id="<2@exemple.org>")
    benoit = member(board, "benoit@exemple.org", name="Benoît", level=None)
    assert guest_posts_claim(user=benoit, address="benoit@exemple.org") == 1
    benoit_post.refresh_from_db()
    assert benoit_post.author == benoit


def test_an_import_mails_no_one(network, tmp_path):
    net, board, _referent = network
    member(board, "suiveuse@exemple.org")  # follows the board by email
    run(net, thread_archive(tmp_path / "a.mbox"))
    assert Post.objects.filter(thread__board=board).count() == 5
    assert Delivery.objects.count() == 0


def test_search_finds_an_imported_post_at_once(network, tmp_path, client):
    net, board, _referent = network
    run(net, thread_archive(tmp_path / "a.mbox"))
    response = client.get("/recherche/", {"q": "budget"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Budget 2006" in text and "From the start, the budget was short." in text, text


def test_the_board_is_hidden_from_non_moderators_while_the_import_runs(network, tmp_path, client):
    net, board, referent = network
    reader = member(board, "lectrice@exemple.org", level=None)
    seen = []
    assert client.get(board.get_absolute_url()).status_code == 200  # cached for visitors
    pages = []

    def during(report, done):
        current = Board.objects.get(pk=board.pk)
        seen.append(
            (
                can_see_board(AnonymousUser(), current),
                can_see_board(reader, current),
                can_see_board(referent, current),
                Board.objects.visible_to(reader).filter(pk=board.pk).exists(),
            )
        )
        pages.append(client.get(board.get_absolute_url()).status_code)

    run(net, thread_archive(tmp_path / "a.mbox"), batch_size=2, on_batch=during)
    assert seen and all(state == (False, False, True, False) for state in seen)
    assert pages and set(pages) == {404}
    board.refresh_from_db()
    assert can_see_board(AnonymousUser(), board) and can_see_board(reader, board)
    page = client.get(board.get_absolute_url())
    assert page.status_code == 200 and "Assemblée générale de juin" in page_text(page)


def test_a_crashed_import_shows_the_board_again(network, tmp_path):
    net, board, _referent = network

    def crash(report, done):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(net, thread_archive(tmp_path / "a.mbox"), batch_size=2, on_batch=crash)
    board.refresh_from_db()
    assert board.import_until is None and can_see_board(AnonymousUser(), board)
    # Killed outright, it renews its lease no more: the board shows once it lapses.
    Board.objects.filter(pk=board.pk).update(import_until=timezone.now() + timedelta(minutes=2))
    board.refresh_from_db()
    assert not can_see_board(AnonymousUser(), board)
    Board.objects.filter(pk=board.pk).update(import_until=timezone.now() - timedelta(seconds=1))
    board.refresh_from_db()
    assert can_see_board(AnonymousUser(), board)
    assert Board.objects.visible_to(AnonymousUser()).filter(pk=board.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_import_pushes_nothing_to_live_pages(network, tmp_path):
    from realtime.models import LiveEvent

    net, board, referent = network
    run(net, thread_archive(tmp_path / "a.mbox"))  # committed batch after batch
    assert Post.objects.filter(thread__board=board).count() == 5
    assert LiveEvent.objects.count() == 0
    # A post written as usual in the same board is pushed (stored for catch-up).
    services.thread_create(
        board=board, author=referent, title="En direct", body="Bonjour.", bridged=True
    )
    assert LiveEvent.objects.filter(kind="board.row").exists()


def test_the_intercoop_command_imports_and_says_what_it_cannot(network, tmp_path, capsys):
    from config.cli import main

    net, board, _referent = network
    path = thread_archive(tmp_path / "a.mbox")
    assert main(["import-mbox", "--dry-run", net.slug, str(path), "--workers", "1"]) == 0
    assert "5 messages read: 5 would be new" in capsys.readouterr().out
    assert main(["import-mbox", net.slug, str(path), "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "5 messages read: 5 new, 0 duplicate, 0 orphan" in captured.out
    assert "5 messages, 100.0% of the files" in captured.err  # the progress line
    assert main(["import-mbox", "pas-de-reseau", str(path)]) == 2
    assert "intercoop: no network 'pas-de-reseau'" in capsys.readouterr().err
