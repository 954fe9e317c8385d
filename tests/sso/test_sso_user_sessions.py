"""A directory user disabled or deleted by an administrator is signed out of every browser at
once (its browser sessions end, as an IAM user's do when deleted)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from identity.models import AuditEvent, BrowserSession
from sso import services
from tests.support.sso import make_sso_user, set_sso, signin_portal

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, organization):
    from sso.models import SSOSettings

    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    sam = make_sso_user(organization)
    assert signin_portal(client, organization).status_code == 302
    portal = reverse("sso:portal", args=[organization.pk])
    assert client.get(portal).context["principal"] == sam
    return sam, portal


@pytest.mark.parametrize("change", ["disable", "delete"])
def test_a_disabled_or_deleted_directory_user_is_signed_out(
    client, organization, management_root, signed_in, change
):
    sam, portal = signed_in
    assert BrowserSession.objects.filter(user=sam).count() == 1
    if change == "disable":
        services.sso_user_set_active(actor=management_root, user=sam, active=False)
    else:
        services.sso_user_delete(actor=management_root, user=sam)
    assert not BrowserSession.objects.filter(user_id=sam.pk).exists()
    assert not Session.objects.exists()
    assert client.get(portal).context["principal"] is None
    event = AuditEvent.objects.get(event_name="EndUserSessions")
    assert event.response_elements["sessionsEnded"] == 1
    assert event.additional_event_data["reason"] == (
        "UserDisabled" if change == "disable" else "UserDeleted"
    )
