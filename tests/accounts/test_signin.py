import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.urls import reverse

from identity.models import AuditEvent, User
from tests.conftest import PASSWORD, error_text, signin_iam, signin_root

pytestmark = pytest.mark.django_db

GENERIC = "Your authentication information is incorrect. Please try again."


def test_root_user_signs_in_with_email_and_password(client, management_root):
    client.get(reverse("accounts:signin"))
    anonymous_key = client.session.session_key
    response = signin_root(client, "ROOT@example.test")  # emails are case-insensitive

    assert response.status_code == 302
    assert response["Location"] == reverse("console:home")
    assert int(client.session["_auth_user_id"]) == management_root.pk
    assert client.session.session_key != anonymous_key  # session key cycled
    management_root.refresh_from_db()
    assert management_root.password_last_used is not None
    event = AuditEvent.objects.get(event_name="ConsoleLogin")
    assert event.response_elements == {"ConsoleLogin": "Success"}
    assert event.user_identity["type"] == "Root"
    assert event.source_ip_address == "127.0.0.1"


@pytest.mark.parametrize("account_field", ["id", "alias"])
def test_iam_user_signs_in_with_account_id_or_alias(client, alice, account_field):
    identifier = alice.account.id if account_field == "id" else alice.account.alias
    response = signin_iam(client, identifier, "ALICE")  # user names are case-insensitive

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == alice.pk
    assert client.get(reverse("mfa:security_credentials")).status_code == 200


def test_account_url_prefills_the_iam_form(client, alice):
    response = client.get(reverse("accounts:signin_account", args=["example-corp"]))
    body = response.content.decode()
    assert 'name="mode" value="iam"' in body
    assert 'value="example-corp"' in body


@pytest.fixture
def no_password_user(make_iam_user):
    return make_iam_user(name="robot", password=None)


FAILURES = {
    "unknown account": lambda: (
        "iam",
        {"account": "999999999999", "user_name": "alice", "password": PASSWORD},
    ),
    "unknown alias": lambda: (
        "iam",
        {"account": "no-such-alias", "user_name": "alice", "password": PASSWORD},
    ),
    "unknown user": lambda: (
        "iam",
        {"account": "example-corp", "user_name": "mallory", "password": PASSWORD},
    ),
    "wrong password": lambda: (
        "iam",
        {"account": "example-corp", "user_name": "alice", "password": "wrong-Pass-123"},
    ),
    "no console password": lambda: (
        "iam",
        {"account": "example-corp", "user_name": "robot", "password": PASSWORD},
    ),
    "unknown root email": lambda: ("root", {"email": "nobody@example.test", "password": PASSWORD}),
    "wrong root password": lambda: (
        "root",
        {"email": "root@example.test", "password": "wrong-Pass-123"},
    ),
}


def _post(client, mode, data):
    return client.post(reverse("accounts:signin"), {"mode": mode, **data})


def test_every_failure_looks_the_same(client, alice, no_password_user):
    answers = {}
    for kind, make in FAILURES.items():
        response = _post(client, *make())
        assert "_auth_user_id" not in client.session, kind
        answers[kind] = (response.status_code, error_text(response))
    assert set(answers.values()) == {(200, GENERIC)}, answers
    failures = AuditEvent.objects.filter(
        event_name="ConsoleLogin", error_code="Failed authentication"
    )
    assert failures.count() == len(FAILURES)


@pytest.mark.parametrize("kind", list(FAILURES))
def test_every_failure_costs_exactly_one_password_hash(
    client, alice, no_password_user, monkeypatch, kind
):
    calls = []
    for method in ("encode", "verify"):
        original = getattr(Argon2PasswordHasher, method)

        def spy(self, *args, _original=original, _method=method, **kwargs):
            calls.append(_method)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Argon2PasswordHasher, method, spy)
    _post(client, *FAILURES[kind]())
    assert len(calls) == 1, calls


def test_rate_limit_per_user_trips_generically_and_spares_others(
    client, settings, ratelimits_on, alice, make_iam_user
):
    settings.RATELIMITS = {**settings.RATELIMITS, "signin_failed": "100/m/ip,3/5m/user"}
    make_iam_user(name="bob")
    for _ in range(3):
        assert signin_iam(client, "example-corp", "alice", "wrong-Pass-123").status_code == 200

    # Even the right password is refused now, by id or by alias: one bucket per account.
    for identifier in ("example-corp", alice.account_id):
        response = signin_iam(client, identifier, "alice")
        assert response.status_code == 429
        assert (
            error_text(response) == "Too many sign-in attempts. Wait a few minutes, then try again."
        )
        assert "_auth_user_id" not in client.session

    # The same for a user who does not exist: nothing tells them apart.
    for _ in range(3):
        signin_iam(client, "example-corp", "ghost", "wrong-Pass-123")
    assert signin_iam(client, "example-corp", "ghost").status_code == 429

    assert signin_iam(client, "example-corp", "bob").status_code == 302
    # One event per limit tripped (alice's bucket, ghost's), not one per refused request.
    assert AuditEvent.objects.filter(error_code="Throttled").count() == 2


