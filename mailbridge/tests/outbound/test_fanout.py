"""Who gets a post by email: outbox rows written with the post, in its transaction."""

from __future__ import annotations

from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum import services
from forum.models import FollowLevel, Post, RegistrationStatus
from forum.tests.factories import make_user
from mailbridge.models import Delivery, DeliveryKind, DeliveryStatus, MailboxHealth
from mailbridge.outbound import fanout
from mailbridge.outbound.recipients import post_recipients
from mailbridge.tests.outbound.factories import follow_thread, make_board, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    return make_board(slug="economie-sociale")


@pytest.fixture
def author(board):
    return make_member(board, display_name="Autrice")


def addresses_for(post: Post) -> set[str]:
    return set(Delivery.objects.filter(post=post).values_list("address", flat=True))


def test_followers_by_email_get_a_pending_row_and_the_others_do_not(board, author):
    by_email = make_member(board, email="courriel@exemple.org")
    make_member(board, email="resume@exemple.org", level=FollowLevel.DIGEST)
    make_member(board, email="site@exemple.org", level=FollowLevel.WEB)
    make_member(board, email="sourdine@exemple.org", level=FollowLevel.MUTED)
    make_member(board, email="rien@exemple.org", level=None)

    thread = services.thread_create(board=board, author=author, title="Fil", body="Texte.")
    post = thread.posts.get()

    assert addresses_for(post) == {"courriel@exemple.org"}
    delivery = Delivery.objects.get(post=post)
    assert delivery.kind == DeliveryKind.POST
    assert delivery.key == f"post:{post.pk}"
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.recipient == by_email
    assert delivery.next_attempt_at <= timezone.now()


def test_the_author_gets_no_copy_of_their_own_post(board, author):
    thread = services.thread_create(board=board, author=author, title="Fil", body="Texte.")
    assert addresses_for(thread.posts.get()) == set()


def test_a_muted_thread_overrides_email_on_the_board(board, author):
    muted = make_member(board, email="muet@exemple.org")
    thread = services.thread_create(board=board, author=author, title="Fil", body="Texte.")
    follow_thread(muted, thread, FollowLevel.MUTED)
    post = services.post_add(draft=services.PostDraft(thread=thread, author=author, body="Suite."))
    assert "muet@exemple.org" not in addresses_for(post)


def test_email_on_a_thread_overrides_web_on_the_board(board, author):
    keen = make_member(board, email="fil@exemple.org", level=FollowLevel.WEB)
    thread = services.thread_create(board=board, author=author, title="Fil", body="Texte.")
    follow_thread(keen, thread, FollowLevel.EMAIL)
    post = services.post_add(draft=services.PostDraft(thread=thread, author=author, body="Suite."))
    assert addresses_for(post) == {"fil@exemple.org"}


def test_suspended_inactive_and_unverified_people_get_nothing(board, author):
    suspended = make_member(board, email="rejets@exemple.org")
    MailboxHealth.objects.create(user=suspended, bounce_score=6, suspended_at=timezone.now())
    healthy = make_member(board, email="sain@exemple.org")
    MailboxHealth.objects.create(user=healthy, bounce_score=1)
    inactive = make_member(board, email="parti@exemple.org")
    inactive.is_active = False
    inactive.save()
    make_member(board, email="pas-verifie@exemple.org", verified=False)

    thread = services.thread_create(board=board, author=author, title="Fil", body="Texte.")
    assert addresses_for(thread.posts.get()) == {"sain@exemple.org"}


def test_mail_goes_to_the_verified_primary_address(board, author):
    person = make_member(board, email="ancienne@exemple.org")
    EmailAddress.objects.filter(user=person).update(primary=False)
    EmailAddress.objects.create(
        user=person, email="nouvelle@exemple.org", primary=True, verified=True
    )
    thread = services.thread_create(board=board, author=author, title="Fil", body="Texte.")
    assert addresses_for(thread.posts.get()) == {"nouvelle@exemple.org"}


def test_a_private_sessions_board_reaches_only_people_who_may_see_it():
    board = make_board(private=True)
    author = make_member(board)
    make_member(board, email="inscrite@exemple.org")
    cancelled = make_member(board, email="annulee@exemple.org")
    cancelled.registrations.update(status=RegistrationStatus.CANCELLED)
    make_member(board, email="jamais-inscrit@exemple.org", registered=False)
    make_member(board, email="admin@exemple.org", registered=False, is_superuser=True)

    thread = services.thread_create(board=board, author=author, title="Fil", body="Texte.")
    assert addresses_for(thread.posts.get()) == {"inscrite@exemple.org", "admin@exemple.org"}


def test_running_the_fanout_twice_makes_one_row_per_address(board, author):
    make_member(board, email="une-fois@exemple.org")
    thread = services.thread_create(board=board, author=author, title="Fil", body="Texte.")
    post = thread.posts.select_related("thread__board__session").get()
    fanout.post_fanout(post=post)
    fanout.post_fanout(post=post)
    assert Delivery.objects.filter(post=post).count() == 1


def test_the_recipients_cost_one_query_however_many_followers(board, author):
    for _ in range(30):
        make_member(board)
    thread = services.thread_create(board=board, author=author, title="Fil", body="Texte.")
    post = thread.posts.select_related("thread__board__session").get()
    with CaptureQueriesContext(connection) as queries:
        recipients = post_recipients(post=post)
    assert len(recipients) == 30
    assert len(queries) == 1


def test_wake_up_runs_on_commit_only(board, author, django_capture_on_commit_callbacks):
    make_member(board)
    with mock.patch.object(fanout, "outbox_wake") as wake:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.thread_create(board=board, author=author, title="Fil", body="Texte.")
            wake.assert_not_called()
    assert callbacks
    wake.assert_called_once_with(deliveries=1)


def test_a_post_rolled_back_leaves_no_row_and_wakes_nobody(board, author):
    make_member(board)
    with mock.patch.object(fanout, "outbox_wake") as wake:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.thread_create(board=board, author=author, title="Fil", body="Texte.")
            raise RuntimeError("the request failed after the post")
    assert Delivery.objects.count() == 0
    wake.assert_not_called()


def test_a_large_fanout_wakes_one_task_per_batch_up_to_the_parallel_senders(settings):
    settings.INTERCOOP_OUTBOX_BATCH_SIZE = 50
    settings.INTERCOOP_OUTBOX_PARALLEL_SENDERS = 4
    with mock.patch("mailbridge.tasks.send_pending.apply_async") as apply_async:
        assert fanout.outbox_wake(deliveries=10_000) == 4
        assert apply_async.call_count == 4
        apply_async.reset_mock()
        assert fanout.outbox_wake(deliveries=30) == 1


def test_a_broker_that_is_down_does_not_fail_the_post(settings):
    with mock.patch(
        "mailbridge.tasks.send_pending.apply_async", side_effect=ConnectionError("redis down")
    ):
        assert fanout.outbox_wake(deliveries=3) == 0


def test_a_person_without_a_profile_still_gets_mail_in_the_default_language(board, author):
    person = make_user(email="sans-profil@exemple.org")
    person.profile.delete()
    from forum.models import Follow

    Follow.objects.create(user=person, board=board, level=FollowLevel.EMAIL)
    thread = services.thread_create(board=board, author=author, title="Fil", body="Texte.")
    post = thread.posts.select_related("thread__board__session").get()
    [recipient] = post_recipients(post=post)
    assert recipient.address == "sans-profil@exemple.org" and recipient.language == ""
