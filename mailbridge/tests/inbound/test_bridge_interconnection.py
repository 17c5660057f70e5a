"""Bridged lists on the « Interconnexion » page, over real SMTP: a network whose own
list is bridged is marked on the graph and in the table (mailbridge tells the forum,
forum.network_lists), and the threads its list starts in its board link it with the
networks whose members write there; a post counts whatever its source."""

from __future__ import annotations

import re

from django.urls import reverse

from forum import services
from forum.models import Thread
from forum.tests.board_factories import reply
from forum.tests.factories import make_user
from mailbridge.bridge.services import bridge_remove
from mailbridge.models import InboundStatus
from mailbridge.tests.inbound.bridge_support import BRIDGE, bridged_network, list_mail
from mailbridge.tests.inbound.factories import member

LIST_SENDER = "accorderies-bounces@lists.accorderies.example"
ACCORDERIES = "Réseau des Accorderies"


def _network(name: str):
    network = services.network_propose(user=make_user(), name=name)
    services.network_approve(network=network, organiser=make_user(is_superuser=True))
    return network


def _of(person, network):
    person.profile.network = network
    person.profile.save()
    return person


def _page(client, **headers):
    """The page, its graph, and its table's rows as ({the two networks},
    threads where both wrote, shared threads, bridged lists)."""
    page = client.get(reverse("forum:interconnection"), **headers).content.decode()
    if "<svg" not in page:
        return page, "", []
    svg = page.split("<svg")[1].split("</svg>")[0]
    table = page.split('data-testid="network-links"')[1].split("</table>")[0]
    rows = []
    for row in table.split("<tr>")[2:]:
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split("<td>")[1:]]
        rows.append(({cells[0], cells[1]}, cells[2], cells[3], cells[4]))
    return page, svg, rows


def test_a_thread_the_list_started_links_it_with_the_network_that_answers(client, gateway):
    """Marie writes on the Accorderies' own list: a guest, of no network. Bruno of
    the Ateliers answers on the site. The thread is in the Accorderies' bridged
    board, so it links the two networks."""
    _bridge, board, referent = bridged_network()
    ateliers = _network("Ateliers partagés")
    _network("Coopératives sans lien")
    stored = gateway.send(
        list_mail("mailman2_munged.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]
    ).message()
    assert stored.status == InboundStatus.NEW_THREAD and stored.post.author.profile.is_guest
    bruno = _of(member(board, "bruno@ateliers.example", name="Bruno", level=None), ateliers)
    reply(Thread.objects.get(), author=bruno)

    page, svg, rows = _page(client)

    assert svg.count('class="bridged-ring"') == 1
    assert f"<title>{ACCORDERIES} : liste reliée</title>" in svg
    assert "<title>Ateliers partagés</title>" in svg  # no ring, no mention
    assert "Un anneau marque un réseau dont la liste est reliée" in page
    assert rows == [({"Ateliers partagés", ACCORDERIES}, "1", "0", ACCORDERIES)]

    english, svg, _rows = _page(client, HTTP_ACCEPT_LANGUAGE="en")
    assert f"<title>{ACCORDERIES}: list bridged</title>" in svg
    assert "Bridged lists" in english and "A ring marks a network" in english

    # Unbridged: the list's thread links nobody any more, and nothing is marked.
    bridge_remove(network=board.network, user=referent)
    page, svg, rows = _page(client)
    assert 'class="bridged-ring"' not in page and rows == []


def test_a_post_through_the_list_counts_for_its_authors_network(client, gateway):
    """Posts are counted whatever their source: Paul, of the Ateliers, answers on
    the Accorderies' list (his address is known: the post is his); Alice, of the
    Accorderies, had started the thread on the site."""
    _bridge, board, _referent = bridged_network()
    accorderies = board.network
    ateliers = _network("Ateliers partagés")
    alice = _of(member(board, "alice@accorderies.example", name="Alice", level=None), accorderies)
    paul = _of(member(board, "paul.durand@coop.example", name="Paul Durand", level=None), ateliers)
    first = gateway.send(
        list_mail("mailman2_munged.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]
    ).message()
    reply(first.post.thread, author=alice)
    answer = gateway.send(
        list_mail("mailman2_reply.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]
    ).message()
    assert answer.post.author == paul and answer.post.thread == first.post.thread

    _page_text, _svg, rows = _page(client)
    assert rows == [({"Ateliers partagés", ACCORDERIES}, "1", "0", ACCORDERIES)]
