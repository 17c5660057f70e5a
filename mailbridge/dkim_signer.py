"""A DKIM-Signature (RFC 6376) made with the `cryptography` package's RSA.

dkimpy signs with RSA written in Python (`pow` on big integers); the same
PKCS#1 v1.5 signature from OpenSSL, through `cryptography`, costs about a tenth
of it (docs/benchmarks.md, "Outbound"). Everything else follows dkimpy's signer,
so that for the same message, key and time the header is dkimpy's own, byte for
byte (`mailbridge/tests/test_dkim.py` compares them): the tags in dkimpy's order,
folded by dkimpy's `fold`, relaxed/relaxed canonicalisation, the headers chosen
from the bottom up as RFC 6376 §5.4.2 says, oversigned names hashed once more
with nothing.

Also signs with Ed25519 (RFC 8463, `ed25519-sha256`): the same header hash,
signed as a 32-byte digest.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time

import dkim as dkimpy
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

_TRAILING_WSP = re.compile(rb"[\t ]+\r\n")
# Blanks other than one lone space: a tab, or a space followed by a blank. Replacing
# single spaces by themselves cost more than the rest of the signature but the RSA.
_WSP = re.compile(rb"(?:\t| [\t ])[\t ]*")
_LINE_BREAK = re.compile(rb"\r?\n")
_FIELD_START = re.compile(rb"\r\n(?![\t ])")
_B_TAG = re.compile(rb"([;\s]b=)[^;]*$")


def relaxed_body(body: bytes) -> bytes:
    """RFC 6376 §3.4.4: trailing blanks of each line gone, runs of blanks one
    space, empty lines at the end gone, CRLF at the end of a non-empty body."""
    if b" \r\n" in body or b"\t\r\n" in body:
        body = _TRAILING_WSP.sub(b"\r\n", body)
    if b"\t" in body or b"  " in body:
        body = _WSP.sub(b" ", body)
    end = len(body)
    while body.endswith(b"\r\n", 0, end):
        end -= 2
    return body[:end] + b"\r\n" if end else b""


def relaxed_header(name: bytes, value: bytes) -> bytes:
    """RFC 6376 §3.4.2: the name in lower case, the value unfolded, blanks
    compressed and stripped; `name:value` with no CRLF."""
    if b"\n" in value:
        value = _LINE_BREAK.sub(b"", value)
    if b"\t" in value or b"  " in value:
        value = _WSP.sub(b" ", value)
    return name.lower().rstrip() + b":" + value.strip()


def split_message(message: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The header fields as (name, value) pairs, and the body. CRLF line ends."""
    head, separator, body = message.partition(b"\r\n\r\n")
    if not separator:
        head, body = message.removesuffix(b"\r\n"), b""
    fields = []
    for field in _FIELD_START.split(head):
        name, colon, value = field.partition(b":")
        if colon:
            fields.append((name, value))
    return fields, body


def chosen_headers(fields, names: tuple[bytes, ...]) -> list[tuple[bytes, bytes]]:
    """The fields `names` (lower case) sign, each name taking the last unused
    instance of it (RFC 6376 §5.4.2); a name with none left takes nothing."""
    unused: dict[bytes, list[int]] = {}
    for index, (name, _value) in enumerate(fields):
        unused.setdefault(name.lower(), []).append(index)
    chosen = []
    for name in names:
        left = unused.get(name)
        if left:
            chosen.append(fields[left.pop()])
    return chosen


class Signer:
    """Signs messages for one domain, selector and private key (RSA or Ed25519)."""

    def __init__(self, *, domain: str, selector: str, key, should_sign, oversigned):
        if isinstance(key, rsa.RSAPrivateKey):
            self.algorithm = b"rsa-sha256"
        elif isinstance(key, ed25519.Ed25519PrivateKey):
            self.algorithm = b"ed25519-sha256"
        else:
            raise TypeError("a DKIM key is RSA or Ed25519")
        self.key = key
        self.domain = domain.encode("ascii")
        self.selector = selector.encode("ascii")
        self.should_sign = frozenset(should_sign) | frozenset(oversigned)
        self.oversigned = frozenset(oversigned)

    def names_to_sign(self, fields) -> tuple[bytes, ...]:
        present = [name.lower() for name, _value in fields if name.lower() in self.should_sign]
        return tuple(present + [name for name in present if name in self.oversigned])

    def header(self, message: bytes, *, now: float | None = None) -> bytes:
        """The `DKIM-Signature:` field for `message` (CRLF ends), CRLF included."""
        fields, body = split_message(message)
        names = self.names_to_sign(fields)
        if b"from" not in names:
            raise ValueError("a message without From cannot be DKIM-signed")
        body_hash = base64.b64encode(hashlib.sha256(relaxed_body(body)).digest())
        tags = [
            (b"v", b"1"),
            (b"a", self.algorithm),
            (b"c", b"relaxed/relaxed"),
            (b"d", self.domain),
            (b"i", b"@" + self.domain),
            (b"q", b"dns/txt"),
            (b"s", self.selector),
            (b"t", str(int(time.time() if now is None else now)).encode("ascii")),
            (b"h", b" : ".join(names)),
            (b"bh", body_hash),
        ]
        # As dkimpy: folded with a b= of 60 characters so that refolding once the
        # signature is in does not move the lines before it; that folding is hashed.
        unsigned = dkimpy.fold(
            _join(tags + [(b"b", b"0" * 60)]), namelen=len(b"DKIM-Signature"), linesep=b"\r\n"
        )
        digest = hashlib.sha256()
        for name, value in chosen_headers(fields, names):
            digest.update(relaxed_header(name, value) + b"\r\n")
        digest.update(relaxed_header(b"DKIM-Signature", b" " + _B_TAG.sub(rb"\1", unsigned)))
        signature = base64.b64encode(self._sign(digest))
        signed = _join(tags + [(b"b", signature)]) + b"\r\n"
        return b"DKIM-Signature: " + dkimpy.fold(
            signed, namelen=len(b"DKIM-Signature"), linesep=b"\r\n"
        )

    def _sign(self, digest) -> bytes:
        if self.algorithm == b"rsa-sha256":
            return self.key.sign(digest.digest(), padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        return self.key.sign(digest.digest())


def _join(tags) -> bytes:
    return b"; ".join(name + b"=" + value for name, value in tags)