def test_rate_limit_per_ip(client, settings, ratelimits_on, alice):
    settings.RATELIMITS = {**settings.RATELIMITS, "signin_failed": "2/m/ip,100/5m/user"}
    signin_iam(client, "example-corp", "x1", "nope-nope-nope")
    signin_iam(client, "example-corp", "x2", "nope-nope-nope")
    assert signin_iam(client, "example-corp", "alice").status_code == 429
    assert signin_iam(client, "example-corp", "alice", REMOTE_ADDR="192.0.2.7").status_code == 302


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(
    client, settings, ratelimits_on, alice
):
    settings.RATELIMITS = {**settings.RATELIMITS, "signin_failed": "1/m/ip,100/5m/user"}
    signin_iam(client, "example-corp", "x1", "nope-nope-nope", HTTP_X_FORWARDED_FOR="198.51.100.1")
    # A forged header does not buy a fresh bucket.
    response = signin_iam(client, "example-corp", "alice", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert response.status_code == 429


def test_next_is_followed_only_within_the_site(client, alice):
    url = reverse("accounts:signin") + "?next=https://evil.example/steal"
    response = client.post(
        url, {"mode": "iam", "account": "example-corp", "user_name": "alice", "password": PASSWORD}
    )
    assert response["Location"] == reverse("console:home")

    client.post(reverse("accounts:signout"))
    url = reverse("accounts:signin") + "?next=" + reverse("mfa:security_credentials")
    response = client.post(
        url, {"mode": "iam", "account": "example-corp", "user_name": "alice", "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa:security_credentials")


def test_sign_out_needs_post_and_ends_the_session(client, alice):
    signin_iam(client, "example-corp", "alice")
    assert client.get(reverse("accounts:signout")).status_code == 405
    response = client.post(reverse("accounts:signout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("console:home")).status_code == 302
    assert AuditEvent.objects.filter(event_name="ConsoleSignOut").count() == 1


def test_bad_input_gets_form_errors_not_a_crash(client, alice):
    for data in (
        {"mode": "iam"},
        {"mode": "iam", "account": "x" * 500, "user_name": "a", "password": "b"},
        {"mode": "nonsense", "email": "a@b.c", "password": "b"},
        {"mode": "iam", "account": "example-corp", "user_name": "alice", "password": "p" * 5000},
    ):
        response = client.post(reverse("accounts:signin"), data)
        assert response.status_code == 200, data
        assert "_auth_user_id" not in client.session
    # A NUL is refused before the form sees it (tests/test_nul_bytes.py), still not a crash.
    response = client.post(
        reverse("accounts:signin"), {"mode": "root", "email": "\x00", "password": "b"}
    )
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_deactivated_user_cannot_sign_in(client, alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    response = signin_iam(client, "example-corp", "alice")
    assert error_text(response) == GENERIC


def test_passwords_are_argon2id_at_the_owasp_minimum(alice):
    assert alice.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_older_hashes_are_upgraded_at_sign_in(client, alice):
    from django.contrib.auth.hashers import make_password

    User.objects.filter(pk=alice.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )
    assert signin_iam(client, "example-corp", "alice").status_code == 302
    alice.refresh_from_db()
    assert alice.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_signing_out_returns_each_kind_of_user_to_their_own_sign_in_page(
    client, management_root, alice
):
    signin_iam(client, "example-corp", "alice")
    assert client.post(reverse("accounts:signout"))["Location"] == reverse(
        "accounts:signin_account", args=["example-corp"]
    )
    signin_root(client, management_root.email)
    assert client.post(reverse("accounts:signout"))["Location"] == reverse("accounts:signin")
    # Without a session there is nobody to go back to: the plain sign-in page.
    assert client.post(reverse("accounts:signout"))["Location"] == reverse("accounts:signin")


def test_the_session_user_is_refused_when_deactivated_or_not_an_id(alice):
    from accounts.backends import ConsoleSignInBackend

    backend = ConsoleSignInBackend()
    assert backend.get_user(alice.pk) == alice
    assert backend.get_user(str(alice.pk)).account.organization_id == alice.account.organization_id
    for bad in ("x", None, "1" * 5000, 2**70):
        assert backend.get_user(bad) is None
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert backend.get_user(alice.pk) is None
