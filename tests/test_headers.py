"""Security headers (issue 19): a strict Content-Security-Policy, Permissions-Policy,
Referrer-Policy and Cross-Origin-Opener-Policy on every kind of response, the API's included;
the two places where the policy meets other sites (a redirect to an application after one of
Tobira's forms, the SAML response page); and a scan of every template and script, so that no
inline script, event handler or style attribute comes back (the policy would refuse it).

The browser's side (no violation on the pages, the language switch) is
tests/browser/test_csp_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from identity.headers import PERMISSIONS_POLICY
from mfa.totp import selectors as totp_selectors
from sso.applications import services as app_services
from tests.conftest import signin_iam
from tests.support.sso import make_sso_user, set_sso, signin_portal

ROOT = Path(__file__).resolve().parent.parent

STRICT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
NAVIGATION_FROM_HERE = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"}
REDIRECT_URI = "https://chat.example.test/callback"


def directives(header: str) -> dict[str, list[str]]:
    """The policy as {directive: [sources]} (django-csp writes the directives in no set order)."""
    policy = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in policy, f"{name} twice"
        policy[name] = sources
    return policy


def assert_headers(response, policy=STRICT_POLICY) -> None:
    assert directives(response["Content-Security-Policy"]) == policy
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Every kind of response --------------------------------------------------------------------


def _page(client, alice):
    return client.get(reverse("accounts:signin")), 200


def _redirect(client, alice):
    return client.get(reverse("console:home")), 302


def _not_found(client, alice):
    return client.get("/no-such-page"), 404


def _forbidden(client, alice):
    signin_iam(client, "example-corp", "alice")
    return client.get(reverse("console:user_list", args=[alice.account_id])), 403


def _csrf_refused(client, alice):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:signin"), {"mode": "root"})
    assert 'data-testid="csrf-failure"' in response.content.decode()  # Tobira's page, no <style>
    return response, 403


def _nul_refused(client, alice):
    return client.get(reverse("accounts:signin") + "?next=%00"), 400  # identity.middleware


def _api_error(client, alice):
    # Answered by api.middleware before the session and the URL resolver: below the headers'.
    response = client.post(
        "/iam/", "Action=ListUsers&Version=2010-05-08", "application/x-www-form-urlencoded"
    )
    assert response["Content-Type"].startswith("text/xml")
    return response, 403


def _sts_error(client, alice):
    return client.get("/sts/"), 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answer",
    [
        _page,
        _redirect,
        _not_found,
        _forbidden,
        _csrf_refused,
        _nul_refused,
        _api_error,
        _sts_error,
    ],
    ids=lambda answer: answer.__name__.strip("_"),
)
def test_every_kind_of_response_carries_the_headers(client, alice, answer):
    response, status = answer(client, alice)
    assert response.status_code == status
    assert_headers(response)


def test_the_policy_allows_nothing_inline_and_nothing_from_elsewhere():
    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    sources = [source for values in policy.values() for source in values]
    assert not {source for source in sources if source.startswith("'unsafe-")}
    assert not {"*", "data:", "blob:", "http:", "https:", "'strict-dynamic'"} & set(sources)
    assert not [source for source in sources if "nonce" in str(source) or "sha" in str(source)]
    assert set(policy) == set(STRICT_POLICY)
    assert not hasattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY")


def test_webauthn_stays_allowed_for_this_site_and_the_rest_is_off():
    features = dict(part.split("=") for part in PERMISSIONS_POLICY.split(", "))
    # Not named: publickey-credentials-get and -create keep their default, this origin.
    assert not [name for name in features if name.startswith("publickey-credentials")]
    assert set(features.values()) == {"()"}
    assert {"camera", "microphone", "geolocation", "payment", "usb"} <= set(features)


PRINT_MIDDLEWARE = (
    "import json; from config import settings; print(json.dumps(settings.MIDDLEWARE))"
)


@pytest.mark.parametrize("production", [False, True])
def test_the_headers_middleware_sit_on_top_in_both_modes(tmp_path, production):
    """Right below SecurityMiddleware (and WhiteNoise in production, which answers static files
    itself: they are no documents), above everything that may answer first: the NUL refusal and
    the API."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TOBIRA_PRODUCTION", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env["TOBIRA_VAR_DIR"] = str(tmp_path)
    if production:
        env.update(
            TOBIRA_PRODUCTION="1",
            SECRET_KEY="x7!kq" * 12,
            ALLOWED_HOSTS="console.example.com",
            TOBIRA_BASE_URL="https://console.example.com",
            FIELD_ENCRYPTION_KEYS="dG9iaXJhLXNldHRpbmdzLXRlc3Qta2V5LTMyYnl0ZXM=",
        )
    out = subprocess.run(
        [sys.executable, "-c", PRINT_MIDDLEWARE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    middleware = json.loads(out.stdout)
    # Only the metrics' timer above (it answers nothing): then the headers, then whatever may
    # answer first (the NUL refusal, the probes, the API), the request log among them.
    top = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        "django.middleware.security.SecurityMiddleware",
    ]
    if production:
        top.append("whitenoise.middleware.WhiteNoiseMiddleware")
    top += [
        "csp.middleware.CSPMiddleware",
        "identity.headers.PermissionsPolicyMiddleware",
        "identity.middleware.RejectNulMiddleware",
        "config.health.ProbeMiddleware",
        "identity.logs.RequestLogMiddleware",
        "api.middleware.ApiMiddleware",
    ]
    assert middleware[: len(top)] == top


# --- A redirect to another site after one of Tobira's forms ------------------------------------


@pytest.fixture
def sam(organization):
    from sso.models import SSOSettings

    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    return make_sso_user(organization, name="sam")


@pytest.fixture
def chat(organization, sam):
    application, client, _secret = app_services.oidc_application_create(
        actor=None,
        organization=organization,
        name="Team chat",
        redirect_uris=[REDIRECT_URI],
        grant_types=["authorization_code"],
        skip_authorization=True,
    )
    app_services.assignment_add(actor=None, application=application, user=sam)
    return client


def authorize_url(organization, client, **params) -> str:
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = {
        "client_id": client.client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid",
        "state": "s1",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
        **params,
    }
    return reverse("applications:authorize", args=[organization.pk]) + "?" + urlencode(query)


def handed_over_to(response) -> str:
    """The address the hand-over page goes on to, checked to be the same in its refresh and link."""
    html = response.content.decode()
    assert 'data-testid="handover"' in html
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', html)
    link = re.search(r'<a [^>]*href="([^"]+)" data-testid="handover-link"', html)
    assert refresh and link and refresh.group(1) == link.group(1)
    return unescape(refresh.group(1))


@pytest.mark.django_db
def test_a_code_for_an_application_after_a_form_here_is_handed_over_by_a_page(
    client, organization, chat
):
    signin_portal(client, organization)
    url = authorize_url(organization, chat)
    # A script (or a browser coming from the application): the usual redirect.
    direct = client.get(url)
    assert direct.status_code == 302 and direct["Location"].startswith(REDIRECT_URI + "?")
    # The sign-in's form posted here, then redirected here: the browser would refuse a redirect
    # to the application as the last hop of that form's navigation (form-action 'self').
    page = client.get(url, headers=NAVIGATION_FROM_HERE)
    assert page.status_code == 200
    target = handed_over_to(page)
    assert target.startswith(REDIRECT_URI + "?")
    query = parse_qs(urlsplit(target).query)
    assert query["code"][0] and query["state"] == ["s1"]
    assert "no-store" in page["Cache-Control"]
    assert "Continuing to chat.example.test" in page.content.decode()
    assert_headers(page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {},  # no Fetch Metadata: a script, an old browser
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},  # from the application
        {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"},  # typed, a bookmark
        {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate"},
        {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"},  # a fetch() of a page here
    ],
)
def test_only_a_navigation_that_started_here_is_handed_over(client, organization, chat, headers):
    # An error the client is told of: a redirect before any sign-in.
    url = authorize_url(organization, chat, response_mode="fragment")
    response = client.get(url, headers=headers)
    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT_URI + "?error=invalid_request")
    handed = client.get(url, headers=NAVIGATION_FROM_HERE)
    assert handed_over_to(handed).startswith(REDIRECT_URI + "?error=invalid_request")


@pytest.mark.django_db
def test_a_redirect_within_this_site_stays_a_redirect(client, organization, chat):
    # A POST to the authorization endpoint is answered with the same request as a GET, here.
    url = reverse("applications:authorize", args=[organization.pk])
    response = client.post(url, {"client_id": chat.client_id}, headers=NAVIGATION_FROM_HERE)
    assert response.status_code == 302
    assert response["Location"].startswith(url + "?")


@pytest.mark.django_db
def test_deny_on_the_consent_page_goes_back_through_a_page(client, organization, chat):
    from sso.applications.models import OIDCClient

    OIDCClient.objects.filter(pk=chat.pk).update(skip_authorization=False)
    signin_portal(client, organization)
    consent = client.get(authorize_url(organization, chat), headers=NAVIGATION_FROM_HERE)
    assert 'data-testid="oidc-consent"' in consent.content.decode()
    next_url = consent.context["next"]
    response = client.post(
        reverse("applications:consent", args=[organization.pk]),
        {"next": next_url, "decision": "deny"},
        headers=NAVIGATION_FROM_HERE,
    )
    assert handed_over_to(response).startswith(REDIRECT_URI + "?error=access_denied")


# --- The SAML response page --------------------------------------------------------------------


@pytest.fixture
def saml_app(settings, organization, sam):
    from sso.applications.saml import idp

    settings.TOBIRA_BASE_URL = "http://127.0.0.1:8000"
    application, provider = app_services.saml_application_create(
        actor=None,
        organization=organization,
        name="Wiki",
        entity_id="https://sp.example.test/saml",
        acs_urls=["https://sp.example.test/saml/acs"],
    )
    app_services.assignment_add(actor=None, application=application, user=sam)
    yield provider
    idp.forget_servers()  # and their key files


@pytest.mark.django_db
def test_the_saml_response_page_lets_its_form_go_to_the_acs_and_keeps_the_rest(
    client, organization, saml_app
):
    """No form-action there: the service provider's ACS redirects into the application, often on
    another origin, and form-action would refuse that hop (tests/browser/test_csp_browser.py)."""
    signin_portal(client, organization)
    url = reverse(
        "applications:saml_start",
        args=[organization.pk, saml_app.application.application_id],
    )
    response = client.get(url, headers={"Sec-Fetch-Site": "same-origin"})
    assert 'name="SAMLResponse"' in response.content.decode()
    policy = {k: v for k, v in STRICT_POLICY.items() if k != "form-action"}
    assert directives(response["Content-Security-Policy"]) == policy
    assert response["Referrer-Policy"] == "no-referrer"  # the page's own, stricter
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


# --- Templates and scripts: nothing the policy would refuse ------------------------------------

# Mail bodies are no pages: no policy applies there, and mail programs keep inline styles only.
# Scripts, handlers and javascript: URLs are refused there too.
MAIL_TEMPLATES = ROOT / "templates" / "emails"

COMMENTS = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}|<!--.*?-->", re.S)
TAG = re.compile(r"<[a-zA-Z][^<>]*>")
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\ssrc\s*=)[^>]*>", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
EVENT_HANDLER = re.compile(r"[\s\"'/]on[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"[\s\"'/]style\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.I)


def template_problems(text: str, *, mail: bool = False) -> list[str]:
    text = COMMENTS.sub("", text)
    problems = [f"inline script {m.group()}" for m in INLINE_SCRIPT.finditer(text)]
    problems += [f"javascript: URL near {m.start()}" for m in JAVASCRIPT_URL.finditer(text)]
    if not mail:
        problems += [f"<style> element near {m.start()}" for m in STYLE_ELEMENT.finditer(text)]
    for tag in TAG.finditer(text):
        if EVENT_HANDLER.search(tag.group()):
            problems.append(f"event handler in {tag.group()}")
        if not mail and STYLE_ATTRIBUTE.search(tag.group()):
            problems.append(f"style attribute in {tag.group()}")
    return problems


def template_files() -> list[Path]:
    """templates/ and every app's templates/ (none yet; any new one is scanned too)."""
    directories = [ROOT / "templates"] + [
        path
        for path in ROOT.glob("*/**/templates")
        if not {".venv", "var", "node_modules"} & set(path.relative_to(ROOT).parts)
    ]
    return sorted({p for d in directories for p in d.rglob("*") if p.suffix in {".html", ".txt"}})


def test_the_templates_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in template_files()}
    assert {"templates/base.html", "templates/sso/saml/post.html"} <= names
    assert len(names) > 100


def test_no_template_has_inline_script_handlers_or_styles():
    problems = [
        f"{path.relative_to(ROOT)}: {problem}"
        for path in template_files()
        for problem in template_problems(
            path.read_text(encoding="utf-8"), mail=MAIL_TEMPLATES in path.parents
        )
    ]
    assert problems == [], "the Content-Security-Policy would refuse these:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">import "x"</script>',
        '<select name="language" onchange="this.form.submit()">',
        "<body onload=go()>",
        '<a href="#" class="x" onClick="go()">',
        '<div style="display: none">',
        "<p class=x style='color: red'>",
        "<style>p { color: red }</style>",
        '<a href="javascript:void(0)">',
        '<a href="JavaScript :go()">',
        '<option value="x"{% if y %} selected{% endif %} onclick="go()">',
    ],
)
def test_the_scan_finds_each_kind_of_inline_code(snippet):
    assert len(template_problems(snippet)) == 1, snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'js/lists.js' %}\" defer></script>",
        '<select name="per_page" data-submit-on-change>',
        '<div class="stylesheet" data-styled="1" hidden>',
        "<p>Click on the button; the style of it = plain.</p>",
        "{% comment %}Django's page has an inline <style>.{% endcomment %}",
        '<meta http-equiv="refresh" content="0; url={{ url }}">',
        '<link rel="stylesheet" href="/static/css/tobira.css">',
    ],
)
def test_the_scan_lets_markup_without_inline_code_through(snippet):
    assert template_problems(snippet) == []


