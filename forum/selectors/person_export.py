"""Everything the site holds about a person, as a zip: `data.json` and their posts
as Markdown files, one per post (`posts/<thread id>-<number>.md`)."""

from __future__ import annotations

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from forum import person_data
from forum.models import (
    Anonymity,
    Follow,
    LibraryEntry,
    Post,
    ReadMark,
    Registration,
    Respondent,
    Thread,
)
from forum.selectors.questionnaires import response_of


def person_data_read(*, user) -> dict:
    """The person's rows, as JSON-able data."""
    profile = getattr(user, "profile", None)
    data = {
        "exported_at": timezone.now(),
        "account": {
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "profile": profile
        and {
            "display_name": profile.display_name,
            "network": profile.network and profile.network.name,
            "language": profile.language,
            "mail_delivery": profile.mail_delivery,
        },
        "addresses": list(
            user.emailaddress_set.order_by("pk").values("email", "verified", "primary")
        ),
        "registrations": [
            {
                "event": registration.event.name,
                "network": registration.network and registration.network.name,
                "role": registration.role,
                "requested_role": registration.requested_role,
                "status": registration.status,
                "comment": registration.comment,
                "sessions": [session.title for session in registration.sessions.all()],
                "created_at": registration.created_at,
            }
            for registration in Registration.objects.filter(user=user)
            .select_related("event", "network")
            .prefetch_related("sessions")
        ],
        "follows": [
            {
                "board": follow.board and follow.board.title,
                "thread": follow.thread and follow.thread.title,
                "level": follow.level,
            }
            for follow in Follow.objects.filter(user=user).select_related("board", "thread")
        ],
        "read_marks": list(
            ReadMark.objects.filter(user=user).values("thread__title", "last_read_number")
        ),
        "threads_started": list(
            Thread.objects.filter(author=user).order_by("pk").values("pk", "title", "created_at")
        ),
        "posts": [
            {
                "thread": post.thread.title,
                "number": post.number,
                "created_at": post.created_at,
                "edited_at": post.edited_at,
                "source": post.source,
                "hidden": post.is_hidden,
                "file": markdown_name(post),
            }
            for post in _posts(user)
        ],
        "questionnaires": _questionnaires(user),
        "library_entries": list(
            LibraryEntry.objects.filter(proposed_by=user)
            .order_by("pk")
            .values("pk", "title", "description", "url", "licence", "created_at")
        ),
    }
    for name, export in sorted(person_data.sections().items()):
        data[name] = export(user)
    return data


def _posts(user):
    return Post.objects.filter(author=user).select_related("thread__board").order_by("pk")


def _questionnaires(user) -> list[dict]:
    answered = []
    for respondent in Respondent.objects.filter(user=user).select_related("questionnaire__session"):
        questionnaire = respondent.questionnaire
        response = response_of(questionnaire=questionnaire, person=user)
        answers = response and list(
            response.answers.order_by("pk").values(
                "question__text_fr", "choice__label_fr", "number", "flag", "text"
            )
        )
        answered.append(
            {
                "session": questionnaire.session.title,
                "anonymous": questionnaire.anonymity == Anonymity.ANONYMOUS,
                "status": respondent.status,
                "answered_at": respondent.answered_at,
                "declined_at": respondent.declined_at,
                "answers": answers,
            }
        )
    return answered


def markdown_name(post) -> str:
    return f"posts/{post.thread_id}-{post.number}.md"


def _markdown(post) -> str:
    return (
        f"# {post.thread.title}\n\n"
        f"- {post.thread.board.title}, message {post.number}\n"
        f"- {post.created_at.isoformat()}\n\n"
        f"{post.body_markdown.rstrip()}\n"
    )


def person_export(*, user) -> bytes:
    """The zip a person downloads from their page."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        data = person_data_read(user=user)
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )
        for post in _posts(user):
            archive.writestr(markdown_name(post), _markdown(post))
    return buffer.getvalue()
