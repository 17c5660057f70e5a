"""The « Interconnexion » graph drawn on the server as SVG: networks on a circle,
a line for each link, thicker the more threads connect them, a ring around a
network whose own list is bridged to its board. No script, no style
attribute: the page's Content-Security-Policy and readers without JavaScript get
the same picture; the table beside it holds the same data."""

from __future__ import annotations

import math
from dataclasses import dataclass

SIZE = 640
RADIUS = 230
NODE_RADIUS = 9
RING_RADIUS = 14  # around the node of a network whose own list is bridged
MAX_STROKE = 10


@dataclass(frozen=True)
class Node:
    network: object
    x: float
    y: float
    anchor: str  # text-anchor of its label, away from the circle's centre
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Edge:
    link: object
    x1: float
    y1: float
    x2: float
    y2: float
    width: float


def graph_layout(networks, links) -> dict:
    centre = SIZE / 2
    nodes = {}
    count = max(len(networks), 1)
    for index, network in enumerate(networks):
        angle = 2 * math.pi * index / count - math.pi / 2
        x = centre + RADIUS * math.cos(angle)
        y = centre + RADIUS * math.sin(angle)
        cos = math.cos(angle)
        anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
        nodes[network.pk] = Node(
            network,
            round(x, 1),
            round(y, 1),
            anchor,
            round(centre + (RADIUS + 16) * cos, 1),
            round(centre + (RADIUS + 16) * math.sin(angle) + 4, 1),
        )
    heaviest = max((link.weight for link in links), default=1)
    edges = [
        Edge(
            link,
            nodes[link.a.pk].x,
            nodes[link.a.pk].y,
            nodes[link.b.pk].x,
            nodes[link.b.pk].y,
            round(1 + (MAX_STROKE - 1) * link.weight / heaviest, 1),
        )
        for link in links
    ]
    return {
        "size": SIZE,
        "nodes": list(nodes.values()),
        "edges": edges,
        "node_radius": NODE_RADIUS,
        "ring_radius": RING_RADIUS,
    }
