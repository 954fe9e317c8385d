"""The account password policy at sign-in and on the change-password page."""

import pytest
from django.urls import reverse

from identity import services
from identity.models import AuditEvent
from tests.conftest import PASSWORD, T0, error_text, signin_iam

pytestmark = pytest.mark.django_db

DAY = 24 * 3600
NEW_PASSWORD = "A-fresh-Passphrase-2026"


def set_policy(root, **values):
    return services.password_policy_set(actor=root, account=root.account, **values)


def change(client, old=PASSWORD, new=NEW_PASSWORD):
    return client.post(
        reverse("accounts:change_password"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_an_expired_password_forces_the_change(client, at, management_root, make_iam_user):
    alice = make_iam_user()
    set_policy(management_root, max_password_age=90)
    at(T0 + 89 * DAY)
    assert signin_iam(client, "example-corp", "alice")["Location"] == reverse("console:home")
    client.logout()
    at(T0 + 90 * DAY + 1)
    response = signin_iam(client, "example-corp", "alice")
    assert response["Location"] == reverse("accounts:change_password")
    assert client.get(reverse("console:home"))["Location"] == reverse("accounts:change_password")
    alice.refresh_from_db()
    assert alice.password_reset_required
    assert change(client).status_code == 302
    assert client.get(reverse("console:home")).status_code == 200
    alice.refresh_from_db()
    assert not alice.password_reset_required
    client.logout()
    assert signin_iam(client, "example-corp", "alice", NEW_PASSWORD)["Location"] == reverse(
        "console:home"
    )  # the new password's clock starts again


def test_the_root_user_has_no_expiry(client, at, management_root):
    set_policy(management_root, max_password_age=1)
    at(T0 + 30 * DAY)
    response = client.post(
        reverse("accounts:signin"),
        {"mode": "root", "email": "root@example.test", "password": PASSWORD},
    )
    assert response["Location"] == reverse("console:home")


def test_hard_expiry_blocks_sign_in_and_says_an_administrator_must_reset(
    client, at, management_root, make_iam_user
):
    alice = make_iam_user()
    set_policy(management_root, max_password_age=30, hard_expiry=True)
    at(T0 + 31 * DAY)
    response = signin_iam(client, "example-corp", "alice")
    assert response.status_code == 200
    assert "an administrator" in error_text(response)
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event_name="ConsoleLogin", error_code="PasswordExpired")
    # The administrator's reset opens the door again.
    services.iam_user_console_access_set(actor=management_root, user=alice, password=NEW_PASSWORD)
    assert signin_iam(client, "example-corp", "alice", NEW_PASSWORD)["Location"] == reverse(
        "console:home"
    )


def test_the_change_page_lists_the_rules_and_refuses_each_with_its_message(
    client, management_root, make_iam_user
):
    make_iam_user()
    set_policy(management_root, require_symbols=True, password_reuse_prevention=3)
    signin_iam(client, "example-corp", "alice")
    page = client.get(reverse("accounts:change_password")).content.decode()
    assert "password policy asks for:" in page
    assert "Not the same as any of your last 3 passwords." in page
    response = change(client, new="NoSymbolsHere2026abc")
    assert "asks for at least one of these symbols" in response.content.decode()
    assert change(client, new=NEW_PASSWORD).status_code == 302
    response = change(client, old=NEW_PASSWORD, new=PASSWORD)  # the previous one: reused
    assert "You used this password recently" in response.content.decode()


def test_allow_users_to_change_password(client, management_root, make_iam_user):
    make_iam_user(self_service=False)  # no policy allows iam:ChangePassword
    signin_iam(client, "example-corp", "alice")
    assert client.get(reverse("accounts:change_password")).status_code == 403
    set_policy(management_root, allow_users_to_change_password=True)
    assert client.get(reverse("accounts:change_password")).status_code == 200
    assert change(client).status_code == 302


def test_allow_users_to_change_password_does_not_override_an_explicit_deny(
    client, management_root, make_iam_user
):
    """The setting stands in for an Allow; a Deny the user's policies state still holds."""
    from identity.policies import services as policies

    alice = make_iam_user(self_service=False)
    policies.inline_policy_put(
        actor=None,
        user=alice,
        name="NoPasswordChanges",
        document='{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", '
        '"Action": "iam:ChangePassword", "Resource": "*"}]}',
    )
    set_policy(management_root, allow_users_to_change_password=True)
    signin_iam(client, "example-corp", "alice")
    assert client.get(reverse("accounts:change_password")).status_code == 403
    assert change(client).status_code == 403


def test_an_expired_password_forces_the_change_after_the_mfa_step_too(
    client, at, management_root, make_iam_user
):
    """The stages after the session (here: the password change) start when the sign-in completes,
    whichever step completes it: the password alone or, for a user with an MFA device, the MFA
    step."""
    from tests.support.mfa import enabled_app

    alice = make_iam_user()
    device, app = enabled_app(alice)
    set_policy(management_root, max_password_age=90)
    at(T0 + 90 * DAY + 1)
    assert signin_iam(client, "example-corp", "alice")["Location"] == reverse("mfa:signin")
    response = client.post(
        reverse("mfa:signin"),
        {"device": device.pk, "code": app.at(T0 + 90 * DAY + 1)},
    )
    assert response["Location"] == reverse("accounts:change_password")
    assert client.get(reverse("console:home"))["Location"] == reverse("accounts:change_password")
    alice.refresh_from_db()
    assert alice.password_reset_required
