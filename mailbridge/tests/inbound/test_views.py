"""Show the whole message: the mail a post came from, for those who can read the post."""

from __future__ import annotations

from forum.tests.factories import make_user
from mailbridge.inbound.processing import inbound_process
from mailbridge.tests.inbound.factories import HELENE, Scene
from mailbridge.tests.inbound.support import store_by_hand


def _posted(scene: Scene):
    row = store_by_hand(
        scene.fixture("reply_thunderbird_fr.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    )
    inbound_process(inbound_id=row.pk)
    row.refresh_from_db()
    return row.post


def test_the_thread_page_offers_the_whole_message_under_an_email_post(db, client):
    scene = Scene()
    post = _posted(scene)
    page = client.get(scene.thread.get_absolute_url()).content.decode()
    assert "Afficher le message entier" in page
    assert f"/messages/{post.pk}/original/" in page
    original = client.get(f"/messages/{post.pk}/original/")
    content = original.content.decode()
    assert original.status_code == 200
    assert "&gt; Qui vient avec un témoignage" in content  # escaped, quote and all
    assert "Coopérative d&#x27;activités et d&#x27;emploi Oxalis" in content


def test_the_whole_message_of_a_private_session_is_for_its_members_only(db, client):
    scene = Scene()
    post = _posted(scene)
    session = scene.board.session
    session.is_private = True
    session.save(update_fields=["is_private"])
    assert client.get(f"/messages/{post.pk}/original/").status_code == 404
    client.force_login(make_user("curieux@exemple.org"))
    assert client.get(f"/messages/{post.pk}/original/").status_code == 404
    client.force_login(scene.paul)
    assert client.get(f"/messages/{post.pk}/original/").status_code == 200


def test_a_web_post_has_no_whole_message(db, client):
    scene = Scene()
    assert client.get(f"/messages/{scene.post.pk}/original/").status_code == 404
