"""Every console URL that takes an object id, asked from the other side of a tenant boundary.

Add a new URL to ``OBJECT_URLS`` and it is covered: the principal of another
organization, and a member account's root asking about its management
account, must both get 404, for GET and POST alike, and nothing may change.
"""

import pytest
from django.urls import reverse

from identity.models import AuditEvent, User

pytestmark = pytest.mark.django_db

OBJECT_URLS = [
    ("console:account_detail", lambda account, user: [account.id]),
    ("console:user_list", lambda account, user: [account.id]),
    ("console:user_create", lambda account, user: [account.id]),
    ("console:user_detail", lambda account, user: [account.id, user.name]),
    ("console:user_delete", lambda account, user: [account.id, user.name]),
    ("console:audit_list", lambda account, user: [account.id]),
]

POST_BODIES = {
    "console:user_create": {"name": "intruder", "path": "/"},
    "console:user_delete": {"confirmation": "alice"},
}


def _urls(account, user):
    return [(name, reverse(name, args=args(account, user))) for name, args in OBJECT_URLS]


@pytest.fixture
def target(management_account, alice):
    return management_account, alice


@pytest.mark.parametrize(("name", "args"), OBJECT_URLS, ids=[name for name, _ in OBJECT_URLS])
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("intruder", ["other_root", "other_iam_user", "member_root"])
def test_other_tenants_get_404(
    client, request, target, name, args, method, intruder, other_organization
):
    account, user = target
    if intruder == "other_iam_user":
        from identity import services

        principal = services.iam_user_create(
            actor=None, account=other_organization.management_account, name="alice", password=None
        )
    else:
        principal = request.getfixturevalue(intruder)
    client.force_login(principal)
    events_before = AuditEvent.objects.count()

    url = reverse(name, args=args(account, user))
    response = getattr(client, method)(url, POST_BODIES.get(name, {}))

    assert response.status_code == 404, (intruder, url)
    body = response.content.decode()
    assert account.root_email not in body and user.arn not in body
    assert User.objects.filter(pk=user.pk).exists()
    assert not User.objects.filter(name="intruder").exists()
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(("name", "args"), OBJECT_URLS, ids=[name for name, _ in OBJECT_URLS])
def test_unknown_ids_are_404_not_500(client, management_root, name, args):
    client.force_login(management_root)

    class Missing:
        id = "000000000000"
        name = "nobody"

    assert client.get(reverse(name, args=args(Missing, Missing))).status_code == 404
    assert client.get(reverse(name, args=args(management_root.account, Missing))).status_code in (
        200,
        404,
    )


def test_management_root_reaches_member_accounts(
    client, management_root, member_account, make_iam_user
):
    user = make_iam_user(account=member_account, name="ops")
    client.force_login(management_root)
    for name, url in _urls(member_account, user):
        if name == "console:user_delete":
            continue
        assert client.get(url).status_code == 200, name


def test_member_root_reaches_only_its_own_account(
    client, member_root, member_account, make_iam_user
):
    user = make_iam_user(account=member_account, name="ops")
    client.force_login(member_root)
    for name, url in _urls(member_account, user):
        assert client.get(url).status_code == 200, name
    home = client.get(reverse("console:home")).content.decode()
    assert member_root.account_id in home
    assert member_account.organization.management_account_id not in home.split("<table")[1]
