"""One table from reason to SMTP reply and human text (docs/architecture.md, "How the
code is written": one table per decision).

Every decision about an inbound message, at the gateway (RCPT, DATA) or in the
pipeline afterwards, names one of these reasons. Each has:

- the SMTP reply code and enhanced status (RFC 5321 §4.2, RFC 3463) the gateway
  answers when it decides there, or that would describe the decision (the pipeline
  runs after the 250: its codes are recorded, not sent);
- the reply text, in ASCII (an SMTP reply is read by servers and logged in bounces);
- a label for organisers (admin, trail), translatable, French first.

What becomes of a message in which the pipeline found a reason (posted, held,
rejected…, and whether its sender gets a notice) is the other table, policy.py.
"""

from __future__ import annotations

from enum import Enum

from django.utils.translation import gettext_lazy as _


class Reason(Enum):
    # (value, SMTP code, enhanced status, SMTP text, label for organisers)
    RECIPIENT_OK = ("recipient_ok", 250, "2.1.5", "Recipient OK", _("destinataire accepté"))
    STORED = ("stored", 250, "2.0.0", "Message stored", _("message enregistré"))
    UNKNOWN_ADDRESS = (
        "unknown_address",
        550,
        "5.1.1",
        "No such list or address here",
        _("adresse inconnue"),
    )
    INVALID_TOKEN = (
        "invalid_token",
        550,
        "5.7.1",
        "This reply address is not valid (forged or damaged)",
        _("adresse de réponse invalide ou falsifiée"),
    )
    RATE_LIMITED = (
        "rate_limited",
        452,
        "4.7.1",
        "Too many messages from you; try again later",
        _("trop de messages de cet expéditeur"),
    )
    TOO_MANY_RECIPIENTS = (
        "too_many_recipients",
        452,
        "4.5.3",
        "Too many recipients in one message",
        _("trop de destinataires"),
    )
    TOO_BIG = (
        "too_big",
        552,
        "5.3.4",
        "Message too big for this list",
        _("message trop volumineux"),
    )
    LINE_TOO_LONG = (
        "line_too_long",
        500,
        "5.5.2",
        "Line too long (RFC 5321 section 4.5.3.1.6)",
        _("ligne trop longue"),
    )
    TOO_MANY_CONNECTIONS = (
        "too_many_connections",
        421,
        "4.7.0",
        "Too many connections; try again later",
        _("trop de connexions simultanées"),
    )
    DATA_BUDGET = (
        "data_budget",
        451,
        "4.3.1",
        "Too much mail in progress; try again later",
        _("trop de courriel en cours de réception"),
    )
    TEMPORARY_FAILURE = (
        "temporary_failure",
        451,
        "4.3.0",
        "Temporary failure, please try again later",
        _("incident temporaire"),
    )
    # Outcomes of the pipeline.
    POSTED = ("posted", 250, "2.0.0", "Posted", _("publié"))
    NEW_THREAD = ("new_thread", 250, "2.0.0", "New thread opened", _("nouveau fil ouvert"))
    DUPLICATE = (
        "duplicate",
        250,
        "2.0.0",
        "Already received: this message was posted once",
        _("doublon d'un message déjà publié"),
    )
    BOUNCE = (
        "bounce",
        250,
        "2.0.0",
        "Delivery status notification recorded",
        _("avis de non-remise enregistré"),
    )
    QUESTIONNAIRE_ANSWERED = (
        "questionnaire_answered",
        250,
        "2.0.0",
        "Questionnaire answers recorded",
        _("réponses au questionnaire enregistrées"),
    )
    QUESTIONNAIRE_UNREADABLE = (
        "questionnaire_unreadable",
        550,
        "5.6.0",
        "Some questionnaire answers could not be read; a reply says which",
        _("réponses au questionnaire illisibles (une réponse dit lesquelles)"),
    )
    QUESTIONNAIRE_CLOSED = (
        "questionnaire_closed",
        550,
        "5.7.1",
        "This questionnaire takes no answers now",
        _("questionnaire fermé aux réponses"),
    )
    NOT_A_BOUNCE = (
        "not_a_bounce",
        550,
        "5.7.1",
        "Only delivery reports are taken at this address",
        _("message à l'adresse des retours qui n'est pas un avis de non-remise"),
    )
    SUBSCRIBE_REQUESTED = (
        "subscribe_requested",
        250,
        "2.0.0",
        "Subscription to be confirmed by email",
        _("abonnement à confirmer par courriel"),
    )
    UNSUBSCRIBE_REQUESTED = (
        "unsubscribe_requested",
        250,
        "2.0.0",
        "Unsubscription to be confirmed by email",
        _("désabonnement à confirmer par courriel"),
    )
    MALFORMED = (
        "malformed",
        550,
        "5.6.0",
        "Malformed message that cannot be read",
        _("message illisible (MIME invalide)"),
    )
    LOOP = (
        "loop",
        554,
        "5.4.6",
        "Mail loop detected: this message came from this list",
        _("boucle : le message vient de la liste elle-même"),
    )
    AUTO_REPLY = (
        "auto_reply",
        550,
        "5.7.1",
        "Automatic replies are not posted",
        _("réponse automatique (absence, accusé de réception)"),
    )
    UNKNOWN_SENDER = (
        "unknown_sender",
        550,
        "5.7.1",
        "Sender is not a registered member; held for moderation",
        _("expéditeur inconnu : retenu pour modération"),
    )
    SENDER_MISMATCH = (
        "sender_mismatch",
        550,
        "5.7.1",
        "Sender is not the person this reply address was made for; held for moderation",
        _("l'expéditeur n'est pas la personne à qui l'adresse de réponse a été donnée"),
    )
    AUTHENTICATION_FAILED = (
        "authentication_failed",
        550,
        "5.7.26",
        "Sender authentication failed (DMARC/DKIM/SPF); held for moderation",
        _("authentification de l'expéditeur en échec (DMARC, DKIM, SPF)"),
    )
    POST_GONE = (
        "post_gone",
        550,
        "5.1.1",
        "The message you answer no longer exists",
        _("le message auquel on répond n'existe plus"),
    )
    UNKNOWN_LIST = (
        "unknown_list",
        550,
        "5.1.1",
        "No such list here",
        _("liste inconnue"),
    )
    EMPTY = (
        "empty",
        550,
        "5.6.0",
        "Nothing left to post once quotes and signature are removed",
        _("vide une fois citations et signature retirées"),
    )
    TOO_LONG = ("too_long", 552, "5.3.4", "Message text too long", _("texte trop long"))
    THREAD_LOCKED = (
        "thread_locked",
        550,
        "5.7.1",
        "This thread is locked",
        _("fil verrouillé"),
    )
    NOT_ALLOWED = (
        "not_allowed",
        550,
        "5.7.1",
        "You may not write in this forum",
        _("l'expéditeur ne peut pas écrire dans ce forum"),
    )
    # A testimony mailed to `<session-slug>+temoignage@` (inbound/steps/create_testimony.py).
    TESTIMONY_PUBLISHED = (
        "testimony_published",
        250,
        "2.0.0",
        "Testimony published",
        _("témoignage publié"),
    )
    TESTIMONY_HELD_FOR_REVIEW = (
        "testimony_held_for_review",
        250,
        "2.0.0",
        "Testimony kept for the facilitators' review",
        _("témoignage en attente de relecture"),
    )
    TESTIMONY_NOT_REGISTERED = (
        "testimony_not_registered",
        550,
        "5.7.1",
        "Only people registered for this session may send it a testimony",
        _("témoignage d'une personne non inscrite à la session"),
    )
    TESTIMONY_TOO_LONG = (
        "testimony_too_long",
        552,
        "5.3.4",
        "A testimony fits on one page",
        _("témoignage trop long"),
    )
    TESTIMONY_ALREADY_WRITTEN = (
        "testimony_already_written",
        550,
        "5.7.1",
        "You have already sent your testimony for this session",
        _("témoignage déjà écrit pour cette session"),
    )
    TESTIMONY_UNKNOWN_THEME = (
        "testimony_unknown_theme",
        550,
        "5.6.0",
        "A theme named is not one of this session's testimony themes",
        _("témoignage avec un thème inconnu"),
    )
    # Mail of a network's own list at `bridge+<network-slug>@` (inbound/steps/bridge.py).
    LIST_ADMIN_MESSAGE = (
        "list_admin_message",
        250,
        "2.0.0",
        "Kept for the list's referents",
        _("message de la liste reliée, montré à ses référent·es"),
    )
    BRIDGE_WRONG_LIST = (
        "bridge_wrong_list",
        550,
        "5.7.1",
        "Not from the list this bridge is subscribed to",
        _("pas de la liste reliée (List-Id)"),
    )
    PROCESSING_ERROR = (
        "processing_error",
        451,
        "4.3.0",
        "The message could not be processed",
        _("erreur de traitement (voir le parcours)"),
    )

    def __new__(cls, value: str, *_rest):
        member = object.__new__(cls)
        member._value_ = value
        return member

    def __init__(self, value, code, enhanced, text, label):
        self.code = code
        self.enhanced = enhanced
        self.text = text
        self.label = label

    def line(self, detail: str = "") -> str:
        """The SMTP reply line, e.g. `550 5.1.1 No such list or address here: x@y`."""
        text = f"{self.text}: {detail}" if detail else self.text
        # An SMTP reply is one line of printable ASCII (RFC 5321 §4.2).
        text = "".join(c if " " <= c <= "~" else "?" for c in text)[:400]
        return f"{self.code} {self.enhanced} {text}"
