"""People recognisable: an avatar (a picture uploaded and resized, or initials on the
person's colour), their name and network beside every post, in lists and in mail."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from forum.avatars import AVATAR_PIXELS, colour_of, initials_of
from forum.models import Profile
from forum.tests.board_factories import make_participant, make_thread, reply
from forum.tests.factories import make_network
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db


def _picture(width=600, height=400, kind="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#c33").save(out, format=kind)
    return out.getvalue()


def test_initials_on_the_persons_colour_beside_each_post(client, board, alice, bruno):
    thread = make_thread(board, author=alice, title="Les outils")
    reply(thread, author=bruno, body="Réponse.")
    html = client.get(thread.get_absolute_url()).content.decode()
    assert ">AC</text>" in html and ">BM</text>" in html
    assert f'fill="{colour_of(alice.pk)}"' in html
    assert "style=" not in html.split("<main", 1)[1]


def test_the_network_shows_beside_the_name(client, board, event):
    person = make_participant(event, display_name="Nadia Réseau")
    Profile.objects.filter(user=person).update(network=make_network("Réseau des Cigales"))
    thread = make_thread(board, author=person, title="Présentations")
    text = page_text(client.get(thread.get_absolute_url()))
    assert "Nadia Réseau Réseau des Cigales" in text


def test_an_uploaded_picture_is_resized_and_shown(client, board, alice):
    client.force_login(alice)
    upload = SimpleUploadedFile("moi.png", _picture(), content_type="image/png")
    response = client.post("/mon-avatar/", {"avatar": upload}, follow=True)
    assert "Votre avatar est enregistré." in page_text(response)
    thread = make_thread(board, author=alice, title="Avec photo")
    html = client.get(thread.get_absolute_url()).content.decode()
    url = f"/personnes/{alice.pk}/avatar.webp?v=1"
    assert f'src="{url}"' in html
    served = client.get(url)
    assert served["Content-Type"] == "image/webp"
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.size == (AVATAR_PIXELS, AVATAR_PIXELS)


def test_a_file_that_is_no_picture_is_refused_with_a_message(client, alice):
    client.force_login(alice)
    upload = SimpleUploadedFile("virus.png", b"MZ not a picture", content_type="image/png")
    response = client.post("/mon-avatar/", {"avatar": upload}, follow=True)
    assert response.status_code == 200
    assert "n'est pas une image lisible" in page_text(response)
    assert client.get(f"/personnes/{alice.pk}/avatar.webp").status_code == 404


def test_initials_of_names():
    assert initials_of("Alice Coopère") == "AC"
    assert initials_of("léa") == "L"
    assert initials_of("") == "?"
