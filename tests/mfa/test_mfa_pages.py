"""The self-service authenticator-app pages and the MFA step at sign-in, through the real views."""

import base64
import re

import pyotp
import pytest
from django.urls import reverse

from identity.models import AuditEvent
from mfa.models import VirtualMFADevice
from mfa.totp import unassigned
from tests.conftest import T0, error_text, signin_iam, unwrap_arns
from tests.support.mfa import authenticator, mfa_login

pytestmark = pytest.mark.django_db


def assign_app(client, at, name="alice-app"):
    response = client.post(reverse("mfa:assign"), {"name": name})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page
    secret = re.search(r'data-testid="secret">([A-Z2-7]+)<', page).group(1)
    app = pyotp.TOTP(secret)
    at(T0 + 30)
    response = client.post(response["Location"], {"code1": app.at(T0), "code2": app.at(T0 + 30)})
    assert response.status_code == 302, error_text(response)
    return app


def test_assign_an_authenticator_app_then_sign_in_with_it(client, alice, at):
    signin_iam(client, "example-corp", "alice")
    app = assign_app(client, at)
    listing = client.get(reverse("mfa:security_credentials")).content.decode()
    assert f"arn:aws:iam::{alice.account_id}:mfa/alice-app" in listing
    client.post(reverse("accounts:signout"))

    at(T0 + 600)
    response = signin_iam(client, "example-corp", "alice")
    assert response["Location"] == reverse("mfa:signin")
    assert "_auth_user_id" not in client.session  # nobody is signed in yet
    page = client.get(reverse("mfa:signin")).content.decode()
    assert "Additional verification required" in page and "alice-app" in page
    assert client.get(reverse("console:home")).status_code == 302

    device = VirtualMFADevice.objects.get(user=alice)
    response = client.post(reverse("mfa:signin"), {"device": device.pk, "code": "000000"})
    assert error_text(response) == "The code is not valid. Check it and try again."
    at(T0 + 700)  # past the back-off
    response = client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 700)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == alice.pk
    assert client.session["tobira_mfa"]["device"] == device.arn
    event = AuditEvent.objects.filter(event_name="ConsoleLogin", error_code="").latest("event_time")
    assert event.additional_event_data["MFAUsed"] == "Yes"


def test_the_pending_step_expires_and_belongs_to_its_session(client, alice, at):
    signin_iam(client, "example-corp", "alice")
    assign_app(client, at)
    client.post(reverse("accounts:signout"))
    signin_iam(client, "example-corp", "alice")
    at(T0 + 30 + 301)
    response = client.get(reverse("mfa:signin"))
    assert response["Location"] == reverse("accounts:signin")


def test_another_users_device_is_not_accepted(client, alice, make_iam_user, at):
    bob = make_iam_user(name="bob")
    signin_iam(client, "example-corp", "bob")
    bob_app = assign_app(client, at, name="bob-app")
    client.post(reverse("accounts:signout"))
    signin_iam(client, "example-corp", "alice")
    assign_app(client, at)
    client.post(reverse("accounts:signout"))

    at(T0 + 900)
    signin_iam(client, "example-corp", "alice")
    bob_device = VirtualMFADevice.objects.get(user=bob)
    response = client.post(
        reverse("mfa:signin"), {"device": bob_device.pk, "code": bob_app.at(T0 + 900)}
    )
    assert "_auth_user_id" not in client.session
    assert "Select a valid choice." in response.content.decode()  # not one of alice's devices


def test_pending_setup_pages_of_other_users_are_404(client, alice, make_iam_user):
    bob = make_iam_user(name="bob")
    signin_iam(client, "example-corp", "bob")
    client.post(reverse("mfa:assign"), {"name": "bob-app"})
    device = VirtualMFADevice.objects.get(user=bob)
    client.post(reverse("accounts:signout"))
    signin_iam(client, "example-corp", "alice")
    assert client.get(reverse("mfa:enable", args=[device.pk])).status_code == 404
    assert (
        client.post(
            reverse("mfa:enable", args=[device.pk]), {"code1": "1", "code2": "2"}
        ).status_code
        == 404
    )


def test_assign_refuses_a_duplicate_name_clearly(client, alice, make_iam_user, at):
    signin_iam(client, "example-corp", "alice")
    assign_app(client, at, name="shared-name")
    client.post(reverse("accounts:signout"))
    make_iam_user(name="bob")
    signin_iam(client, "example-corp", "bob")
    response = client.post(reverse("mfa:assign"), {"name": "Shared-Name"})
    assert "already exists in this account" in response.content.decode()
    assert 'value="Shared-Name"' in response.content.decode()


