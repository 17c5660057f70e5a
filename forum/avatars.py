"""People's avatars: a picture they uploaded, resized with Pillow, or their initials
on their colour, drawn as SVG.

An uploaded picture is kept in the profile row, square and small (AVATAR_PIXELS, WebP):
no file to serve or lose beside the database. The colour comes from the person's id,
from a palette whose every colour carries white text at WCAG AA contrast.
"""

from __future__ import annotations

import io
import logging

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from forum.errors import UserError

logger = logging.getLogger(__name__)

AVATAR_PIXELS = 128
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
# Dark enough for white initials (contrast ratio over 4.5:1 each).
PALETTE = (
    "#0b6e4f",
    "#1f4e99",
    "#7a2e8c",
    "#a3161b",
    "#8a4b00",
    "#2f5d62",
    "#5b3a29",
    "#3c4a8f",
    "#6b3d6e",
    "#005f73",
)


def colour_of(user_id: int) -> str:
    return PALETTE[(user_id * 7919) % len(PALETTE)]


def initials_of(name: str) -> str:
    words = [word for word in name.replace("-", " ").split() if word[:1].isalnum()]
    letters = "".join(word[0] for word in words[:2]) or "?"
    return letters.upper()


def avatar_resize(data: bytes) -> bytes:
    """`data` (an uploaded picture) as a square WebP of AVATAR_PIXELS; a file that is
    not a picture Pillow reads, or is too big, is refused (UserError)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > UPLOAD_MAX_BYTES:
        raise UserError(_("Cette image est trop lourde (5 Mo au plus)."), code="avatar_too_big")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > 40_000_000:
                raise UserError(_("Cette image est trop grande."), code="avatar_too_big")
            image = ImageOps.exif_transpose(image).convert("RGB")
            square = ImageOps.fit(image, (AVATAR_PIXELS, AVATAR_PIXELS), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            square.save(out, format="WEBP", quality=82)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        logger.info("avatar refused: %s", error)
        raise UserError(
            _("Ce fichier n'est pas une image lisible (JPEG, PNG, WebP, GIF)."),
            code="avatar_unreadable",
        ) from None


def avatar_svg(*, user_id: int, name: str, size: int) -> SafeString:
    """The initials of `name` on the person's colour, as inline SVG (no style
    attribute: presentation attributes only)."""
    return format_html(
        '<svg class="avatar" width="{size}" height="{size}" viewBox="0 0 40 40" '
        'role="img" aria-hidden="true" focusable="false">'
        '<rect width="40" height="40" rx="20" fill="{colour}"/>'
        '<text x="20" y="25.5" text-anchor="middle" font-size="16" font-family="sans-serif" '
        'font-weight="700" fill="#fff">{initials}</text></svg>',
        size=size,
        colour=colour_of(user_id),
        initials=initials_of(name),
    )


def avatar_html(user, *, size: int = 32, url: str = "") -> SafeString:
    """The person's avatar for a page: their picture if they uploaded one (served at
    `url`), else their initials. Decorative: their name is written beside it."""
    profile = getattr(user, "profile", None) if user is not None else None
    if profile is not None and profile.avatar_version:
        return format_html(
            '<img class="avatar" src="{url}?v={version}" width="{size}" height="{size}" alt="">',
            url=url,
            version=profile.avatar_version,
            size=size,
        )
    name = getattr(profile, "display_name", "") if profile is not None else ""
    return avatar_svg(user_id=getattr(user, "pk", 0) or 0, name=name, size=size)


def avatar_mail_html(user, *, url: str = "") -> SafeString:
    """The avatar for a mail's HTML part: mail clients show no inline SVG, so the
    picture, or the initials in a coloured circle made of a styled span."""
    profile = getattr(user, "profile", None) if user is not None else None
    if profile is not None and profile.avatar_version:
        return format_html(
            '<img src="{url}?v={version}" width="32" height="32" alt="" '
            'style="border-radius:16px;vertical-align:middle">',
            url=url,
            version=profile.avatar_version,
        )
    name = getattr(profile, "display_name", "") if profile is not None else ""
    return mark_safe(  # noqa: S308 - the initials are escaped
        '<span style="display:inline-block;width:32px;height:32px;line-height:32px;'
        f"border-radius:16px;background:{colour_of(getattr(user, 'pk', 0) or 0)};color:#fff;"
        'text-align:center;font:bold 13px sans-serif;vertical-align:middle">'
        f"{escape(initials_of(name))}</span>"
    )
