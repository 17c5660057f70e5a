"""The directory of networks (/reseaux/), a network's page, proposing and editing
one, the organisers' approval, and the « Interconnexion » page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum import selectors, services
from forum.errors import NotAllowed, UserError
from forum.network_forms import NetworkPageForm, NetworkProposeForm
from forum.network_graph import graph_layout
from forum.permissions import can_approve_network, can_edit_network, is_referent
from forum.selectors import networks as directory
from forum.selectors.library import library_entries_of_network
from forum.services.networks import theme_find_or_create


def network_list(request):
    theme = request.GET.get("theme", "")[:60]
    region = request.GET.get("region", "")[:120]
    context = {
        "event": selectors.event_current(),
        "networks": directory.networks_directory(theme=theme, region=region),
        "filters": directory.directory_filters(),
        "theme": theme,
        "region": region,
        "pending": (
            list(directory.networks_pending()) if can_approve_network(request.user) else []
        ),
    }
    return render(request, "forum/networks/list.html", context)


def _network_or_404(request, slug: str):
    network = directory.network_by_slug(slug=slug)
    if network is None:
        raise Http404("no such network")
    if not network.is_approved and not (
        can_approve_network(request.user) or is_referent(request.user, network)
    ):
        raise Http404("network not approved")
    return network


def network_detail(request, slug: str):
    network = _network_or_404(request, slug)
    context = {
        "event": selectors.event_current(),
        "page": directory.network_page_read(network=network, user=request.user),
        "network": network,
        "board": getattr(network, "board", None) if network.is_approved else None,
        "library_entries": library_entries_of_network(network=network),
        "may_edit": can_edit_network(request.user, network),
        "may_approve": can_approve_network(request.user) and not network.is_approved,
    }
    return render(request, "forum/networks/detail.html", context)


@login_required
def network_propose(request):
    form = NetworkProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            network = services.network_propose(
                user=request.user, name=form.cleaned_data["name"], **form.page_fields()
            )
            network.themes.set(theme_find_or_create(name=n) for n in form.theme_names())
        except UserError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Merci ! L'organisation examinera votre proposition."))
            return redirect(network)
    status = 400 if form.is_bound else 200
    context = {"event": selectors.event_current(), "form": form}
    return render(request, "forum/networks/propose.html", context, status=status)


@login_required
def network_edit(request, slug: str):
    network = _network_or_404(request, slug)
    if not can_edit_network(request.user, network):
        raise NotAllowed(_("Seuls les référent·es du réseau modifient sa page."))
    initial = {
        "description": network.description,
        "website": network.website,
        "region": network.region,
        "contact_name": network.contact_name,
        "contact_email": network.contact_email,
        "themes": ", ".join(theme.name for theme in network.themes.all()),
    }
    form = NetworkPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            themes = [theme_find_or_create(name=n) for n in form.theme_names()]
            services.network_update(
                network=network, user=request.user, themes=themes, **form.page_fields()
            )
        except UserError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("La page du réseau est à jour."))
            return redirect(network)
    status = 400 if form.is_bound else 200
    context = {"event": selectors.event_current(), "form": form, "network": network}
    return render(request, "forum/networks/edit.html", context, status=status)


@login_required
@require_POST
def network_decide(request, slug: str):
    network = _network_or_404(request, slug)
    try:
        if request.POST.get("decision") == "approve":
            services.network_approve(network=network, organiser=request.user)
            messages.success(request, _("Le réseau est approuvé : il a son forum et sa liste."))
        else:
            services.network_decline(network=network, organiser=request.user)
            messages.success(request, _("La proposition est refusée."))
    except UserError as error:
        messages.error(request, str(error))
    return redirect("forum:networks")


def interconnection(request):
    networks, links = directory.interconnection(user=request.user)
    context = {
        "event": selectors.event_current(),
        "networks": networks,
        "links": links,
        "bridged": [network for network in networks if network.list_bridged],
        "graph": graph_layout(networks, links),
    }
    return render(request, "forum/networks/interconnection.html", context)