def test_the_provisioning_uri_names_the_issuer_and_the_account(alice):
    from mfa.totp import selectors as totp_selectors
    from mfa.totp import services as totp_services

    device, key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    uri = totp_selectors.provisioning_uri(alice, device, key)
    parsed = pyotp.parse_uri(uri)
    assert parsed.issuer == "Tobira"
    assert parsed.secret == base64.b32encode(key).decode().rstrip("=")
    assert "alice@example-corp" in uri


def test_the_owner_removes_a_device_after_reentering_the_password(
    client, alice, at, mailoutbox, django_capture_on_commit_callbacks
):
    signin_iam(client, "example-corp", "alice")
    with django_capture_on_commit_callbacks(execute=True):
        assign_app(client, at)
    assert [m.subject for m in mailoutbox] == ["An MFA device was added to your Tobira user"]
    device = VirtualMFADevice.objects.get(user=alice)
    url = reverse("mfa:remove", args=[device.pk])
    assert "will no longer be accepted" in client.get(url).content.decode()

    response = client.post(url, {"password": "not-my-password"})
    assert "The password is incorrect." in response.content.decode()
    assert VirtualMFADevice.objects.filter(pk=device.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"password": "Correct-Horse-42!battery"})
    assert response.status_code == 302
    assert not VirtualMFADevice.objects.filter(pk=device.pk).exists()
    assert mailoutbox[-1].subject == "An MFA device was removed from your Tobira user"
    assert device.arn in mailoutbox[-1].body
    assert AuditEvent.objects.filter(event_name="DeactivateMFADevice").count() == 1


def test_an_administrator_removes_a_users_device_with_confirmation(
    client, alice, management_root, at
):
    signin_iam(client, "example-corp", "alice")
    assign_app(client, at)
    client.post(reverse("accounts:signout"))
    device = VirtualMFADevice.objects.get(user=alice)

    client.force_login(management_root)
    detail = client.get(
        reverse("console:user_detail", args=[alice.account_id, "alice"])
    ).content.decode()
    assert device.arn in detail
    url = reverse("console:user_mfa_remove", args=[alice.account_id, "alice", device.pk])
    response = client.post(url, {"confirmation": "wrong-name"})
    assert "The name you entered does not match." in response.content.decode()
    response = client.post(url, {"confirmation": "alice-app"})
    assert response.status_code == 302
    assert not VirtualMFADevice.objects.filter(pk=device.pk).exists()


def test_other_users_devices_cannot_be_removed(client, alice, make_iam_user, at):
    signin_iam(client, "example-corp", "alice")
    assign_app(client, at)
    client.post(reverse("accounts:signout"))
    device = VirtualMFADevice.objects.get(user=alice)
    make_iam_user(name="bob")
    signin_iam(client, "example-corp", "bob")
    url = reverse("mfa:remove", args=[device.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"password": "Correct-Horse-42!battery"}).status_code == 404
    assert VirtualMFADevice.objects.filter(pk=device.pk).exists()
    url = reverse("mfa:resync", args=[device.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"code1": "123456", "code2": "654321"}).status_code == 404
    assert client.get(reverse("mfa:resync", args=[999999])).status_code == 404


