"""Mail models: the outbound outbox (outbox.py), each mailbox's health (mailbox.py) and
the messages received by the gateway (inbound.py), bridges to networks' own lists
(bridge.py)."""

from mailbridge.models.bridge import BridgedMessage, ListAdminMessage, ListBridge
from mailbridge.models.inbound import InboundMessage, InboundStatus
from mailbridge.models.mailbox import Bounce, BounceKind, MailboxHealth
from mailbridge.models.outbox import Delivery, DeliveryKind, DeliveryStatus

__all__ = [
    "Bounce",
    "BridgedMessage",
    "BounceKind",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "InboundMessage",
    "InboundStatus",
    "ListAdminMessage",
    "ListBridge",
    "MailboxHealth",
]
