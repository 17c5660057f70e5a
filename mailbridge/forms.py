"""The "Mes abonnements" form: one level per board and per followed thread."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forum.models import Board, FollowLevel, Thread


def board_field_name(board: Board) -> str:
    return f"board-{board.pk}"


def thread_field_name(thread: Thread) -> str:
    return f"thread-{thread.pk}"


class SubscriptionsForm(forms.Form):
    """Built from the boards the person may see and the threads they follow, with
    their current levels as initial values; `changes()` lists only what moved."""

    def __init__(self, *args, boards, threads, levels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.targets: dict[str, tuple[str, object]] = {}
        for board in boards:
            self._add(board_field_name(board), ("board", board), board.title, levels)
        for thread in threads:
            self._add(thread_field_name(thread), ("thread", thread), thread.title, levels)

    def _add(self, name, target, label, levels) -> None:
        self.fields[name] = forms.ChoiceField(
            label=label,
            choices=FollowLevel.choices,
            initial=levels.get(name, FollowLevel.WEB),
            error_messages={"invalid_choice": _("Choisissez un abonnement dans la liste.")},
        )
        self.targets[name] = target

    def board_fields(self):
        return [self[name] for name, (kind, _t) in self.targets.items() if kind == "board"]

    def thread_fields(self):
        return [self[name] for name, (kind, _t) in self.targets.items() if kind == "thread"]

    def changes(self) -> list[tuple[str, object, str]]:
        """(kind, board or thread, new level) for each field whose value changed."""
        return [
            (*self.targets[name], self.cleaned_data[name])
            for name in self.targets
            if self.cleaned_data[name] != self.fields[name].initial
        ]
