"""Recovery codes: ten single-use codes, shown once, stored as keyed hashes, usable at the MFA step."""

import re

import pyotp
import pytest
from django.urls import reverse

from identity.models import AuditEvent
from mfa.models import RecoveryCode
from tests.conftest import PASSWORD, error_text, signin_iam

pytestmark = pytest.mark.django_db

T0 = 1_900_000_020
PAGE = reverse("mfa:recovery_codes")


@pytest.fixture
def at(time_machine):
    def move(seconds):
        time_machine.move_to(seconds, tick=False)

    move(T0)
    return move


def give_alice_an_app(client, at):
    response = client.post(reverse("mfa:assign"), {"name": "alice-app"})
    page = client.get(response["Location"]).content.decode()
    app = pyotp.TOTP(re.search(r'data-testid="secret">([A-Z2-7]+)<', page).group(1))
    at(T0 + 30)
    client.post(response["Location"], {"code1": app.at(T0), "code2": app.at(T0 + 30)})
    return app


def signed_in_with_mfa(client):
    """The session as after signing in with the device (codes need it)."""
    session = client.session
    session["tobira_mfa"] = {"at": T0, "device": "alice-app"}
    session.save()


def generate(client) -> list[str]:
    signed_in_with_mfa(client)
    response = client.post(PAGE, {"password": PASSWORD})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.content.decode())


