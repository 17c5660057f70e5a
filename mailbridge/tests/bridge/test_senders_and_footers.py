"""The bridge's readers on their own: the real author behind each way lists rewrite
the From (mailbridge.bridge.senders), the list's footer and nothing else
(mailbridge.bridge.footers), and which of a list's mail is its own administration
(mailbridge.bridge.lists)."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from mailbridge.bridge.footers import footer_strip
from mailbridge.bridge.lists import is_list_admin, list_id_of
from mailbridge.bridge.senders import real_author
from mailbridge.models import ListBridge

LIST = "accorderies@lists.accorderies.example"


def _message(headers: str):
    return BytesParser(policy=policy.default).parsebytes(
        (headers.strip() + "\n\nTexte.\n").encode("utf-8")
    )


def _author(headers: str, from_address: str, from_name: str, list_address: str = LIST):
    return real_author(
        _message(headers),
        from_address=from_address,
        from_name=from_name,
        list_address=list_address,
    )


def test_a_from_that_is_not_the_lists_is_the_author():
    author = _author("Reply-To: autre@exemple.org", "marie@exemple.org", "Marie")
    assert (author.address, author.name, author.recovered_from) == (
        "marie@exemple.org",
        "Marie",
        "",
    )


def test_rfc_5703_original_from_is_read_first():
    author = _author(
        "Original-From: Jean Roux <jean@exemple.coop>\nReply-To: x@exemple.org",
        LIST,
        "Jean Roux via Accorderies",
    )
    assert (author.address, author.name, author.recovered_from) == (
        "jean@exemple.coop",
        "Jean Roux",
        "Original-From",
    )


def test_groups_io_folded_address_without_any_original_header():
    author = _author(
        "Reply-To: main@accorderies.groups.io",
        "lucie.bernard=exemple.be@groups.io",
        "Lucie Bernard via groups.io",
        list_address="main@accorderies.groups.io",
    )
    assert (author.address, author.name) == ("lucie.bernard@exemple.be", "Lucie Bernard")


def test_a_munged_from_whose_reply_to_is_the_list_reads_the_cc():
    author = _author(
        f"Reply-To: {LIST}\nCc: Hélène <helene@exemple.fr>", LIST, "Hélène via Accorderies"
    )
    assert (author.address, author.name, author.recovered_from) == (
        "helene@exemple.fr",
        "Hélène",
        "Cc",
    )


def test_a_signature_after_a_dash_line_is_no_footer():
    text = "Bonjour,\n\nÀ bientôt.\n-- \nMarie Lenoir\nAccorderie de Lyon"
    assert footer_strip(text, list_address=LIST) == (text, "")


@pytest.mark.parametrize(
    "footer",
    [
        "_______________________________________________\nAccorderies mailing list\n"
        f"{LIST}\nhttps://lists.accorderies.example/mailman/listinfo/accorderies",
        "-----\nListe de diffusion des Accorderies\nPour vous désinscrire : écrivez-nous",
    ],
)
def test_a_lists_footer_goes_with_what_follows(footer):
    text, removed = footer_strip(f"Bonjour.\n\nMarie\n{footer}\n", list_address=LIST)
    assert text == "Bonjour.\n\nMarie" and removed.startswith(footer.split("\n")[0])


def test_list_ids_read_as_lists_write_them():
    assert list_id_of("Liste des Accorderies <Accorderies.Lists.Example>") == (
        "accorderies.lists.example"
    )
    assert list_id_of("<accorderies.lists.example>") == "accorderies.lists.example"
    assert list_id_of("accorderies.lists.example") == "accorderies.lists.example"


@pytest.mark.parametrize(
    "sender, list_id, admin",
    [
        (
            "accorderies-request@lists.accorderies.example",
            "accorderies.lists.accorderies.example",
            True,
        ),
        ("accorderies-confirm+6b1f@lists.accorderies.example", "", True),
        ("sympa@lists.accorderies.example", "", True),
        ("accorderies@lists.accorderies.example", "accorderies.lists.accorderies.example", False),
        ("accorderies@lists.accorderies.example", "", True),
        ("marie@exemple.org", "autre.exemple.org", False),
    ],
)
def test_which_mail_is_the_lists_own_administration(sender, list_id, admin):
    bridge = ListBridge(list_address=LIST, list_id="accorderies.lists.accorderies.example")
    message = _message(f"List-Id: <{list_id}>" if list_id else "X-Nothing: 1")
    assert is_list_admin(message, bridge, sender) is admin
