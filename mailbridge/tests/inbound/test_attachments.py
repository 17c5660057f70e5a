"""attachments: files kept for the post; nothing but real images is ever shown inline."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum import events
from forum.models import Attachment
from mailbridge.inbound.processing import inbound_process, inbound_process_many
from mailbridge.inbound.steps.attachments import classify, safe_filename
from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, Scene
from mailbridge.tests.inbound.support import store_by_hand


def test_a_pdf_and_a_photo_are_kept_the_photo_inline_the_pdf_as_a_download(gateway):
    scene = Scene()
    stored = gateway.send(
        scene.fixture("attachment_pdf.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert stored.status == InboundStatus.POSTED, stored.trail
    assert stored.post.body_text.startswith("Voici le compte rendu")
    pdf, photo = Attachment.objects.filter(post=stored.post).order_by("pk")
    assert (pdf.filename, pdf.content_type, pdf.is_inline_safe) == (
        "Compte rendu été 2007.pdf",  # RFC 2231, UTF-8, percent-encoded
        "application/pdf",
        False,
    )
    assert (photo.filename, photo.content_type, photo.is_inline_safe) == (
        "tableau.png",
        "image/png",
        True,
    )
    on_disk = settings.INTERCOOP_ATTACHMENTS_DIR / pdf.path
    assert on_disk.read_bytes().startswith(b"%PDF-1.4") and pdf.size == on_disk.stat().st_size
    assert "Compte" not in pdf.path  # never the sender's name on disk


def test_executables_svg_and_html_are_kept_as_downloads_never_inline(gateway):
    scene = Scene()
    stored = gateway.send(
        scene.fixture("attachment_exe.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert stored.status == InboundStatus.POSTED, stored.trail
    files = {a.filename: a for a in Attachment.objects.filter(post=stored.post)}
    assert set(files) == {"programmefdp.exe", "logo.svg", "page.html"}
    for item in files.values():
        assert not item.is_inline_safe
        assert item.content_type == "application/octet-stream"
        assert ".." not in item.path and "/" not in item.path.split("/", 2)[-1]


@pytest.fixture
def heard_with_files():
    """For each post_created, the file names its subscribers find: in the database,
    inside the post's transaction, and on the post handed over."""
    heard = {}

    def subscriber(*, post_id, post, **payload):
        heard[post_id] = (
            sorted(Attachment.objects.filter(post_id=post_id).values_list("filename", flat=True)),
            sorted(item.filename for item in post.shown_attachments()),
        )

    events.subscribe("post_created", subscriber, atomic=True)
    yield heard
    events._registry["post_created"].atomic.remove(subscriber)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("road", ["reply alone", "new thread", "chunk of replies"])
def test_subscribers_of_post_created_see_the_posts_attachments(heard_with_files, road):
    scene = Scene()
    sent = scene.fixture("attachment_pdf.eml")
    if road == "new thread":  # to the list, answering nothing
        rows = [store_by_hand(sent, mail_from=HELENE, rcpt_tos=[scene.list_address])]
    else:
        copies = 2 if road == "chunk of replies" else 1
        rows = [
            store_by_hand(
                sent.replace(b"attachment-pdf-9c8b7a", f"attachment-pdf-{n}".encode()),
                mail_from=HELENE,
                rcpt_tos=[scene.address],
            )
            for n in range(copies)
        ]
    with CaptureQueriesContext(connection) as queries:
        if road == "chunk of replies":
            inbound_process_many([row.pk for row in rows])
        else:
            inbound_process(inbound_id=rows[0].pk)
    posts = [InboundMessage.objects.get(pk=row.pk).post_id for row in rows]
    assert None not in posts
    post_inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "forum_post"')]
    assert len(post_inserts) == 1  # a chunk's replies are written together
    files = ["Compte rendu été 2007.pdf", "tableau.png"]
    assert [heard_with_files[post] for post in posts] == [(files, files)] * len(posts)


@pytest.mark.parametrize(
    ("declared", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("facture\u202egpj.exe", "facturegpj.exe"),
        ("  .cache ", "cache"),
        ("rapport\x00.pdf", "rapport.pdf"),
        ('a<b>c:d"e|f?g*h.txt', "a_b_c_d_e_f_g_h.txt"),
        ("", "piece-jointe"),
        (None, "piece-jointe"),
        ("é" * 300 + ".pdf", "é" * 146 + ".pdf"),
    ],
)
def test_sender_file_names_are_sanitised(declared, shown):
    assert safe_filename(declared) == shown


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"\x89PNG\r\n\x1a\nrest", "photo.png", ("image/png", True)),
        (b"\xff\xd8\xff\xe0rest", "photo.jpg", ("image/jpeg", True)),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "x.webp", ("image/webp", True)),
        (b"<svg onload=alert(1)>", "image.png", ("application/octet-stream", False)),
        (b"<html><script>", "photo.jpg", ("application/octet-stream", False)),
        (b"\x89PNG\r\n\x1a\nrest", "photo.svg", ("image/png", False)),
        (b"%PDF-1.7", "doc.pdf", ("application/pdf", False)),
        (b"MZ\x90\x00", "doc.pdf", ("application/octet-stream", False)),
        (
            b"PK\x03\x04",
            "tableau.xlsx",
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
        ),
    ],
)
def test_types_come_from_the_bytes_and_our_table_not_from_the_sender(data, name, expected):
    assert classify(data, name) == expected
