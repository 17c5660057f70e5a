"""Networks: proposed by a member (or at registration), approved by organisers, their
page edited by their référents; an approved network gets its board, whose list
address is its slug (forum.models.network)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from forum.errors import NotAllowed, UserError
from forum.models import Board, Event, Network, NetworkStatus, Theme, list_slug_conflict
from forum.permissions import can_approve_network, can_edit_network

# What a référent may change on the network's page.
EDITABLE = ("description", "website", "region", "contact_name", "contact_email")


def _clean_name(name: str) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if not name:
        raise UserError(_("Indiquez le nom du réseau."), code="network_required")
    slug = slugify(name)[:60].strip("-")
    if not slug:
        raise UserError(_("Ce nom de réseau n'est pas utilisable."), code="network_invalid")
    return name[:200], slug


@transaction.atomic
def network_propose(*, user, name: str, **fields) -> Network:
    """A member proposes a network; they become its first référent. Organisers
    approve it (network_approve) before it gets a board."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed(_("Connectez-vous pour proposer un réseau."))
    name, slug = _clean_name(name)
    if (
        Network.objects.filter(slug=slug).exists()
        or Network.objects.filter(name__iexact=name).exists()
    ):
        raise UserError(_("Ce réseau existe déjà dans l'annuaire."), code="network_exists")
    values = {key: (fields.get(key) or "").strip() for key in EDITABLE}
    try:
        with transaction.atomic():
            network = Network.objects.create(name=name, slug=slug, proposed_by=user, **values)
    except IntegrityError as exc:
        raise UserError(_("Ce réseau existe déjà dans l'annuaire."), code="network_exists") from exc
    network.referents.add(user)
    return network


def _event_for_boards() -> Event:
    event = Event.objects.order_by("-starts_on", "-pk").first()
    if event is None:
        raise UserError(_("Aucunes journées n'existent encore."), code="no_event")
    return event


@transaction.atomic
def network_approve(*, network: Network, organiser) -> Network:
    """Approve `network` and give it its board and list `<slug>@`. Refused, and
    nothing changed, when its slug already names a session's list or a board."""
    if not can_approve_network(organiser):
        raise NotAllowed(_("Seule l'organisation approuve les réseaux."))
    network = Network.objects.select_for_update().get(pk=network.pk)
    if network.is_approved:
        return network
    conflict = list_slug_conflict(network.slug, network=network)
    if conflict:
        raise UserError(conflict, code="slug_taken")
    network.status = NetworkStatus.APPROVED
    network.approved_at = timezone.now()
    network.save(update_fields=["status", "approved_at"])
    network_board_ensure(network=network)
    return network


def network_board_ensure(*, network: Network) -> Board:
    """The board of an approved network, made when missing."""
    board = Board.objects.filter(network=network).first()
    if board is None:
        board = Board.objects.create(
            event=_event_for_boards(),
            network=network,
            slug=network.slug,
            title=network.name,
            position=100,
        )
    return board


@transaction.atomic
def network_decline(*, network: Network, organiser) -> Network:
    if not can_approve_network(organiser):
        raise NotAllowed(_("Seule l'organisation approuve les réseaux."))
    if network.is_approved:
        raise UserError(_("Ce réseau est déjà approuvé."), code="already_approved")
    network.status = NetworkStatus.DECLINED
    network.save(update_fields=["status"])
    return network


@transaction.atomic
def network_update(*, network: Network, user, themes=None, **fields) -> Network:
    """A référent (or an organiser) edits the network's page: EDITABLE fields and
    its themes (Theme rows)."""
    if not can_edit_network(user, network):
        raise NotAllowed(_("Seuls les référent·es du réseau modifient sa page."))
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise UserError(_("Champ inconnu."), code="unknown_field")
    for key, value in fields.items():
        setattr(network, key, (value or "").strip())
    network.save(update_fields=list(fields) or None)
    if themes is not None:
        network.themes.set(themes)
    if network.is_approved and "description" in fields:
        Board.objects.filter(network=network).update(description=network.description)
    return network


@transaction.atomic
def network_referent_set(*, network: Network, organiser, user, referent: bool) -> Network:
    """Organisers (and the network's référents) name or remove a référent."""
    if not can_edit_network(organiser, network):
        raise NotAllowed(_("Seuls les référent·es du réseau modifient sa page."))
    if referent:
        network.referents.add(user)
    else:
        network.referents.remove(user)
    return network


def theme_find_or_create(*, name: str) -> Theme:
    name = " ".join((name or "").split())[:120]
    slug = slugify(name)[:60]
    if not slug:
        raise UserError(_("Ce thème n'est pas utilisable."), code="theme_invalid")
    theme, _created = Theme.objects.get_or_create(slug=slug, defaults={"name": name})
    return theme
