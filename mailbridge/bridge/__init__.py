"""Bridges to networks' own mailing lists: a list message becomes a post in the
network's board (docs/architecture.md, "Bridges to networks' own lists").

Plain functions, with no SMTP nor pipeline in them, so that the inbound pipeline
(mailbridge/inbound/steps/bridge.py, find_parent, extract, create_post) and an
import of a list's archive use the same ones: `lists` (which list, which mail is the
list's own administration), `senders` (the real author behind a list's DMARC
rewriting), `footers` (the list's footer), `threading` (the post answered, orphans)
and `ingest` (a list message → a post).
"""
