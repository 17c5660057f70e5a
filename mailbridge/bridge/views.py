"""The bridge's page, for a network's référents: register the network's list, see
the address to subscribe, read the list's own mail (its subscription confirmation)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum.errors import NotAllowed, UserError
from forum.models import Network
from forum.permissions import can_edit_bridge
from mailbridge.addresses import bridge_address
from mailbridge.bridge import services
from mailbridge.bridge.forms import BridgeForm
from mailbridge.models import ListAdminMessage, ListBridge


def _network(request, slug: str) -> Network:
    network = get_object_or_404(Network, slug=slug)
    if not can_edit_bridge(request.user, network):
        raise NotAllowed(
            _("Seul·es les référent·es du réseau et l'organisation gèrent sa passerelle."),
            code="cannot_edit_bridge",
        )
    return network


@login_required
def bridge_page(request, slug: str):
    network = _network(request, slug)
    bridge = ListBridge.objects.filter(network=network).first()
    initial = {}
    if bridge:
        initial = {"list_address": bridge.list_address, "list_id": bridge.list_id}
        initial["relay"] = bridge.relay
    form = BridgeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.bridge_save(network=network, user=request.user, **form.cleaned_data)
        except UserError as error:
            field = "list_id" if error.code == "list_id" else "list_address"
            form.add_error(field, str(error))
        else:
            messages.success(request, _("La passerelle est enregistrée."))
            return redirect("mailbridge:bridge", slug=network.slug)
    context = {
        "network": network,
        "bridge": bridge,
        "bridge_address": bridge_address(network),
        "admin_messages": list(bridge.admin_messages.all()[:50]) if bridge else [],
        "form": form,
    }
    return render(
        request, "mailbridge/bridge/page.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def bridge_admin_handled(request, slug: str, pk: int):
    network = _network(request, slug)
    message = get_object_or_404(ListAdminMessage, pk=pk, bridge__network=network)
    services.admin_message_handled(message=message, user=request.user)
    return redirect("mailbridge:bridge", slug=network.slug)


@login_required
@require_POST
def bridge_remove(request, slug: str):
    network = _network(request, slug)
    services.bridge_remove(network=network, user=request.user)
    messages.success(
        request, _("La passerelle est retirée : pensez à désabonner son adresse de la liste.")
    )
    return redirect(network)
