"""Fill a database with one post to N email followers, for tests and the benchmark
that run the sender in other processes.

    python -m mailbridge.tests.outbound.outbox_fixture N [--migrate] [--no-post]

The database is the one the environment names (DATABASE_URL, else the SQLite file
of INTERCOOP_DATA_DIR). People are written in bulk (no password hashing, a few
statements for thousands); the post goes through forum.services.thread_create, so
its deliveries are written by the real fan-out in the post's transaction. Prints
one JSON line: {"post_id", "followers", "deliveries"}.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date


def people_create(count: int, *, prefix: str = "membre", domain: str = "exemple.org"):
    """`count` active people, verified, each with a profile; returns their ids."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from forum.models import Profile

    User = get_user_model()
    password = make_password(None)  # unusable: these people never sign in
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}{n}", email=f"{prefix}{n}@{domain}", password=password)
            for n in range(count)
        ],
        batch_size=1000,
    )
    if not users or users[0].pk is None:  # backends that return no ids (old SQLite)
        users = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users],
        batch_size=1000,
    )
    Profile.objects.bulk_create(
        [
            Profile(user=u, display_name=f"Membre {n}", language="en" if n % 5 == 0 else "fr")
            for n, u in enumerate(users)
        ],
        batch_size=1000,
    )
    return users


def post_to_followers(count: int, *, make_post: bool = True) -> dict:
    from forum import services
    from forum.models import (
        Board,
        Event,
        Follow,
        FollowLevel,
        Profile,
        Registration,
        Role,
        Session,
    )
    from mailbridge.models import Delivery

    event, _ = Event.objects.get_or_create(
        slug="intercoop-outbox",
        defaults={"name": "Intercoop", "starts_on": date(2007, 7, 4), "ends_on": date(2007, 7, 6)},
    )
    session, _ = Session.objects.get_or_create(
        slug="travail-collaboratif",
        defaults={
            "event": event,
            "number": 1,
            "title": "Le travail collaboratif entre réseaux",
            "date": date(2007, 7, 4),
        },
    )
    board, _ = Board.objects.get_or_create(
        slug=session.slug, defaults={"event": event, "session": session, "title": session.title}
    )
    [author] = people_create(1, prefix="autrice")
    Profile.objects.filter(user=author).update(display_name="Hélène Émery")
    Registration.objects.create(user=author, event=board.event, role=Role.ORGANISER)
    followers = people_create(count)
    Follow.objects.bulk_create(
        [Follow(user=u, board=board, level=FollowLevel.EMAIL) for u in followers],
        batch_size=1000,
    )
    result = {"followers": len(followers), "board_id": board.pk}
    if make_post:
        thread = services.thread_create(
            board=board,
            author=author,
            title="Coopératives : où en est-on ?",
            body="Bonjour à toutes et à tous,\n\nvoici **le compte rendu** de la matinée.\n",
        )
        post = thread.posts.get()
        result.update(post_id=post.pk, deliveries=Delivery.objects.filter(post=post).count())
    return result


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    args = sys.argv[1:]
    if "--migrate" in args:
        call_command("migrate", interactive=False, verbosity=0)
    count = int(next(arg for arg in args if arg.isdigit()))
    print(json.dumps(post_to_followers(count, make_post="--no-post" not in args)), flush=True)


if __name__ == "__main__":
    main()
