"""An administrator forgets a directory user's link to the external identity provider."""

from __future__ import annotations

import pytest
from django.urls import reverse

from identity.models import AuditEvent
from sso.models import ExternalIdentity
from tests.conftest import signin_root
from tests.support.sso import make_idp, make_sso_user

pytestmark = pytest.mark.django_db


def linked(organization, name="dana"):
    idp = make_idp(organization, match_by_email=True)
    user = make_sso_user(organization, name=name, password=None)
    identity = ExternalIdentity.objects.create(
        provider=idp, user=user, issuer=idp.issuer, subject=f"sub-{name}"
    )
    return user, identity


def test_unlink_with_confirmation_and_an_audit_event(client, organization, management_root):
    user, identity = linked(organization)
    signin_root(client, management_root.account.root_email)
    detail = client.get(reverse("console:sso_user_detail", args=[user.unique_id])).content.decode()
    unlink = reverse("console:sso_user_identity_unlink", args=[user.unique_id, identity.pk])
    assert unlink in detail and "sub-dana" in detail
    page = client.get(unlink).content.decode()
    assert "Unlink dana from the identity provider?" in page
    assert ExternalIdentity.objects.exists()  # a GET changes nothing
    response = client.post(unlink)
    assert response["Location"] == reverse("console:sso_user_detail", args=[user.unique_id])
    assert not ExternalIdentity.objects.exists()
    event = AuditEvent.objects.get(event_name="UnlinkExternalIdentity")
    assert event.request_parameters["subject"] == "sub-dana"
    assert event.recipient_account_id == organization.management_account_id


def test_other_organizations_and_member_accounts_get_404(
    client, organization, other_organization, other_root, member_root
):
    user, identity = linked(organization)
    _their_user, their_identity = linked(other_organization, name="tom")
    unlink = reverse("console:sso_user_identity_unlink", args=[user.unique_id, identity.pk])
    for principal in (other_root, member_root):
        client.force_login(principal)
        assert client.get(unlink).status_code == 404
        assert client.post(unlink).status_code == 404
    # Another user's identity id under this user's URL: 404 as well.
    signin_root(client, organization.management_account.root_email)
    crossed = reverse("console:sso_user_identity_unlink", args=[user.unique_id, their_identity.pk])
    assert client.post(crossed).status_code == 404
    assert ExternalIdentity.objects.count() == 2
