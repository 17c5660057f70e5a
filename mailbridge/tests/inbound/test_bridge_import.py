"""A list message imported from the archive, then delivered by the bridge (the
import ran while the bridge was already subscribed): one post."""

from __future__ import annotations

from forum.models import Post
from mailbridge.bridge.importer import archive_import
from mailbridge.models import InboundStatus
from mailbridge.tests.inbound.bridge_support import BRIDGE, bridged_network, list_mail

LIST_SENDER = "accorderies-bounces@lists.accorderies.example"


def test_a_list_message_already_imported_is_a_duplicate_at_the_bridge(gateway, tmp_path):
    bridge, board, _referent = bridged_network()
    raw = list_mail("mailman2_munged.eml")
    archive = tmp_path / "accorderies.mbox"
    archive.write_bytes(b"From list@exemple.org Tue Jul  3 08:12:30 2007\n" + raw + b"\n")
    assert archive_import(network=bridge.network, paths=[archive]).new == 1
    delivered = gateway.send(raw, mail_from=LIST_SENDER, rcpt_tos=[BRIDGE])
    assert delivered.message().status == InboundStatus.DUPLICATE
    assert Post.objects.filter(thread__board=board).count() == 1
