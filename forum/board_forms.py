"""Forms of the boards: new thread, reply, edit, follow, moderation.

They only shape and check the input; the rules (lengths, locks, permissions) are the
services' and come back as UserError, which `add_user_error` puts next to the field
it concerns.
"""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from forum.errors import UserError
from forum.models import FollowLevel

# Primary keys are 64-bit integers; a larger forged number is ignored, not sent to the
# database (SQLite raises OverflowError on binding it).
PK_MAX = 2**63 - 1

BODY_HELP = _(
    "En Markdown : **gras**, *italique*, > citation, [lien](https://exemple.org). "
    "Le HTML est affiché tel quel, sans être interprété."
)


# Level → its label, tolerant of a value stored before a level was renamed.
FOLLOW_LABELS = dict(FollowLevel.choices)


def parse_pk(value) -> int | None:
    """A plausible primary key from a form or query-string value, else None."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= PK_MAX else None


def new_submission_key() -> str:
    return uuid.uuid4().hex


class SubmissionKeyField(forms.CharField):
    """The hidden token that makes a double submit one post: a uuid, or nothing."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return uuid.UUID(value).hex if value else ""
        except ValueError:
            return ""


class ReplyToField(forms.CharField):
    """The id of the post answered; anything else is quietly treated as no answer."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        return parse_pk(value)


def _body_field(label=None):
    return forms.CharField(
        label=label or _("Message"),
        help_text=BODY_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Le message est vide.")},
    )


class UserErrorMixin:
    """Shows a service's UserError next to the field its code names."""

    field_prefixes: tuple[str, ...] = ("title", "body", "reason")

    def add_user_error(self, error: UserError) -> None:
        code = getattr(error, "code", "invalid") or "invalid"
        field = next(
            (name for name in self.field_prefixes if code.startswith(name) and name in self.fields),
            None,
        )
        self.add_error(field, ValidationError(str(error), code=code))


class ThreadForm(UserErrorMixin, forms.Form):
    title = forms.CharField(
        label=_("Titre"),
        widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "off"}),
        error_messages={"required": _("Donnez un titre au fil.")},
    )
    body = _body_field()
    submission_key = SubmissionKeyField()


class ReplyForm(UserErrorMixin, forms.Form):
    body = _body_field(_("Votre réponse"))
    in_reply_to = ReplyToField()
    submission_key = SubmissionKeyField()


class PostEditForm(UserErrorMixin, forms.Form):
    body = _body_field()


class HideForm(UserErrorMixin, forms.Form):
    reason = forms.CharField(
        label=_("Motif du masquage"),
        max_length=300,
        error_messages={"required": _("Indiquez le motif du masquage.")},
    )


class FollowForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Abonnement"),
        choices=FollowLevel.choices,
        error_messages={"invalid_choice": _("Choisissez un abonnement dans la liste.")},
    )


class MoveForm(forms.Form):
    """The target board among those offered; ids are compared, never looked up raw."""

    board = forms.TypedChoiceField(
        label=_("Déplacer vers"),
        coerce=int,
        error_messages={"invalid_choice": _("Choisissez un forum dans la liste.")},
    )

    def __init__(self, *args, boards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].choices = [(board.pk, board.title) for board in boards]
