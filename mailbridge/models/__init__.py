"""Mail models: the outbound outbox (outbox.py) and each mailbox's health (mailbox.py)."""

from mailbridge.models.mailbox import Bounce, BounceKind, MailboxHealth
from mailbridge.models.outbox import Delivery, DeliveryKind, DeliveryStatus

__all__ = ["Bounce", "BounceKind", "Delivery", "DeliveryKind", "DeliveryStatus", "MailboxHealth"]
