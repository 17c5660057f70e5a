"""Library entries for the tests, written through the service as a member would."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from forum.services.library import library_entry_propose

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def pdf_upload(name: str = "guide-animation.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def entry(user, title: str = "Guide d'animation de réseau", **fields):
    values = {
        "description": "Un guide pour **animer** un réseau coopératif, pas à pas.",
        "licence": "CC-BY-SA-4.0",
        "url": "https://exemple.org/guide",
        **fields,
    }
    return library_entry_propose(user=user, title=title, **values)
