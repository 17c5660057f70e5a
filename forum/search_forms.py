"""The search page's filters: what the reader may narrow a search to. A value that
is not one (an unknown board, a malformed date) is left out, never an error page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forum.localized import shown
from forum.models import PostSource
from forum.selectors.search_filters import SearchFilters


class SearchForm(forms.Form):
    board = forms.ChoiceField(label=_("Forum"), required=False)
    author = forms.CharField(label=_("Auteur·rice"), required=False, max_length=120)
    since = forms.DateField(
        label=_("Depuis le"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Jusqu'au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[
            ("", _("courriel et web")),
            (PostSource.EMAIL, _("courriel")),
            (PostSource.WEB, _("web")),
        ],
    )

    def __init__(self, data=None, *, boards=()):
        super().__init__(data)
        self.fields["board"].choices = [("", _("Tous les forums"))] + [
            (board.slug, shown(board, "title")) for board in boards
        ]

    def filters(self) -> SearchFilters:
        """The filters given and valid; the others are dropped."""
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        return SearchFilters(
            board=data.get("board") or "",
            author=(data.get("author") or "").strip(),
            since=data.get("since"),
            until=data.get("until"),
            source=data.get("source") or "",
        )

    def kept(self) -> dict:
        """The valid filters as query parameters, for the pages' links."""
        filters = self.filters()
        return {
            "board": filters.board,
            "author": filters.author,
            "since": filters.since.isoformat() if filters.since else "",
            "until": filters.until.isoformat() if filters.until else "",
            "source": filters.source,
        }
