"""Reproductions from the security review of the recovery pieces: each asserts the safe behaviour."""

import re

import pytest
from django.urls import reverse

from identity.models import AuditEvent
from identity.policies import services as policies
from mfa.models import MFADevice, VirtualMFADevice
from mfa.recovery_codes import flows as rc
from mfa.totp import services as totp_services
from recovery import flow
from tests.conftest import PASSWORD, signin_iam, signin_root
from tests.support.mfa import mfa_login
from tests.support.recovery import Browser, link_of
from tests.support.seeds import seed_policy

pytestmark = pytest.mark.django_db


def confirm(user):
    device, _ = totp_services.virtual_mfa_device_create(
        user=user, name=f"d{user.pk}-{MFADevice.objects.count()}"
    )
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    return device


def use_code(client, code):
    return client.post(reverse("mfa:signin"), {"method": "recovery_code", "recovery_code": code})


def test_codes_revoked_when_centralized_reset_removes_root_mfa(
    client, management_root, member_root, member_account, django_capture_on_commit_callbacks
):
    confirm(member_root)
    codes = rc.generate(user=member_root)  # possibly the leaked set the reset is meant to fix
    mfa_login(client, management_root)
    client.post(
        reverse("console:account_root_mfa_reset", args=[member_account.id]),
        {"confirmation": member_account.id, "password": PASSWORD},
    )
    assert not MFADevice.objects.filter(user=member_root).exists()
    confirm(member_root)  # the member root registers a new device later
    attacker = client.__class__()
    signin_root(attacker, "member-root@example.test")
    use_code(attacker, codes[0])
    assert "_auth_user_id" not in attacker.session, (
        "old recovery code still bypasses the NEW device"
    )


def test_recovery_code_session_cannot_mint_persistent_codes(
    client, management_root, make_iam_user, mailoutbox, django_capture_on_commit_callbacks
):
    # alice under seed 003's forced-MFA policy (EnableMFADevice allowed without MFA)
    user = make_iam_user(name="s-takahashi", self_service=False)
    pol = policies.customer_policy_create(
        actor=management_root,
        account=management_root.account,
        name="forced",
        document=seed_policy(),
    )
    policies.policy_attach(
        actor=management_root, account=management_root.account, policy_arn=pol.arn, user=user
    )
    confirm(user)
    victims_codes = rc.generate(user=user)
    # attacker: password + one leaked code
    signin_iam(client, "example-corp", "s-takahashi")
    assert use_code(client, victims_codes[0]).status_code == 302
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa:recovery_codes"), {"password": PASSWORD})
    fresh = re.findall(
        r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.content.decode()
    )
    print("minted", len(fresh), "codes; mails to user:", [m.subject for m in mailoutbox])
    assert not fresh, (
        "a no-MFA session (one spent code) minted 10 fresh codes and revoked the owner's"
    )


def test_centralized_reset_requires_reauth_or_mfa(
    client, management_root, member_root, member_account
):
    confirm(member_root)
    client.force_login(
        management_root
    )  # a session without MFA (e.g. recovery code / stolen cookie)
    assert "tobira_mfa" not in client.session
    client.post(
        reverse("console:account_root_mfa_reset", args=[member_account.id]),
        {"confirmation": member_account.id},
    )
    assert MFADevice.objects.filter(user=member_root).exists(), "no password / MFA needed"
    mfa_login(client, management_root)  # MFA, but not the password
    client.post(
        reverse("console:account_root_mfa_reset", args=[member_account.id]),
        {"confirmation": member_account.id, "password": "wrong"},
    )
    assert MFADevice.objects.filter(user=member_root).exists()


def test_centralized_reset_recorded_in_management_trail(
    client, management_root, member_root, member_account, management_account
):
    confirm(member_root)
    mfa_login(client, management_root)
    client.post(
        reverse("console:account_root_mfa_reset", args=[member_account.id]),
        {"confirmation": member_account.id, "password": PASSWORD},
    )
    trails = list(
        AuditEvent.objects.filter(event_name="ResetRootUserMFA").values_list(
            "recipient_account_id", flat=True
        )
    )
    print("ResetRootUserMFA trails:", trails)
    assert management_account.id in trails


def test_mgmt_iam_admin_cannot_reset(
    client, management_root, member_root, member_account, make_iam_user
):
    admin = make_iam_user(name="admin")
    policies.policy_attach(
        actor=management_root,
        account=management_root.account,
        policy_arn="arn:aws:iam::aws:policy/AdministratorAccess",
        user=admin,
    )
    confirm(member_root)
    client.force_login(admin)
    r = client.post(
        reverse("console:account_root_mfa_reset", args=[member_account.id]),
        {"confirmation": member_account.id},
    )
    assert r.status_code in (403, 404)
    assert MFADevice.objects.filter(user=member_root).exists()


def test_verify_binds_to_fixed_session(
    client, client_factory, management_root, mailoutbox, django_capture_on_commit_callbacks
):
    from importlib import import_module

    from django.conf import settings as django_settings

    signin_root(client, "root@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        flow.start(Browser(client), user=management_root)
    attempt_id, token = link_of(mailoutbox[0])
    # The attacker makes a session and plants its key in the victim's browser.
    store = import_module(django_settings.SESSION_ENGINE).SessionStore
    planted = store()
    planted["x"] = 1
    planted.create()
    victim = client_factory()
    victim.cookies["sessionid"] = planted.session_key
    url = reverse("recovery:verify", args=[attempt_id])
    victim.get(url, {"t": token})
    assert victim.post(url)["Location"] == reverse("recovery:phone")

    class AttackerBrowser:
        session = store(session_key=planted.session_key)
        META = {"REMOTE_ADDR": "127.0.0.1"}

    assert flow.current(AttackerBrowser(), attempt_id) is None, "session not cycled at verify"


def test_verify_page_token_stays_in_url(
    client, management_root, mailoutbox, django_capture_on_commit_callbacks
):
    signin_root(client, "root@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        flow.start(Browser(client), user=management_root)
    attempt_id, token = link_of(mailoutbox[0])
    other = client.__class__()
    response = other.get(reverse("recovery:verify", args=[attempt_id]), {"t": token}, follow=True)
    html = response.content.decode()
    assert token not in html and "?t=" not in response.request["QUERY_STRING"] + "?"
    form = re.search(r"<form method=\"post\"[^>]*>", html).group(0)
    assert "action" in form


def test_password_holder_cancels_owner_attempt(
    client,
    client_factory,
    management_root,
    mailoutbox,
    django_capture_on_commit_callbacks,
    settings,
    ratelimits_on,
):
    signin_root(client, "root@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        owner_attempt = flow.start(Browser(client), user=management_root)
    attempt_id, token = link_of(mailoutbox[0])
    owner2 = client_factory()
    assert flow.verify_email(Browser(owner2), attempt_id, token) is not None
    attacker = client_factory()
    for _ in range(5):
        flow.start(Browser(attacker), user=management_root)
    owner_attempt.refresh_from_db()
    print(
        "owner attempt:",
        owner_attempt.state,
        "owner can restart:",
        flow.start(Browser(client_factory()), user=management_root),
    )
    assert owner_attempt.state != "cancelled"


@pytest.mark.django_db(transaction=True)
def test_one_code_spent_once_concurrently(management_root):
    import threading

    from django.db import connection

    codes = rc.generate(user=management_root)
    barrier = threading.Barrier(8)
    results = []

    def go():
        barrier.wait()
        try:
            results.append(rc.spend(user=management_root, code=codes[0]))
        finally:
            connection.close()

    threads = [threading.Thread(target=go) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1, results
