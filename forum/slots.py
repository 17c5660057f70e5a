"""Named places on the forum's pages where other apps add what they show.

A forum template names a slot (`{% slot "thread.end" %}`, forum/templatetags), never a
template of another app: mailbridge and realtime register their pieces for it from
their AppConfig.ready(), so that the forum names nothing of them and renders on its own.

The slot names are a closed set, `SLOTS`: a template naming another fails when it is
compiled, an app registering for another fails at start (`LookupError`).

A piece is a template name, rendered with the page's context as `{% include %}` renders
it (what the piece sets stays in the piece), or a callable `piece(context) -> str`. The
pieces of a slot are rendered in the order of their `order`, then of registration.
Pages and post fragments are cached as rendered (forum/page_cache.py,
forum/post_fragments.py): a piece must show the same to every reader the page is
cached for, or mark the page with `{% page_not_stored %}`.

A slot's templates are looked up once per process, at its first rendering (again after
a registration, a change of the TEMPLATES setting, or an edited template when Django's
autoreloader runs): the thread page renders a slot in each of its posts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.signals import setting_changed
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString

Piece = str | Callable[[Any], str]

# Each slot and what goes there, for the apps filling them (docs/architecture.md).
SLOTS = {
    "nav.signed_in": "items (<li>) of the main navigation, for a signed-in reader",
    "page.notices": "notices about the reader, at the top of every page's main column",
    "post.after_body": "under the body and attachments of a visible post",
    "thread.end": "after a thread page's reply box",
    "board.end": "after a board page's list of threads",
    "session.calls": "a session page's calls to action (links styled as buttons)",
    "synthesis.end": "the end of a questionnaire's synthesis page",
    "network.facts": "items (<dt>/<dd>) of a network page's facts",
}

_registered: dict[str, list[tuple[int, int, Piece]]] = {name: [] for name in SLOTS}
_resolved: dict[str, tuple[Callable[[Any], str], ...]] = {}


def slot_check(name: str) -> str:
    if name not in SLOTS:
        raise LookupError(f"unknown slot {name!r}; known: {sorted(SLOTS)}")
    return name


def slot_register(name: str, piece: Piece, *, order: int = 100) -> None:
    """Show `piece` in slot `name` of every page that has it (idempotent: a piece
    registered again keeps its place)."""
    pieces = _registered[slot_check(name)]
    if any(registered == piece for _order, _number, registered in pieces):
        return
    pieces.append((order, len(pieces), piece))
    pieces.sort(key=lambda entry: entry[:2])
    _resolved.pop(name, None)


def slot_render(name: str, context) -> str:
    """What slot `name` shows on the page being rendered with `context` (a template
    Context whose template is the page's)."""
    renderers = _resolved.get(name)
    if renderers is None:
        engine = context.template.engine
        renderers = _resolved[name] = tuple(
            _renderer(piece, engine) for _order, _number, piece in _registered[name]
        )
    return SafeString("".join([render(context) for render in renderers]))


def _renderer(piece: Piece, engine) -> Callable[[Any], str]:
    if callable(piece):
        return piece
    template = engine.get_template(piece)

    def render(context) -> str:
        with context.push():
            return template.render(context)

    return render


def _forget_resolved(**kwargs) -> None:
    _resolved.clear()


def _setting_changed(setting: str, **kwargs) -> None:
    if setting == "TEMPLATES":
        _forget_resolved()


setting_changed.connect(_setting_changed, dispatch_uid="forum.slots.setting_changed")
# No answer: Django's own receiver decides whether the change needs a restart.
file_changed.connect(_forget_resolved, dispatch_uid="forum.slots.file_changed")
