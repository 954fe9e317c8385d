"""Regression tests for the findings of the first security review of the foundation."""

import pytest
from django.urls import reverse

from identity import services
from identity.models import AuditEvent, User
from tests.conftest import PASSWORD, error_text, signin_iam, signin_root

pytestmark = pytest.mark.django_db

GENERIC = "Your authentication information is incorrect. Please try again."


def test_failed_sign_ins_are_anonymous_and_reveal_nothing_to_the_prober(
    client, other_root, management_root
):
    """A principal signed in elsewhere probes emails and aliases: its own trail must stay silent."""
    client.force_login(other_root)
    own_trail = AuditEvent.objects.filter(recipient_account_id=other_root.account_id)
    before = own_trail.count()
    for data in (
        {"mode": "root", "email": "root@example.test", "password": "wrong-Pass-123"},
        {"mode": "root", "email": "nobody@nowhere.test", "password": "wrong-Pass-123"},
        {"mode": "iam", "account": "no-such-alias", "user_name": "x", "password": "wrong-Pass-123"},
        {"mode": "iam", "account": "example-corp", "user_name": "x", "password": "wrong-Pass-123"},
    ):
        client.post(reverse("accounts:signin"), data)
    assert own_trail.count() == before
    failures = AuditEvent.objects.filter(
        event_name="ConsoleLogin", error_code="Failed authentication"
    )
    assert failures.count() == 4
    assert {tuple(e.user_identity.items()) for e in failures} == {(("type", "Anonymous"),)}
    assert sorted(failures.values_list("recipient_account_id", flat=True)) == sorted(
        ["", "", management_root.account_id, management_root.account_id]
    )


def test_a_user_name_that_matched_nobody_is_not_recorded(client, alice):
    signin_iam(client, "example-corp", "Hunter2-my-Password!", "x-wrong-123")
    signin_iam(client, "example-corp", "alice", "x-wrong-123")
    names = [
        e.request_parameters["userName"]
        for e in AuditEvent.objects.filter(event_name="ConsoleLogin")
    ]
    assert sorted(names) == ["HIDDEN_DUE_TO_SECURITY_REASONS", "alice"]


@pytest.mark.parametrize(
    ("mode", "identifier"),
    [("iam", "al\u0131ce"), ("iam", "ALİCE"), ("root", "root@example.te\u017ft")],
)
def test_look_alike_spellings_do_not_sign_in(client, alice, mode, identifier):
    """PostgreSQL's UPPER() folds 'ı' to 'I' and 'ſ' to 'S'; such spellings must not match."""
    if mode == "iam":
        response = signin_iam(client, "example-corp", identifier)
    else:
        response = signin_root(client, identifier)
    assert error_text(response) == GENERIC
    assert "_auth_user_id" not in client.session


def test_look_alike_spelling_cannot_use_a_fresh_rate_limit_bucket(
    client, settings, ratelimits_on, alice
):
    settings.RATELIMITS = {**settings.RATELIMITS, "signin_failed": "100/m/ip,2/5m/user"}
    for _ in range(2):
        signin_iam(client, "example-corp", "alice", "x-wrong-123")
    assert signin_iam(client, "example-corp", "alice").status_code == 429
    assert (
        "_auth_user_id" not in signin_iam(client, "example-corp", "al\u0131ce").wsgi_request.session
    )


@pytest.mark.parametrize("name", ["\u0430lice", "田中", "..", ".", "a b", "a/b"])
def test_user_names_are_ascii_and_not_only_dots(management_account, name):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.iam_user_create(actor=None, account=management_account, name=name)
    assert not User.objects.filter(kind="iam").exists()


def test_every_signup_attempt_counts(client, settings, ratelimits_on, organization):
    settings.RATELIMITS = {**settings.RATELIMITS, "signup": "2/h/ip"}
    data = {
        "organization_name": "Probe",
        "account_name": "Probe",
        "root_email": "root@example.test",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    assert client.post(reverse("signup"), data).status_code == 200
    assert client.post(reverse("signup"), data).status_code == 200
    response = client.post(reverse("signup"), {**data, "root_email": "fresh@example.test"})
    assert response.status_code == 429
    assert "already exists" not in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/console/accounts/%00/",
        "/console/accounts/12345/",
        "/console/accounts/{account}/users/%00/",
        "/console/accounts/{account}/users/%E7%94%B0/",
        "/console/accounts/{account}/users/alice%00/delete",
    ],
)
def test_hostile_ids_are_404_not_500(client, management_root, alice, path):
    client.force_login(management_root)
    assert client.get(path.format(account=management_root.account_id)).status_code == 404


def test_hostile_search_and_user_agent_do_not_crash(client, management_root, alice):
    client.force_login(management_root)
    url = reverse("console:user_list", args=[management_root.account_id])
    assert client.get(url + "?q=ali").status_code == 200
    assert client.get(url + "?q=%00ali").status_code == 400  # refused up front (test_nul_bytes)
    client.logout()
    response = signin_iam(
        client, "example-corp", "alice", "x-wrong-123", HTTP_USER_AGENT="evil\x00agent\x01"
    )
    assert response.status_code == 200
    assert AuditEvent.objects.filter(user_agent="evilagent").exists()


def test_signed_in_pages_are_not_cached(client, management_root):
    client.force_login(management_root)
    for url in (reverse("console:home"), reverse("mfa:security_credentials")):
        assert "no-store" in client.get(url)["Cache-Control"]


def test_access_denied_is_audited_in_the_principals_trail(client, alice):
    signin_iam(client, "example-corp", "alice")
    client.get(reverse("console:user_list", args=[alice.account_id]))
    event = AuditEvent.objects.get(error_code="AccessDenied")
    assert event.event_name == "ListUsers" and event.event_source == "iam.tobira"
    assert event.recipient_account_id == alice.account_id
    assert event.user_identity["userName"] == "alice"


def test_an_expected_403_logs_one_line_without_a_traceback(client, alice, caplog):
    signin_iam(client, "example-corp", "alice")
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.get(reverse("console:user_list", args=[alice.account_id]))
    assert response.status_code == 403
    forbidden = [r for r in caplog.records if r.name == "django.request"]
    assert len(forbidden) == 1 and "Forbidden" in forbidden[0].getMessage()
    assert forbidden[0].exc_info is None and "Traceback" not in caplog.text


def test_a_favicon_is_served(client):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("img/favicon.svg")
    assert finders.find("img/favicon.svg")
    assert 'rel="icon"' in client.get(reverse("accounts:signin")).content.decode()
