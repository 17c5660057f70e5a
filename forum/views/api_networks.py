"""The directory of networks in the read-only JSON API (docs/api.md, "Networks"):
the approved networks, narrowed as /reseaux/ is, and one network with its threads.
A proposed or refused network answers 404, to everyone."""

from __future__ import annotations

from django.utils.translation import gettext as _

from forum.selectors import networks as directory
from forum.serializers import network_json, network_thread_json
from forum.views.api import _error, _json, read_only


def _summary(network, request) -> dict:
    return network_json(
        network,
        request,
        members=directory.network_people_count(network=network),
        shared_threads=directory.threads_shared_by(network=network, user=request.user).count(),
    )


@read_only
def networks(request):
    found = directory.networks_directory(
        theme=request.GET.get("theme", "")[:60], region=request.GET.get("region", "")[:120]
    ).prefetch_related("referents__profile")
    return _json([_summary(network, request) for network in found])


@read_only
def network(request, slug: str):
    found = directory.network_by_slug(slug=slug)
    if found is None or not found.is_approved:
        return _error(_("Réseau introuvable."), 404)
    data = _summary(found, request)
    data["threads"] = {
        "recent": [
            network_thread_json(thread, request)
            for thread in directory.network_threads_recent(network=found, user=request.user)
        ],
        "shared": [
            network_thread_json(thread, request)
            for thread in directory.threads_shared_by(network=found, user=request.user)
        ],
    }
    return _json(data)
