"""A NUL byte in a request is refused (or, in a cookie, dropped) before a view or the database.

PostgreSQL refuses NUL in text (psycopg raises ``DataError``), so an unchecked NUL in a URL segment
or a form value was a 500; SQLite stores it silently, which hid the bug. These tests are meant to
run on PostgreSQL, as ``bin/test`` and CI do.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests.conftest import signin_root

pytestmark = pytest.mark.django_db

# A value each converter accepts, so that only the segment under test is wrong.
SAMPLE = {"int": "1", "account_id": "123456789012", "uuid": "00000000-0000-0000-0000-000000000000"}
STRING_CONVERTERS = {"str", "slug", "iam_name", "path"}


def _patterns(resolver=None, prefix=""):
    """Every route of the project as (route text, converters by name)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        if not isinstance(pattern, RoutePattern):
            continue  # no regex routes in this project; static files are served elsewhere
        route = prefix + str(pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _urls_with_nul():
    """For each route, one URL per string segment with a NUL in it (the others valid)."""
    cases = []
    for route in _patterns():
        parameters = list(PARAMETER.finditer(route))
        for index, match in enumerate(parameters):
            if (match.group("converter") or "str") not in STRING_CONVERTERS:
                continue
            url = route
            for other_index, other in reversed(list(enumerate(parameters))):
                converter = other.group("converter") or "str"
                value = "a%00b" if other_index == index else SAMPLE.get(converter, "a")
                url = url[: other.start()] + value + url[other.end() :]
            cases.append("/" + url)
        if not parameters:
            cases.append("/" + route + "%00")
    return cases


def _all_routes():
    cases = []
    for route in _patterns():
        url = PARAMETER.sub(lambda m: SAMPLE.get(m.group("converter") or "str", "a"), route)
        cases.append("/" + url)
    return cases


@pytest.fixture
def lenient_client():
    """A client that shows a 500 as a status, as a browser would see it."""
    return Client(raise_request_exception=False)


def test_the_walk_covers_the_project():
    urls = _urls_with_nul()
    assert len(urls) > 40
    assert "/start/a%00b/" in urls or any(u.startswith("/start/a%00b") for u in urls)


@pytest.mark.parametrize("url", _urls_with_nul())
def test_a_nul_in_any_url_segment_is_404_for_anybody(lenient_client, management_root, url):
    assert lenient_client.get(url).status_code == 404
    assert lenient_client.post(url).status_code == 404
    signin_root(lenient_client, management_root.email)
    assert lenient_client.get(url).status_code == 404
    assert lenient_client.post(url, {"x": "1"}).status_code == 404


@pytest.mark.parametrize("url", _all_routes())
def test_a_nul_in_any_posted_value_is_a_400(lenient_client, management_root, url):
    signin_root(lenient_client, management_root.email)
    response = lenient_client.post(url, {"name": "a\x00b", "policy_arn": "a\x00b"})
    if url.startswith(("/iam", "/sts")):  # the APIs answer in AWS's XML (unsigned: refused)
        assert 400 <= response.status_code < 500
        assert b"<ErrorResponse" in response.content
        return
    assert response.status_code == 400
    assert b"NUL character" in response.content


def test_a_nul_in_a_query_string_or_a_posted_name_is_a_400(lenient_client, management_root):
    signin_root(lenient_client, management_root.email)
    account = management_root.account_id
    assert lenient_client.get(f"/console/accounts/{account}/users/?q=a%00b").status_code == 400
    assert lenient_client.post("/signin", {"mo\x00de": "root"}).status_code == 400


def test_the_examples_found_by_the_probe(lenient_client, management_root, alice):
    assert connection.vendor == "postgresql", "bin/test runs these on PostgreSQL"
    assert lenient_client.get("/start/a%00b").status_code == 404
    signin_root(lenient_client, management_root.email)
    assert lenient_client.get("/console/organization/sso/users/a%00b/").status_code == 404
    account = management_root.account_id
    detach = f"/console/accounts/{account}/users/alice/permissions/detach"
    response = lenient_client.post(detach, {"policy_arn": "a\x00b"})
    assert response.status_code == 400
    # A session cookie with a NUL is a stranger, not a 500.
    stranger = Client(raise_request_exception=False)
    stranger.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    assert stranger.get("/security-credentials").status_code == 302  # to the sign-in page


def test_a_cookie_with_a_nul_is_ignored_not_a_lockout(lenient_client, management_root):
    """Anyone who can set a cookie for the site (a script, a sibling domain) could otherwise shut
    the browser out of every page; Django reads the quoted escape \\000 as NUL."""
    lenient_client.cookies["tracker"] = '"a\\000b"'
    assert lenient_client.get("/signin").status_code == 200
    response = signin_root(lenient_client, management_root.email)
    assert response.status_code == 302 and "_auth_user_id" in lenient_client.session


def test_the_bad_request_page_speaks_the_browsers_language(lenient_client):
    response = lenient_client.post("/signin", {"email": "a\x00b"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 400
    assert "不正なリクエスト" in response.content.decode()
