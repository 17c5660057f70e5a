from django import forms
from django.utils.translation import gettext_lazy as _

from forum.board_forms import SubmissionKeyField, UserErrorMixin
from forum.services.live_posts import LIVE_THREAD_TITLE
from forum.services.notes import NOTE_MAX_CHARS


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Courte, en Markdown. Elle est gardée dans le fil « Notes de l'animation »."),
    )


class LivePostForm(UserErrorMixin, forms.Form):
    """A post written from the live page: the thread it goes to (by default the
    session's live thread), and its text."""

    thread = forms.TypedChoiceField(label=_("Fil"), coerce=int, required=False, empty_value=None)
    body = forms.CharField(
        label=_("Votre message"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Le message est vide.")},
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, threads=(), **kwargs):
        super().__init__(*args, **kwargs)
        default = [("", _("Échanges en direct (par défaut)"))]
        self.fields["thread"].choices = default + [
            (thread.pk, thread.title) for thread in threads if thread.title != LIVE_THREAD_TITLE
        ]
