"""Reading the directory of networks and how they are connected, within what the
reader may see (forum.models.visibility): people and posts of private sessions are
left out for whom may not read them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Count, Q

from forum.models import (
    Board,
    Network,
    NetworkStatus,
    Post,
    Registration,
    RegistrationStatus,
    Session,
    Theme,
    Thread,
    ThreadShare,
)
from forum.models.guest import guest_label
from forum.network_lists import networks_with_bridged_list

RECENT_POSTS = 10


def networks_directory(*, theme: str = "", region: str = ""):
    """Approved networks, filtered by a theme's slug and a region (exact, any case),
    with their themes and their number of members."""
    networks = Network.objects.approved()
    if theme:
        networks = networks.filter(themes__slug=theme)
    if region:
        networks = networks.filter(region__iexact=region)
    return (
        networks.prefetch_related("themes")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("name")
    )


def directory_filters() -> dict:
    """The themes and regions the approved networks use, for the directory's filters."""
    approved = Network.objects.approved()
    regions = sorted(
        {region for region in approved.exclude(region="").values_list("region", flat=True)},
        key=str.casefold,
    )
    themes = Theme.objects.filter(networks__status=NetworkStatus.APPROVED).distinct()
    return {"themes": list(themes.order_by("name")), "regions": regions}


def network_by_slug(*, slug: str) -> Network | None:
    try:
        return Network.objects.select_related("board").get(slug=slug)
    except Network.DoesNotExist:
        return None


def networks_pending():
    return Network.objects.filter(status=NetworkStatus.PROPOSED).order_by("created_at")


def _members(network: Network) -> Q:
    """People of `network`: registered from it, or naming it on their profile."""
    return Q(profile__network=network) | Q(
        registrations__network=network, registrations__status=RegistrationStatus.CONFIRMED
    )


@dataclass
class NetworkPage:
    network: Network
    people: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    posts: list = field(default_factory=list)
    shared_threads: list = field(default_factory=list)


def network_page_read(*, network: Network, user) -> NetworkPage:
    """What a network's page shows `user`: its people (those registered from it),
    the sessions they attend that `user` may see, their recent posts that `user`
    may read, and the threads it shares with other networks."""
    registrations = Registration.objects.filter(
        network=network, status=RegistrationStatus.CONFIRMED
    ).select_related("user__profile")
    people = sorted({r.user for r in registrations}, key=lambda u: str(_name(u)).casefold())
    sessions = (
        Session.objects.visible_to(user)
        .filter(registrations__in=registrations)
        .distinct()
        .order_by("date", "number")
    )
    posts = (
        Post.objects.visible()
        .visible_to(user)
        .filter(author__in=_people_of(network))
        .select_related("thread__board", "author__profile")
        .order_by("-created_at", "-pk")[:RECENT_POSTS]
    )
    return NetworkPage(
        network=network,
        people=people,
        sessions=list(sessions),
        posts=list(posts),
        shared_threads=list(threads_shared_by(network=network, user=user)),
    )


def _name(user):
    profile = getattr(user, "profile", None)
    if profile is None:
        return user.get_username()
    return guest_label(profile.display_name) if profile.is_guest else profile.display_name


def _people_of(network: Network):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(_members(network)).values("pk")


def threads_shared_by(*, network: Network, user):
    """Threads `user` may read that link `network`'s board with another board: its
    own threads shared elsewhere, and threads shared into it."""
    board = Board.objects.filter(network=network).first()
    if board is None:
        return Thread.objects.none()
    shared_in = ThreadShare.objects.filter(board=board).values("thread")
    shared_out = ThreadShare.objects.filter(thread__board=board).values("thread")
    return (
        Thread.objects.visible_to(user)
        .filter(Q(pk__in=shared_in) | Q(pk__in=shared_out))
        .select_related("board")
        .order_by("-last_post_at")
    )


@dataclass(frozen=True)
class Link:
    """Two networks and what connects them, for the reader."""

    a: Network
    b: Network
    conversations: int  # threads where members of both wrote
    shared: int  # threads of one's board shared to the other's

    @property
    def weight(self) -> int:
        return self.conversations + self.shared

    @property
    def bridged(self) -> list[Network]:
        """Those of the two whose own list is bridged (set by `interconnection`)."""
        return [n for n in (self.a, self.b) if getattr(n, "list_bridged", False)]


def interconnection(*, user) -> tuple[list[Network], list[Link]]:
    """Which approved networks talk to which, in what `user` may read: threads
    where members of both wrote (visible posts, whether written on the site, by
    mail or through a bridged list), and threads shared between their boards.
    A network whose own list is bridged (forum.network_lists) is marked
    `list_bridged`, and takes part in every thread of its board: a member of
    another network writing there talks with the list's people. Room is left for
    other kinds of link (Link's counts)."""
    networks = {n.pk: n for n in Network.objects.approved().order_by("name")}
    bridged = networks_with_bridged_list(networks)
    for pk, network in networks.items():
        network.list_bridged = pk in bridged
    wrote = (
        Post.objects.visible()
        .visible_to(user)
        .filter(author__profile__network__in=list(networks))
        .values_list("thread_id", "author__profile__network_id", "thread__board__network_id")
        .distinct()
    )
    per_thread = defaultdict(set)
    for thread_id, network_id, home_network_id in wrote:
        per_thread[thread_id].add(network_id)
        if home_network_id in bridged:
            per_thread[thread_id].add(home_network_id)
    conversations = defaultdict(int)
    for ids in per_thread.values():
        for pair in combinations(sorted(ids), 2):
            conversations[pair] += 1
    shares = ThreadShare.objects.filter(
        thread__in=Thread.objects.visible_to(user),
        board__network__in=list(networks),
        thread__board__network__in=list(networks),
    ).values_list("thread__board__network_id", "board__network_id")
    shared = defaultdict(int)
    for home, there in shares:
        if home != there:
            shared[tuple(sorted((home, there)))] += 1
    links = [
        Link(networks[a], networks[b], conversations.get((a, b), 0), shared.get((a, b), 0))
        for a, b in sorted(set(conversations) | set(shared))
    ]
    links.sort(key=lambda link: (-link.weight, link.a.name, link.b.name))
    return list(networks.values()), links


RECENT_THREADS = 10


def network_people_count(*, network: Network) -> int:
    """How many people are of `network` (registered from it, or naming it on their
    profile), each once."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(_members(network)).distinct().count()


def network_threads_recent(*, network: Network, user):
    """The latest threads of `network`'s own board that `user` may read, with at
    least one post not hidden."""
    return (
        Thread.objects.visible_to(user)
        .visible()
        .filter(board__network=network)
        .order_by("-last_post_at", "-pk")[:RECENT_THREADS]
    )
