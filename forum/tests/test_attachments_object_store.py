"""Attachments in the object store (INTERCOOP_S3_BUCKET): served from the bucket to
those who may read the post, as from the data dir; gone from it with their posts."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from common.storage import file_storage
from forum.models import Attachment
from forum.services.accounts import account_delete
from forum.tests.board_factories import board_for, make_participant, make_private, make_thread
from forum.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(object_store, settings, tmp_path):
    settings.INTERCOOP_ATTACHMENTS_DIR = tmp_path  # must stay empty

    def store(post, name, data, content_type, inline):
        path = f"2007/07/{post.pk}-{name}"
        file_storage("attachments").save(path, ContentFile(data))
        return Attachment.objects.create(
            post=post, filename=name, content_type=content_type, size=len(data), path=path,
            is_inline_safe=inline,
        )  # fmt: skip

    return store


@pytest.fixture
def author(event):
    return make_participant(event)


@pytest.fixture
def post(sessions, author):
    return make_thread(board_for(sessions[1]), author=author).posts.get(number=1)


def test_an_image_and_a_pdf_come_from_the_bucket(client, post, stored, tmp_path):
    image = stored(post, "tableau.png", b"\x89PNG\r\n\x1a\n" + bytes(3000), "image/png", True)
    pdf = stored(post, "cr.pdf", b"%PDF-1.4 " + bytes(2_000_000), "application/pdf", False)

    response = client.get(image.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n\x1a\n" + bytes(3000)
    response = client.get(pdf.get_absolute_url())
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Length"] == str(pdf.size)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 " + bytes(2_000_000)
    assert not list(tmp_path.iterdir())


def test_a_file_missing_from_the_bucket_is_a_404(client, post, stored, object_store):
    item = stored(post, "cr.pdf", b"%PDF-1.4", "application/pdf", False)
    object_store.empty()
    assert client.get(item.get_absolute_url()).status_code == 404


def test_a_private_sessions_file_is_served_to_its_members_only(client, post, stored, sessions):
    item = stored(post, "cr.pdf", b"%PDF-1.4", "application/pdf", False)
    make_private(sessions[1])
    assert client.get(item.get_absolute_url()).status_code == 404
    client.force_login(post.author)
    assert client.get(item.get_absolute_url()).status_code == 200


def test_files_leave_the_bucket_with_the_posts_of_a_deleted_account(
    post, stored, author, object_store
):
    stored(post, "cr.pdf", b"%PDF-1.4", "application/pdf", False)
    assert list(object_store.objects()) == [f"attachments/2007/07/{post.pk}-cr.pdf"]
    account_delete(user=author, password=PASSWORD, keep_posts=False)
    assert object_store.objects() == {}