def test_mail_may_keep_inline_styles_but_never_scripts():
    assert template_problems('<p style="color: red">', mail=True) == []
    assert template_problems("<script>x()</script>", mail=True)
    assert template_problems('<a href="javascript:x()">', mail=True)
    assert template_problems('<a onclick="x()">', mail=True)


SCRIPT_PROBLEMS = {
    "a style attribute": re.compile(r"setAttribute\(\s*[\"']style[\"']"),
    "an event handler attribute": re.compile(r"setAttribute\(\s*[\"']on", re.I),
    "markup from a string": re.compile(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML"),
    "document.write": re.compile(r"document\.write"),
    "code from a string": re.compile(
        r"\beval\s*\(|new\s+Function\s*\(|set(Timeout|Interval)\s*\(\s*[\"'`]"
    ),
    "a javascript: URL": re.compile(r"javascript\s*:", re.I),
}


def test_no_script_makes_inline_code_or_styles():
    """What the policy would refuse (or what would hand markup to it), in static/js/. A script
    may still set ``element.style.x`` (the CSSOM, which style-src does not govern)."""
    files = sorted((ROOT / "static" / "js").glob("*.js"))
    assert len(files) >= 8
    problems = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in files
        for what, pattern in SCRIPT_PROBLEMS.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert problems == []


@pytest.mark.django_db
def test_the_qr_code_is_inline_svg_without_a_style_attribute(alice):
    """Neither a data: image (img-src is 'self') nor SVG with style attributes (style-src)."""
    from mfa.totp import services as totp_services

    device, key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    svg = totp_selectors.provisioning_qr_svg(alice, device, key)
    assert svg.startswith("<svg ") and "data:" not in svg
    assert template_problems(svg) == []