def test_resync_a_drifted_device_through_the_page(client, alice, at):
    signin_iam(client, "example-corp", "alice")
    app = assign_app(client, at)
    device = VirtualMFADevice.objects.get(user=alice)
    url = reverse("mfa:resync", args=[device.pk])
    at(T0 + 3600)
    slow = T0 + 3600 - 300  # the device's clock is five minutes slow
    response = client.post(url, {"code1": "111111", "code2": "222222"})
    assert "The codes are not valid." in response.content.decode()
    response = client.post(url, {"code1": app.at(slow - 30), "code2": app.at(slow)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.drift == -10
    assert AuditEvent.objects.filter(event_name="ResyncMFADevice").count() == 1


def code_field_value(response) -> str | None:
    """The value the MFA step's code field shows (None: the field is empty)."""
    field = re.search(r'<input[^>]*name="code"[^>]*>', response.content.decode())
    assert field is not None
    value = re.search(r'value="([^"]*)"', field.group(0))
    return value.group(1) if value else None


def test_a_code_used_moments_ago_is_named_as_such_and_the_field_is_cleared(client, alice, at):
    """Issue 13, item 8: sign in with a code, sign out, sign in again with the same code."""
    signin_iam(client, "example-corp", "alice")
    app = assign_app(client, at)
    client.post(reverse("accounts:signout"))
    device = VirtualMFADevice.objects.get(user=alice)

    at(T0 + 60)
    signin_iam(client, "example-corp", "alice")
    code = app.at(T0 + 60)
    response = client.post(reverse("mfa:signin"), {"device": device.pk, "code": code})
    assert response.status_code == 302
    client.post(reverse("accounts:signout"))

    at(T0 + 75)  # the app still shows the same code
    signin_iam(client, "example-corp", "alice")
    response = client.post(reverse("mfa:signin"), {"device": device.pk, "code": code})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert error_text(response) == (
        "This code was already used. Wait for your device to show the next code, then enter it."
    )
    assert code_field_value(response) is None  # the refused code is not typed in again
    assert f'value="{device.pk}"' in response.content.decode()  # the device stays chosen
    failure = AuditEvent.objects.filter(event_name="ConsoleLogin").exclude(error_code="")
    assert failure.latest("event_time").error_message == "The MFA code was already used."

    # A wrong code: "not valid", and the field is cleared too.
    at(T0 + 120)
    response = client.post(reverse("mfa:signin"), {"device": device.pk, "code": "000000"})
    assert error_text(response) == "The code is not valid. Check it and try again."
    assert code_field_value(response) is None

    at(T0 + 150)  # the next code signs in
    response = client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 150)})
    assert response.status_code == 302


def test_the_already_used_message_keeps_the_attempts_counted(client, alice, at, settings):
    signin_iam(client, "example-corp", "alice")
    app = assign_app(client, at)  # spends the code of T0 + 30
    client.post(reverse("accounts:signout"))
    device = VirtualMFADevice.objects.get(user=alice)
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMITS = {**settings.RATELIMITS, "mfa_failed": "100/m/ip,2/5m/user"}
    signin_iam(client, "example-corp", "alice")
    statuses = []
    for second in (31, 34, 37):  # each one past the device's back-off
        at(T0 + second)
        response = client.post(
            reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 30)}
        )
        statuses.append(response.status_code)
    assert statuses == [200, 200, 429]


def test_resync_with_an_already_used_code_clears_the_fields(client, alice, at):
    signin_iam(client, "example-corp", "alice")
    app = assign_app(client, at)  # spends T0 and T0 + 30
    device = VirtualMFADevice.objects.get(user=alice)
    at(T0 + 60)
    url = reverse("mfa:resync", args=[device.pk])
    response = client.post(url, {"code1": app.at(T0 + 30), "code2": app.at(T0 + 60)})
    page = response.content.decode()
    assert "already used" in error_text(response)
    assert app.at(T0 + 30) not in page and app.at(T0 + 60) not in page


def test_the_assigned_message_says_how_to_reach_pages_that_need_mfa(client, alice, at):
    signin_iam(client, "example-corp", "alice")  # a session without MFA
    assign_app(client, at)
    page = client.get(reverse("mfa:security_credentials")).content.decode()
    assert (
        "MFA device alice-app was assigned. To use pages that require MFA, sign out and sign in "
        "again with it." in page
    )
    # A session that already signed in with MFA is told only what happened.
    client.post(reverse("accounts:signout"))
    at(T0 + 600)
    signin_iam(client, "example-corp", "alice")
    device = VirtualMFADevice.objects.get(user=alice)
    app = pyotp.TOTP(base64.b32encode(device.key).decode())
    client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 600)})
    assert client.session.get("tobira_mfa")
    assign_app(client, at, name="alice-second")
    page = client.get(reverse("mfa:security_credentials")).content.decode()
    assert "MFA device alice-second was assigned." in page
    assert "sign out and sign in again" not in page


def test_the_pages_show_a_devices_arn_with_its_path(client, alice, management_root, at):
    device, seed = unassigned.unassigned_virtual_mfa_device_create(
        actor=None, account=alice.account, name="alice-phone", path="/team/phones/"
    )
    app = authenticator(seed)
    unassigned.unassigned_virtual_mfa_device_enable(
        actor=None, device=device, user=alice, first_code=app.at(T0 - 30), second_code=app.at(T0)
    )
    serial = f"arn:aws:iam::{alice.account_id}:mfa/team/phones/alice-phone"
    mfa_login(client, alice)
    own = unwrap_arns(client.get(reverse("mfa:security_credentials")).content.decode())
    assert f"<code>{serial}</code>" in own
    client.force_login(management_root)
    page = client.get(reverse("console:user_detail", args=[alice.account_id, "alice"]))
    assert f"<code>{serial}</code>" in unwrap_arns(page.content.decode())
