"""A cached page's per-request values (forum/page_gaps.py): cut out when stored, and
each request's own filled in, the same value wherever a name recurs."""

from __future__ import annotations

import re

from django.test import RequestFactory

from forum.page_gaps import cut, fill

PAGE = (
    '<p>Réponse à « Hélène »</p><form><input type="hidden" name="csrfmiddlewaretoken" '
    'value="rendered-token"><input type="hidden" name="submission_key" value="k1"></form>'
    '<form><input type="hidden" name="csrfmiddlewaretoken" value="rendered-token"></form>'
    '<script src="/live.js" data-live-user="42"></script><p>Fin — à bientôt</p>'
).encode()


def _request(user=None):
    request = RequestFactory().get("/fils/1/")
    request.user = user
    return request


def test_nothing_rendered_for_one_request_is_kept():
    stored = cut(PAGE)
    assert not any(b"rendered-token" in part or b"k1" in part for part in stored[::2])
    assert [name for name in stored if type(name) is str] == [
        "csrfmiddlewaretoken",
        "submission_key",
        "csrfmiddlewaretoken",
        "live-user",
    ]


def test_each_request_gets_its_own_values_the_rest_unchanged(django_user_model):
    reader = django_user_model(pk=7)
    first, second = (fill(cut(PAGE), _request(reader)).decode() for _ in range(2))
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', first)
    # One token a request, in every form; another request's differs.
    assert len(tokens) == 2 and tokens[0] == tokens[1] and tokens[0] not in second
    assert 'data-live-user="7"' in first
    pattern = r'value="[^"]*"|data-live-user="[^"]*"'
    assert re.sub(pattern, "", first) == re.sub(pattern, "", PAGE.decode())
