"""A role session from the access portal uses the whole console of its account, and nothing
beyond it: every object URL of tests/console/test_tenancy.py, asked by role sessions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from identity.models import AuditEvent, User
from sso import services
from sso.models import SSOSettings
from tests.support.sso import (
    ADMIN,
    make_permission_set,
    make_sso_user,
    open_console,
    set_sso,
    signin_portal,
)
from tests.support.tenancy import OBJECT_URLS, POST_BODIES

pytestmark = pytest.mark.django_db


def role_client(client, organization, account, name="sam", managed=(ADMIN,)):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    user = make_sso_user(organization, name=name)
    ps = make_permission_set(organization, name=f"PS{name}", managed=list(managed))
    services.assignment_create(actor=None, account=account, permission_set=ps, user=user)
    signin_portal(client, organization, name=name)
    assert open_console(client, organization, account, ps).status_code == 302
    return client


@pytest.mark.parametrize(("name", "args"), OBJECT_URLS, ids=[name for name, _ in OBJECT_URLS])
def test_an_administrator_role_uses_every_page_of_its_account(
    client,
    organization,
    target,
    name,
    args,
):
    account, user = target
    role_client(client, organization, account)
    response = client.get(reverse(name, args=args(account, user)))
    assert response.status_code == 200, (name, response.status_code)


@pytest.mark.parametrize(("name", "args"), OBJECT_URLS, ids=[name for name, _ in OBJECT_URLS])
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("intruder", ["other_organization_role", "member_account_role"])
def test_role_sessions_elsewhere_get_404(
    client,
    organization,
    other_organization,
    member_account,
    target,
    name,
    args,
    method,
    intruder,
):
    account, user = target  # objects of the management account
    if intruder == "other_organization_role":
        role_client(client, other_organization, other_organization.management_account, name="tom")
    else:  # an administrator of the member account, from the same organization's portal
        role_client(client, organization, member_account, name="mel")
    events_before = AuditEvent.objects.count()
    body = POST_BODIES.get(name, {})
    response = getattr(client, method)(
        reverse(name, args=args(account, user)), body() if callable(body) else body
    )
    assert response.status_code == 404
    assert account.root_email not in response.content.decode()
    assert not User.objects.filter(name="intruder").exists()
    assert AuditEvent.objects.count() == events_before


def test_a_role_session_is_told_a_long_download_is_not_prepared_for_it(
    client, organization, monkeypatch
):
    """A background export is rebuilt later for the person who asked: not yet for a role
    session, which is told so (not a 500), and nothing is queued."""
    from console import lists
    from identity.exports.models import ExportJob

    account = organization.management_account
    role_client(client, organization, account)
    monkeypatch.setattr(lists, "INLINE_EXPORT_ROWS", 0)
    url = reverse("console:event_download_csv", args=[account.id])
    page = client.get(url).content.decode()
    assert "IAM users and root users only" in page and "Prepare the file" not in page
    response = client.post(url, {"export": "1"}, follow=True)
    assert response.status_code == 200
    assert "IAM users and root users only" in response.content.decode()
    assert not ExportJob.objects.exists()