def test_generate_ten_codes_shown_once_stored_hashed(client, alice, at):
    signin_iam(client, "example-corp", "alice")
    give_alice_an_app(client, at)  # codes stand in for a device: none without one
    assert "You have 0 unused codes." in client.get(PAGE).content.decode()
    response = client.post(PAGE, {"password": PASSWORD})  # signed in with the password only
    assert response.status_code == 403 and not RecoveryCode.objects.exists()
    signed_in_with_mfa(client)
    response = client.post(PAGE, {"password": "wrong"})
    assert "The password is incorrect." in response.content.decode()
    codes = generate(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = list(RecoveryCode.objects.filter(user=alice).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    assert "You have 10 unused codes." in client.get(PAGE).content.decode()
    assert not any(c in client.get(PAGE).content.decode() for c in codes)  # never again
    assert AuditEvent.objects.filter(event_name="CreateRecoveryCodes").count() == 1
    assert not any(
        c in str(e.__dict__) for c in codes for e in AuditEvent.objects.all()
    )  # nor in the trail


def test_a_code_signs_in_once_without_mfa_and_tells_the_user(
    client, alice, at, mailoutbox, django_capture_on_commit_callbacks
):
    signin_iam(client, "example-corp", "alice")
    give_alice_an_app(client, at)
    codes = generate(client)
    client.post(reverse("accounts:signout"))

    at(T0 + 600)
    signin_iam(client, "example-corp", "alice")
    page = client.get(reverse("mfa:signin")).content.decode()
    assert "Use a recovery code" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("mfa:signin"),
            {"method": "recovery_code", "recovery_code": codes[3].upper().replace("-", " ")},
        )
    assert response["Location"] == reverse("mfa:security_credentials")
    assert "tobira_mfa" not in client.session  # MFA is not present
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="recovered-banner"' in page and "9 unused recovery codes." in page
    assert mailoutbox[-1].subject == "A recovery code was used to sign in to your Tobira user"
    assert "9 recovery codes are left." in mailoutbox[-1].body
    event = AuditEvent.objects.filter(event_name="ConsoleLogin", error_code="").latest("event_time")
    assert event.additional_event_data["Recovery"] == "RecoveryCode"
    assert event.additional_event_data["MFAUsed"] == "No"

    client.post(reverse("accounts:signout"))
    signin_iam(client, "example-corp", "alice")
    response = client.post(
        reverse("mfa:signin"), {"method": "recovery_code", "recovery_code": codes[3]}
    )
    assert "The recovery code is not valid, or it was used before." in error_text(response)
    assert "_auth_user_id" not in client.session


def test_new_codes_replace_the_old_and_codes_belong_to_their_user(
    client, alice, make_iam_user, at, client_factory
):
    signin_iam(client, "example-corp", "alice")
    give_alice_an_app(client, at)
    old = generate(client)
    new = generate(client)
    client.post(reverse("accounts:signout"))

    bob = make_iam_user(name="bob")
    bob_client = client_factory()
    # Bob needs a device of his own to reach the MFA step.
    from mfa.models import VirtualMFADevice
    from mfa.totp import services as totp_services

    device, _key = totp_services.virtual_mfa_device_create(user=bob, name="bob-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    signin_iam(bob_client, "example-corp", "bob")
    page = bob_client.get(reverse("mfa:signin")).content.decode()
    assert "Use a recovery code" not in page  # bob has none
    response = bob_client.post(
        reverse("mfa:signin"), {"method": "recovery_code", "recovery_code": new[0]}
    )
    assert "_auth_user_id" not in bob_client.session and response.status_code == 200

    signin_iam(client, "example-corp", "alice")
    response = client.post(
        reverse("mfa:signin"), {"method": "recovery_code", "recovery_code": old[0]}
    )
    assert "_auth_user_id" not in client.session
    response = client.post(
        reverse("mfa:signin"), {"method": "recovery_code", "recovery_code": new[0]}
    )
    assert response.status_code == 302


def test_recovery_code_guesses_are_throttled(client, alice, at, settings):
    settings.RATELIMIT_ENABLED = True
    signin_iam(client, "example-corp", "alice")
    give_alice_an_app(client, at)
    generate(client)
    client.post(reverse("accounts:signout"))
    signin_iam(client, "example-corp", "alice")
    statuses = [
        client.post(
            reverse("mfa:signin"),
            {"method": "recovery_code", "recovery_code": f"aaaaa-bbbb{n}"},
        ).status_code
        for n in range(2, 9)
    ] + [
        client.post(
            reverse("mfa:signin"),
            {"method": "recovery_code", "recovery_code": f"aaaaa-bbbc{n}"},
        ).status_code
        for n in range(2, 9)
    ]
    assert 429 in statuses


def test_troubleshoot_mfa_names_the_ways_back_in(client, alice, member_root, at):
    from mfa.recovery_codes import flows as recovery_codes_module
    from mfa.totp import services as totp_services

    url = reverse("mfa:troubleshoot")
    assert client.get(url)["Location"] == reverse("accounts:signin")  # no pending sign-in
    signin_iam(client, "example-corp", "alice")
    give_alice_an_app(client, at)
    client.post(reverse("accounts:signout"))
    signin_iam(client, "example-corp", "alice")
    page = client.get(url).content.decode()
    assert "Ask an administrator of account example-corp" in page
    assert "Use one of your recovery codes" not in page
    recovery_codes_module.generate(user=alice)
    page = client.get(url).content.decode()
    assert "Use one of your recovery codes" in page
    # The link opens the recovery-code part of the MFA step (a fragment alone leaves it folded).
    link = re.search(r'<a href="([^"]+)">Use one of your recovery codes', page).group(1)
    assert link == reverse("mfa:signin") + "?use=recovery#recovery"
    step = client.get(link.split("#")[0]).content.decode()
    assert re.search(r'<details[^>]*id="recovery"[^>]*\bopen>', step)
    assert not re.search(
        r'<details[^>]*id="recovery"[^>]*\bopen>',
        client.get(reverse("mfa:signin")).content.decode(),
    )

    from mfa.models import VirtualMFADevice

    device, _key = totp_services.virtual_mfa_device_create(user=member_root, name="prod-root")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    client.post(reverse("accounts:signout"))
    from tests.conftest import signin_root

    signin_root(client, "member-root@example.test")
    page = client.get(url).content.decode()
    assert "centralized root access" in page


# --- Issue 13, item 14: the page says why it is closed --------------------------------

CREDENTIALS = reverse("mfa:security_credentials")


def recovery_panel(client) -> str:
    page = client.get(CREDENTIALS).content.decode()
    match = re.search(
        r'<section class="panel" data-testid="recovery-codes">(.*?)</section>', page, re.S
    )
    assert match, "the recovery codes panel"
    return match.group(1)


def test_without_an_mfa_device_codes_are_closed_and_the_pages_say_why(client, alice):
    signin_iam(client, "example-corp", "alice")
    panel = recovery_panel(client)
    assert "Generate recovery codes" not in panel and PAGE not in panel
    assert "Recovery codes stand in for an MFA device: assign one first. Then sign out" in panel
    page = client.get(PAGE).content.decode()
    assert "Recovery codes stand in for an MFA device: assign one first. Then sign out" in page
    assert 'type="password"' not in page and "Generate recovery codes</button>" not in page
    assert reverse("mfa:assign") in page  # what to do next
    # Even a session that claims MFA makes no codes for a user without a device.
    signed_in_with_mfa(client)
    response = client.post(PAGE, {"password": PASSWORD})
    assert response.status_code == 403 and not RecoveryCode.objects.exists()


def test_signed_in_without_mfa_codes_are_closed_and_the_pages_say_why(client, alice, at):
    signin_iam(client, "example-corp", "alice")
    give_alice_an_app(client, at)  # a device now, but this session signed in without it
    reason = "You signed in without an MFA device. To generate recovery codes, sign out, then"
    panel = recovery_panel(client)
    assert "Generate recovery codes" not in panel and PAGE not in panel
    assert reason in panel
    page = client.get(PAGE).content.decode()
    assert reason in page and 'type="password"' not in page
    assert "Generate recovery codes</button>" not in page
    response = client.post(PAGE, {"password": PASSWORD})
    assert response.status_code == 403 and not RecoveryCode.objects.exists()
    # Signed in with the device: the panel offers the codes and the page the form.
    signed_in_with_mfa(client)
    panel = recovery_panel(client)
    assert "Generate recovery codes" in panel and reason not in panel
    page = client.get(PAGE).content.decode()
    assert 'type="password"' in page and "Generate recovery codes</button>" in page
    assert len(generate(client)) == 10
