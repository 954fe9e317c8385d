"""Seed 003's forced-mfa-self-manage policy, verbatim from the seed, through the real console.

A user holding it plus IAMReadOnlyAccess, signed in without MFA, can change
their password (the seed's "deadlock": they must, at first sign-in), set up
an authenticator app and see their own credentials; every other page is a 403
naming DenyAllExceptListedIfNoMFA. Signed in with MFA, read-only pages open
and writes are implicitly denied.
"""

import re

import pyotp
import pytest
from django.urls import reverse

from identity import services
from identity.policies import services as policies
from mfa.models import VirtualMFADevice
from tests.conftest import PASSWORD, error_text, signin_iam
from tests.support.seeds import seed_policy

pytestmark = pytest.mark.django_db

T0 = 1_900_000_020
NEW_PASSWORD = "Another-Horse-77!staple"


@pytest.fixture
def at(time_machine):
    def move(seconds):
        time_machine.move_to(seconds, tick=False)

    move(T0)
    return move


def make_user(management_root, name: str, document: str):
    account = management_root.account
    user = services.iam_user_create(
        actor=None, account=account, name=name, password=PASSWORD, password_reset_required=True
    )
    policy = policies.customer_policy_create(
        actor=management_root,
        account=account,
        name=f"forced-mfa-self-manage-{name}",
        document=document,
    )
    for arn in (policy.arn, "arn:aws:iam::aws:policy/IAMReadOnlyAccess"):
        policies.policy_attach(actor=management_root, account=account, policy_arn=arn, user=user)
    return user


def forbidden_pages(account_id, other="alice"):
    return [
        reverse("console:account_detail", args=[account_id]),
        reverse("console:user_list", args=[account_id]),
        reverse("console:user_create", args=[account_id]),
        reverse("console:policy_list", args=[account_id]),
        reverse("console:audit_list", args=[account_id]),
        reverse("console:user_permissions", args=[account_id, other]),
        reverse("console:simulator", args=[account_id]),
    ]


def walk_through(client, user, at):
    account_id = user.account_id
    # First sign-in: the password must change, and it can (the seed's deadlock).
    response = signin_iam(client, "example-corp", user.name)
    assert response["Location"] == reverse("accounts:change_password")
    response = client.post(
        reverse("accounts:change_password"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, error_text(response)

    # Without MFA: own credentials and MFA setup open ...
    assert client.get(reverse("mfa:security_credentials")).status_code == 200
    response = client.post(reverse("mfa:assign"), {"name": f"{user.name}-app"})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"]).content.decode()
    app = pyotp.TOTP(re.search(r'data-testid="secret">([A-Z2-7]+)<', page).group(1))
    at(T0 + 30)
    response = client.post(response["Location"], {"code1": app.at(T0), "code2": app.at(T0 + 30)})
    assert response.status_code == 302, error_text(response)
    assert VirtualMFADevice.objects.filter(user=user, confirmed=True).exists()

    # ... and everything else is a 403 that names the statement.
    for url in forbidden_pages(account_id):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "DenyAllExceptListedIfNoMFA" in response.content.decode(), url
    response = client.post(
        reverse("console:user_create", args=[account_id]), {"name": "mallory", "path": "/"}
    )
    assert response.status_code == 403
    home = client.get(reverse("console:home")).content.decode()
    assert 'data-testid="restricted"' in home and account_id not in home.split("<main")[1]

    # Signed in again, with MFA: read-only pages open, writes are implicitly denied.
    client.post(reverse("accounts:signout"))
    at(T0 + 600)
    signin_iam(client, "example-corp", user.name, password=NEW_PASSWORD)
    device = VirtualMFADevice.objects.get(user=user)
    response = client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 600)})
    assert response.status_code == 302
    home = client.get(reverse("console:home")).content.decode()
    assert 'data-testid="restricted"' not in home and account_id in home
    for name in ("console:account_detail", "console:user_list"):
        assert client.get(reverse(name, args=[account_id])).status_code == 200, name
    response = client.get(reverse("console:user_create", args=[account_id]))
    assert response.status_code == 403
    body = response.content.decode()
    assert "no identity-based policy allows it" in body and "DenyAllExcept" not in body


def test_the_seed_policy_verbatim(client, management_root, alice, at):
    user = make_user(management_root, "s-takahashi", seed_policy())
    walk_through(client, user, at)


def test_the_seed_policy_with_a_username_variable_serves_two_users(
    client, management_root, alice, at, client_factory
):
    document = seed_policy().replace(
        "arn:aws:iam::*:user/s-takahashi", "arn:aws:iam::*:user/${aws:username}"
    )
    assert "s-takahashi" not in document
    walk_through(client, make_user(management_root, "s-takahashi", document), at)
    at(T0)
    walk_through(client_factory(), make_user(management_root, "m-suzuki", document), at)


def test_the_seed_policy_does_not_let_one_user_manage_anothers_mfa(
    client, management_root, alice, at
):
    make_user(management_root, "s-takahashi", seed_policy())
    other = make_user(management_root, "k-tanaka", seed_policy())  # its statements name s-takahashi
    response = signin_iam(client, "example-corp", other.name)
    response = client.post(
        reverse("accounts:change_password"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302  # IAMUserChangePassword, given with "must change"
    response = client.get(reverse("mfa:assign"))
    assert response.status_code == 403  # the policy names s-takahashi only
