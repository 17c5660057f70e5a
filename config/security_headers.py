"""Security headers on every answer: a Content-Security-Policy on HTML pages,
Permissions-Policy, and HSTS when the site is served over https.

The policy allows scripts and styles from the site's own files only: no inline
<script>, <style>, style="" or on…="" anywhere in the pages (tests/test_security_headers.py
walks every page type for them, tests/browser/test_csp.py loads the main pages in
Chromium and fails on any violation the console reports). Images may come from https
sources, as a post's Markdown may show one; websockets are the site's own (`'self'`
covers ws: and wss: to the same host in CSP Level 3).
"""

from __future__ import annotations

from django.conf import settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# What the pages never use, refused to every frame and script.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
# Two years, subdomains included: the value browsers' preload lists ask for.
HSTS = "max-age=63072000; includeSubDomains"


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


class SecurityHeadersMiddleware:
    """Adds the headers to what the views (and the error pages) answer."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        from asgiref.sync import iscoroutinefunction, markcoroutinefunction

        self.get_response = get_response
        self.https = settings.INTERCOOP_SITE_URL.startswith("https://")
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        return self.headers_add(self.get_response(request))

    async def _acall(self, request):
        return self.headers_add(await self.get_response(request))

    def headers_add(self, response):
        if _is_html(response):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if self.https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
