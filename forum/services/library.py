"""The shared library of tools and methods: entries proposed by members, edited by
who proposed them and by their moderators, hidden by those moderators
(forum.permissions: can_propose_library_entry, can_edit_library_entry,
can_moderate_library_entry).

Each entry opens a thread in the library's board (Board.kind LIBRARY, made when
first needed on the latest event), written through posts' one road
(forum.services.posts.thread_create): followed, answered on the web and by mail,
searched and fed like any thread. An entry's file is an attachment of that
thread's first post, checked and kept by the rules of every attachment
(forum/attachment_files.py); a new file given on edit is a reply in the thread
carrying it, so the followers hear of the new version and the old one stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from forum.attachment_files import (
    OCTET_STREAM,
    classify,
    disk_extension,
    file_remove,
    file_write,
    safe_filename,
)
from forum.errors import NotAllowed, UserError
from forum.models import (
    Board,
    BoardKind,
    Event,
    LibraryEntry,
    LibraryTag,
    Licence,
    Network,
)
from forum.permissions import (
    can_edit_library_entry,
    can_moderate_library_entry,
    can_post,
    can_propose_library_entry,
)
from forum.rendering import markdown_to_html
from forum.services.posting import AttachmentDraft, PostDraft, clean_body
from forum.services.posts import _clean_title as thread_title_clean
from forum.services.posts import post_add, thread_create

BOARD_SLUG = "bibliotheque"
BOARD_TITLE = "Bibliothèque d'outils et de méthodes"
BOARD_DESCRIPTION = "Une discussion par fiche de la bibliothèque : questions, retours d'usage."
TAGS_MAX = 12
TAG_MAX_CHARS = 60


def library_board() -> Board:
    """The library's board, made when first needed on the latest event (as networks'
    boards are): no session, no network, so as open as the general board."""
    board = (
        Board.objects.filter(kind=BoardKind.LIBRARY)
        .select_related("event", "session")
        .order_by("-event__starts_on", "-pk")
        .first()
    )
    if board is not None:
        return board
    event = Event.objects.order_by("-starts_on", "-pk").first()
    if event is None:
        raise UserError(_("Aucunes journées n'existent encore."), code="no_event")
    slug = BOARD_SLUG
    for number in range(2, 20):
        if not Board.objects.filter(slug=slug).exists():
            break
        slug = f"{BOARD_SLUG}-{number}"
    try:
        with transaction.atomic():
            Board.objects.create(
                event=event,
                kind=BoardKind.LIBRARY,
                slug=slug,
                title=BOARD_TITLE,
                description=BOARD_DESCRIPTION,
                position=90,
            )
    except IntegrityError:
        pass  # made meanwhile by another writer
    return library_board()


# Checking what people typed -------------------------------------------------------


def _clean_title(title: str) -> str:
    return thread_title_clean(title, required=_("Donnez un titre à la fiche."))


def _clean_description(description: str) -> str:
    if not (description or "").strip():
        raise UserError(_("Décrivez l'outil ou la méthode."), code="description_required")
    return clean_body(description)


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise UserError(_("Le lien doit commencer par http:// ou https://."), code="url_scheme")
    return url


def _clean_licence(licence: str, other: str) -> tuple[str, str]:
    other = " ".join((other or "").split())[:200]
    if licence not in Licence.values:
        raise UserError(_("Choisissez une licence dans la liste."), code="licence_unknown")
    if licence == Licence.OTHER and not other:
        raise UserError(_("Précisez de quelle licence il s'agit."), code="licence_other_required")
    return licence, (other if licence == Licence.OTHER else "")


def _approved(networks: Iterable[Network]) -> list[Network]:
    networks = list(networks)
    if any(not network.is_approved for network in networks):
        raise UserError(_("Choisissez des réseaux de l'annuaire."), code="network_unknown")
    return networks


def library_tags(names: Iterable[str]) -> list[LibraryTag]:
    """The tags named, made when new (the same slug is the same tag)."""
    tags: dict[str, LibraryTag] = {}
    for raw in names:
        name = " ".join((raw or "").split())
        if not name:
            continue
        if len(name) > TAG_MAX_CHARS:
            raise UserError(
                _("Une étiquette tient en %(max)d caractères au plus.") % {"max": TAG_MAX_CHARS},
                code="tag_too_long",
            )
        slug = slugify(name)[:TAG_MAX_CHARS]
        if not slug:
            raise UserError(
                _("« %(name)s » n'est pas utilisable comme étiquette.") % {"name": name},
                code="tag_invalid",
            )
        if slug not in tags:
            tags[slug], _created = LibraryTag.objects.get_or_create(
                slug=slug, defaults={"name": name}
            )
    if len(tags) > TAGS_MAX:
        raise UserError(_("%(max)d étiquettes au plus.") % {"max": TAGS_MAX}, code="too_many_tags")
    return list(tags.values())


def library_file_keep(upload) -> AttachmentDraft:
    """Check an uploaded file (a Django UploadedFile) and write it under the
    attachments' directory, as the mail pipeline keeps a message's files: a random
    name on disk, the name shown sanitised, the type from the bytes. Refused
    (UserError): an empty file, one over INTERCOOP_LIBRARY_FILE_MAX_BYTES, and a type
    outside our table (executables, scripts, HTML, SVG…), which would only ever be
    served as an opaque download."""
    limit = settings.INTERCOOP_LIBRARY_FILE_MAX_BYTES
    if upload.size > limit:
        raise UserError(
            _("Le fichier est trop lourd : %(max)d Mo au plus.") % {"max": limit // (1024 * 1024)},
            code="file_too_large",
        )
    data = b"".join(upload.chunks())
    if not data:
        raise UserError(_("Le fichier est vide."), code="file_empty")
    filename = safe_filename(upload.name)
    content_type, inline_safe = classify(data, filename)
    if content_type == OCTET_STREAM:
        raise UserError(
            _(
                "Ce type de fichier n'est pas accepté : PDF, documents bureautiques "
                "(OpenDocument, Word, Excel, PowerPoint), texte, CSV, ZIP ou images."
            ),
            code="file_type",
        )
    path = file_write(data, disk_extension(filename))
    return AttachmentDraft(
        filename=filename,
        content_type=content_type,
        size=len(data),
        path=path,
        is_inline_safe=inline_safe,
    )


def _file_forget(draft: AttachmentDraft | None) -> None:
    if draft is not None:
        try:
            file_remove(draft.path)
        except OSError:
            pass


def _thread_body(entry: LibraryEntry) -> str:
    """The first post of an entry's discussion: its description, its link, its page
    (as Markdown autolinks, one paragraph each)."""
    paragraphs = [entry.description]
    if entry.url:
        paragraphs.append(_("Lien : %(url)s") % {"url": f"<{entry.url}>"})
    page = settings.INTERCOOP_SITE_URL.rstrip("/") + entry.get_absolute_url()
    paragraphs.append(_("La fiche dans la bibliothèque : %(url)s") % {"url": f"<{page}>"})
    return "\n\n".join(paragraphs)


# Writes -------------------------------------------------------------------------


def library_entry_propose(
    *,
    user,
    title: str,
    description: str,
    licence: str,
    url: str = "",
    upload=None,
    networks: Sequence[Network] = (),
    tag_names: Sequence[str] = (),
    licence_other: str = "",
    submission_key: str = "",
) -> LibraryEntry:
    """A member proposes an entry: it is listed at once, with its discussion thread
    opened in the library's board under their name (its first post: the
    description, the link, the file). Refuses (NotAllowed) who may not write in the
    library's board, and (UserError) a missing title or description, neither link
    nor file, a bad link, licence, network, tag or file. The same `submission_key`
    twice (a double submit) returns the entry made the first time."""
    board = library_board()
    if not can_propose_library_entry(user, board):
        raise NotAllowed(
            _("Seules les personnes inscrites aux journées proposent des fiches."),
            code="cannot_propose",
        )
    if submission_key:
        earlier = LibraryEntry.objects.filter(
            thread__posts__author=user, thread__posts__submission_key=submission_key
        ).first()
        if earlier is not None:
            return earlier
    title, description, url = _clean_title(title), _clean_description(description), _clean_url(url)
    licence, licence_other = _clean_licence(licence, licence_other)
    networks = _approved(networks)
    if not url and upload is None:
        raise UserError(_("Donnez un lien ou joignez un fichier."), code="link_or_file")
    kept = library_file_keep(upload) if upload is not None else None
    try:
        with transaction.atomic():
            tags = library_tags(tag_names)
            entry = LibraryEntry.objects.create(
                title=title,
                description=description,
                description_html=markdown_to_html(description),
                url=url,
                licence=licence,
                licence_other=licence_other,
                proposed_by=user,
            )
            entry.networks.set(networks)
            entry.tags.set(tags)
            entry.thread = thread_create(
                board=board,
                author=user,
                title=title,
                body=_thread_body(entry),
                attachments=[kept] if kept else [],
                submission_key=submission_key,
            )
            made = LibraryEntry.objects.filter(thread=entry.thread).first()
            if made is not None:  # a double submit racing the first: its thread
                raise _MadeAlready(made)
            if kept is not None:
                entry.file = entry.thread.posts.get(number=1).attachments.get()
            entry.save(update_fields=["thread", "file"])
    except _MadeAlready as already:
        _file_forget(kept)
        return already.entry
    except BaseException:
        _file_forget(kept)
        raise
    return entry


class _MadeAlready(Exception):
    """The entry a racing double submit made first (its transaction is undone)."""

    def __init__(self, entry: LibraryEntry):
        super().__init__(entry.pk)
        self.entry = entry


def library_entry_update(
    *,
    entry: LibraryEntry,
    editor,
    title: str,
    description: str,
    licence: str,
    url: str = "",
    upload=None,
    networks: Sequence[Network] = (),
    tag_names: Sequence[str] = (),
    licence_other: str = "",
) -> LibraryEntry:
    """Who proposed the entry, or one who moderates it, changes it. A new file is
    posted as a reply in its thread by the editor (who must be able to write there),
    and becomes the entry's file. The thread keeps the entry's title."""
    if not can_edit_library_entry(editor, entry):
        raise NotAllowed(_("Vous ne pouvez pas modifier cette fiche."), code="cannot_edit_entry")
    title, description, url = _clean_title(title), _clean_description(description), _clean_url(url)
    licence, licence_other = _clean_licence(licence, licence_other)
    networks = _approved(networks)
    if not url and upload is None and entry.file_id is None:
        raise UserError(_("Donnez un lien ou joignez un fichier."), code="link_or_file")
    if upload is not None and not (entry.thread_id and can_post(editor, entry.thread.board)):
        raise UserError(
            _("Seules les personnes inscrites aux journées joignent un nouveau fichier."),
            code="cannot_post_file",
        )
    kept = library_file_keep(upload) if upload is not None else None
    try:
        with transaction.atomic():
            tags = library_tags(tag_names)
            entry = LibraryEntry.objects.select_for_update().get(pk=entry.pk)
            entry.title, entry.description, entry.url = title, description, url
            entry.description_html = markdown_to_html(description)
            entry.licence, entry.licence_other = licence, licence_other
            if kept is not None:
                post = post_add(
                    draft=PostDraft(
                        thread=entry.thread,
                        author=editor,
                        body=_("Nouvelle version du fichier de la fiche : %(name)s")
                        % {"name": kept.filename},
                        attachments=[kept],
                    )
                )
                entry.file = post.attachments.get()
            entry.save()
            entry.networks.set(networks)
            entry.tags.set(tags)
            if entry.thread_id and entry.thread.title != title:
                entry.thread.title = title
                entry.thread.save(update_fields=["title"])
    except BaseException:
        _file_forget(kept)
        raise
    return entry


@transaction.atomic
def library_entry_hide(*, entry: LibraryEntry, moderator, hidden: bool) -> LibraryEntry:
    """Hide an entry from the library (lists, search, feed, API, export) or show it
    again; its moderators still see it, marked. Its discussion stays a thread of
    the board, moderated there as any."""
    if not can_moderate_library_entry(moderator, entry):
        raise NotAllowed(_("Vous ne pouvez pas masquer cette fiche."), code="cannot_hide_entry")
    entry.is_hidden = hidden
    entry.hidden_by = moderator if hidden else None
    entry.hidden_at = timezone.now() if hidden else None
    entry.save(update_fields=["is_hidden", "hidden_by", "hidden_at"])
    return entry
