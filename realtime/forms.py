from django import forms
from django.utils.translation import gettext_lazy as _

from forum.services.notes import NOTE_MAX_CHARS


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Courte, en Markdown. Elle est gardée dans le fil « Notes de l'animation »."),
    )
