"""`python manage.py dkim_keygen [--selector S]`: make the DKIM key, print its DNS record.

Writes an RSA private key (PKCS#1 PEM) as <selector>.key in the "dkim" storage
(common/storage.py: <data dir>/dkim/, mode 0600, or the object store's private
bucket) and prints the TXT record to publish. An existing key is never overwritten unless
--force is given: replacing it before the DNS changes would break every signature.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError

from common.storage import file_storage
from mailbridge import dkim

KEY_BITS = 2048


def generate_rsa_key(bits: int = KEY_BITS) -> tuple[bytes, bytes]:
    """(private key PEM, public key DER SubjectPublicKeyInfo) of a new RSA key.

    Uses the `cryptography` package when installed, else the `openssl` program.
    """
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        return _generate_with_openssl(bits)
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_der


def generate_ed25519_key() -> tuple[bytes, str]:
    """(private key PEM, the raw 32-byte public key in base64: RFC 8463 §4)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return private_pem, base64.b64encode(raw).decode("ascii")


def _generate_with_openssl(bits: int) -> tuple[bytes, bytes]:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise CommandError(
            "generating a key needs the Python package `cryptography` or the `openssl` "
            "program; install one of them"
        )
    with tempfile.TemporaryDirectory() as tmp:
        key_file = Path(tmp) / "key.pem"
        subprocess.run(
            [openssl, "genrsa", "-traditional", "-out", str(key_file), str(bits)],
            check=True,
            capture_output=True,
        )
        public_der = subprocess.run(
            [openssl, "rsa", "-in", str(key_file), "-pubout", "-outform", "DER"],
            check=True,
            capture_output=True,
        ).stdout
        return key_file.read_bytes(), public_der


def txt_strings(value: str, size: int = 255) -> str:
    """The record value as quoted strings of at most 255 characters (RFC 1035 §3.3)."""
    return " ".join(f'"{value[i : i + size]}"' for i in range(0, len(value), size))


class Command(BaseCommand):
    help = "Generate the DKIM private key and print the DNS TXT record to publish."

    def add_arguments(self, parser):
        parser.add_argument("--selector", default=None, help="DKIM selector (default: intercoop)")
        parser.add_argument("--force", action="store_true", help="replace an existing key")
        parser.add_argument(
            "--ed25519",
            action="store_true",
            help="an Ed25519 key (RFC 8463) for a second signature beside the RSA one",
        )

    def handle(self, *args, selector=None, force=False, ed25519=False, **options):
        selector = selector or dkim.selector()
        if not selector.replace("-", "").isalnum():
            raise CommandError(f"selector {selector!r}: use letters, digits and hyphens")
        storage, key_name = file_storage("dkim"), dkim.key_name(selector)
        where = (
            dkim.default_key_path(selector) or f"the object store, {storage.location}/{key_name}"
        )
        if storage.exists(key_name) and not force:
            raise CommandError(f"{where} exists; pass --force to replace it")
        if ed25519:
            private_pem, public_b64 = generate_ed25519_key()
        else:
            private_pem, public_der = generate_rsa_key()
            public_b64 = base64.b64encode(public_der).decode("ascii")
        # On disk created 0600 from the start (DataDirStorage's mode for "dkim"): the
        # key is never readable by others, even briefly.
        storage.save(key_name, ContentFile(private_pem))
        algorithm = "ed25519" if ed25519 else "rsa"
        name, value = dkim.dns_record(public_b64, selector, algorithm=algorithm)
        self.stdout.write(f"Private key written to {where}")
        self.stdout.write("Publish this DNS record:")
        self.stdout.write(f"{name} IN TXT {txt_strings(value)}")
        self.stdout.write("(In a web DNS interface, the value is:)")
        self.stdout.write(value)
        variable = "INTERCOOP_DKIM_ED25519_SELECTOR" if ed25519 else "INTERCOOP_DKIM_SELECTOR"
        self.stdout.write(f"Then set {variable}={selector} in the environment.")
