"""Attachments are served to those who can read the post, and only images inline."""

from __future__ import annotations

import pytest

from forum.models import Attachment
from forum.tests.board_factories import board_for, make_participant, make_private, make_thread
from forum.tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(settings, tmp_path):
    settings.INTERCOOP_ATTACHMENTS_DIR = tmp_path

    def store(post, name, data, content_type, inline):
        path = f"2007/07/{len(list(tmp_path.rglob('*')))}.bin"
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
        return Attachment.objects.create(
            post=post, filename=name, content_type=content_type, size=len(data), path=path,
            is_inline_safe=inline,
        )  # fmt: skip

    return store


@pytest.fixture
def post(sessions, event):
    author = make_participant(event)
    return make_thread(board_for(sessions[1]), author=author).posts.get(number=1)


def test_an_image_is_served_inline_with_nosniff(client, post, stored):
    image = stored(post, "tableau.png", b"\x89PNG\r\n\x1a\n...", "image/png", True)
    response = client.get(image.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n\x1a\n..."


def test_html_and_executables_are_always_downloads(client, post, stored):
    for name in ("page.html", "logo.svg", "programme.exe"):
        item = stored(post, name, b"<script>alert(1)</script>", "application/octet-stream", False)
        response = client.get(item.get_absolute_url())
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in response["Content-Security-Policy"]


def test_a_pdf_is_a_download_with_its_french_name(client, post, stored):
    item = stored(post, "Compte rendu été.pdf", b"%PDF-1.4", "application/pdf", False)
    response = client.get(item.get_absolute_url())
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Compte%20rendu%20%C3%A9t%C3%A9.pdf" in response["Content-Disposition"]


def test_attachments_of_a_private_session_are_for_its_members_only(client, post, stored, sessions):
    item = stored(post, "tableau.png", b"\x89PNG\r\n\x1a\n", "image/png", True)
    make_private(sessions[1])
    assert client.get(item.get_absolute_url()).status_code == 404
    client.force_login(make_user("curieux@exemple.org"))
    assert client.get(item.get_absolute_url()).status_code == 404
    client.force_login(post.author)
    assert client.get(item.get_absolute_url()).status_code == 200


def test_a_path_outside_the_attachments_directory_is_never_served(client, post, stored):
    item = stored(post, "x.png", b"\x89PNG", "image/png", True)
    Attachment.objects.filter(pk=item.pk).update(path="../../../../etc/passwd")
    assert client.get(item.get_absolute_url()).status_code == 404


def test_the_thread_page_shows_images_and_links_files_in_a_fixed_number_of_queries(
    client, post, stored, django_assert_max_num_queries
):
    stored(post, "tableau.png", b"\x89PNG\r\n\x1a\n", "image/png", True)
    stored(post, "compte-rendu.pdf", b"%PDF-1.4", "application/pdf", False)
    with django_assert_max_num_queries(25):
        page = client.get(post.thread.get_absolute_url()).content.decode()
    assert '<img src="/pieces-jointes/' in page and 'alt="tableau.png"' in page
    assert "compte-rendu.pdf</a>" in page and " download>" in page
