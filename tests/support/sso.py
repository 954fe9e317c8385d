"""Helpers for the SSO directory: users, permission sets, the identity provider, portal sign-in;
and the fixtures ``sso_no_mfa`` and ``sam`` (offered by the sso and console conftests)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from sso import services
from sso.models import PermissionSet, SSOSettings
from tests.conftest import PASSWORD

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
IAM_READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"

# May look at everything in Identity Center and change nothing.
SSO_VIEW_ONLY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "sso:Describe*",
                    "sso:List*",
                    "identitystore:Describe*",
                    "identitystore:List*",
                ],
                "Resource": "*",
            }
        ],
    }
)


def make_sso_user(organization, name="sam", email=None, password=PASSWORD, reset=False):
    user = services.sso_user_create(
        actor=None,
        organization=organization,
        name=name,
        email=email or f"{name}@example.test",
        password=password,
    )
    if not reset:
        user.password_reset_required = False
        user.save(update_fields=["password_reset_required"])
    return user


def make_permission_set(organization, name="ReadOnly", managed=(IAM_READ_ONLY,), **fields):
    return services.permission_set_save(
        actor=None,
        permission_set=PermissionSet(
            organization=organization, name=name, managed_policy_arns=list(managed), **fields
        ),
    )


def make_idp(organization, issuer="https://idp.example.test", **fields):
    """The organization's external identity provider (not yet its identity source)."""
    values = {
        "name": "Example IdP",
        "client_id": "tobira",
        "client_secret": "client-secret-value",
        "match_by_email": False,
        "jit_provisioning": False,
        **fields,
    }
    return services.external_idp_put(actor=None, organization=organization, issuer=issuer, **values)


def set_sso(organization, **values):
    settings = services.settings_for(organization)
    for key, value in values.items():
        setattr(settings, key, value)
    settings.save()
    return settings


def signin_portal(client, organization, name="sam", password=PASSWORD, **extra):
    return client.post(
        reverse("sso:portal", args=[organization.pk]),
        {"user_name": name, "password": password},
        **extra,
    )


def open_console(client, organization, account, permission_set):
    return client.post(
        reverse("sso:open_console", args=[organization.pk]),
        {"account": account.pk, "permission_set": permission_set.pk},
    )


def in_management_console(client, organization, name, permission_set):
    """``client`` signed in to the portal as a new directory user ``name``, in a role session of
    the management account with ``permission_set`` (assigned to that user)."""
    user = make_sso_user(organization, name=name)
    services.assignment_create(
        actor=None,
        account=organization.management_account,
        permission_set=permission_set,
        user=user,
    )
    assert signin_portal(client, organization, name=name).status_code == 302
    response = open_console(client, organization, organization.management_account, permission_set)
    assert response.status_code == 302
    return user


@pytest.fixture
def sso_no_mfa(organization):
    """Most portal tests are about assignments: people without MFA devices may sign in."""
    return set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)


@pytest.fixture
def sam(organization):
    return make_sso_user(organization)
