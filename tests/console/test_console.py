import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from identity import arns, services
from identity.models import Account, AuditEvent, Organization, User
from tests.conftest import PASSWORD, root_of, signin_iam

pytestmark = pytest.mark.django_db


def test_organization_is_created_with_management_account_and_root_user(organization):
    assert re.fullmatch(r"o-[a-z0-9]{10}", organization.id)
    account = organization.management_account
    assert re.fullmatch(r"\d{12}", account.id)
    assert account.is_management_account
    root = root_of(account)
    assert root.arn == f"arn:aws:iam::{account.id}:root"
    assert root.is_root and root.email == "root@example.test"
    assert root.check_password(PASSWORD)
    assert AuditEvent.objects.filter(
        event_name="CreateOrganization", recipient_account_id=account.id
    ).exists()


def test_arns_carry_the_path(management_account):
    user = services.iam_user_create(
        actor=None, account=management_account, name="deploy", path="/ci/robots/"
    )
    assert user.arn == f"arn:aws:iam::{management_account.id}:user/ci/robots/deploy"
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", user.unique_id)
    assert not user.has_usable_password()


def test_signup_creates_an_organization_and_signs_in(client):
    response = client.post(
        reverse("signup"),
        {
            "organization_name": "Acme",
            "account_name": "Acme management",
            "root_email": "owner@acme.test",
            "alias": "Acme-Main",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    account = Account.objects.get(root_email="owner@acme.test")
    assert account.alias == "acme-main"
    assert Organization.objects.get(management_account=account).name == "Acme"
    assert client.get(reverse("console:home")).status_code == 200


def test_signup_refuses_taken_email_and_alias_without_losing_input(client, organization):
    response = client.post(
        reverse("signup"),
        {
            "organization_name": "Copycat",
            "account_name": "Copycat management",
            "root_email": "ROOT@example.test",
            "alias": "example-corp",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "An account with this email address already exists." in body
    assert 'value="Copycat"' in body
    assert Organization.objects.count() == 1


def test_signup_can_be_turned_off(client, settings):
    settings.SIGNUP_ENABLED = False
    assert client.get(reverse("signup")).status_code == 404


def test_management_root_adds_a_member_account(client, organization, management_root):
    client.force_login(management_root)
    response = client.post(
        reverse("console:account_create"),
        {
            "name": "Staging",
            "root_email": "staging@example.test",
            "alias": "",
            "contact_phone": "+81312345678",
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 302
    account = Account.objects.get(root_email="staging@example.test")
    assert account.organization == organization and not account.is_management_account
    assert not root_of(account).has_usable_password()  # as AWS: the owner of the address sets it
    assert client.get(reverse("console:account_detail", args=[account.id])).status_code == 200
    home = client.get(reverse("console:home")).content.decode()
    assert account.id in home


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_phone", "03-1234-5678", "E.164"),
        ("alias", "-bad-", "An alias has 3 to 63 characters"),
        ("alias", "123456789012", "An alias has 3 to 63 characters"),
        ("root_email", "root@example.test", "An account with this email address already exists."),
    ],
)
def test_account_create_validates(client, management_root, field, value, message):
    client.force_login(management_root)
    data = {
        "name": "X",
        "root_email": "x@example.test",
        "alias": "",
        "contact_phone": "",
        "password1": "",
        "password2": "",
    }
    data[field] = value
    response = client.post(reverse("console:account_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Account.objects.count() == 1


def test_member_account_root_cannot_add_accounts(client, member_root):
    client.force_login(member_root)
    response = client.get(reverse("console:account_create"))
    assert response.status_code == 403
    assert "organizations:CreateAccount" in response.content.decode()


def test_iam_user_sees_an_explained_403_on_admin_pages(client, alice):
    signin_iam(client, "example-corp", "alice")
    response = client.get(reverse("console:user_list", args=[alice.account_id]))
    assert response.status_code == 403
    body = response.content.decode()
    assert "iam:ListUsers" in body
    assert "no identity-based policy allows it" in body


def test_create_user_with_custom_password(client, management_root):
    client.force_login(management_root)
    account = management_root.account
    response = client.post(
        reverse("console:user_create", args=[account.id]),
        {
            "name": "carol",
            "path": "/",
            "console_access": "on",
            "password_kind": "custom",
            "password": PASSWORD,
            "password_reset_required": "on",
        },
    )
    assert response.status_code == 302
    carol = User.objects.get(account=account, name="carol")
    assert carol.password_reset_required and carol.check_password(PASSWORD)
    names = list(
        AuditEvent.objects.filter(recipient_account_id=account.id).values_list(
            "event_name", flat=True
        )
    )
    assert "CreateUser" in names and "CreateLoginProfile" in names
    assert "SSO" in client.get(reverse("console:user_create", args=[account.id])).content.decode()


def test_create_user_with_generated_password_shows_it_once(client, management_root):
    client.force_login(management_root)
    account = management_root.account
    response = client.post(
        reverse("console:user_create", args=[account.id]),
        {
            "name": "dave",
            "path": "/",
            "console_access": "on",
            "password_kind": "autogenerated",
            "password_reset_required": "on",
        },
    )
    assert response.status_code == 302  # to the one-time page: a reload posts nothing again
    response = client.get(response.url)
    assert "no-store" in response["Cache-Control"]
    password = re.search(
        r'data-testid="generated-password">([^<]+)<', response.content.decode()
    ).group(1)
    from html import unescape

    dave = User.objects.get(account=account, name="dave")
    assert dave.check_password(unescape(password))
    assert dave.password_reset_required
    assert (
        unescape(password)
        not in client.get(
            reverse("console:user_detail", args=[account.id, "dave"])
        ).content.decode()
    )


def test_create_user_errors_keep_the_input(client, management_root, make_iam_user, member_account):
    make_iam_user(name="Erin", password=None)
    client.force_login(management_root)
    url = reverse("console:user_create", args=[management_root.account_id])
    response = client.post(url, {"name": "erin", "path": "/team/", "console_access": ""})
    body = response.content.decode()
    assert "A user with this name already exists in this account." in body
    assert 'value="/team/"' in body

    response = client.post(url, {"name": "bad name!", "path": "/"})
    assert "Use 1 to 64 characters: ASCII letters" in response.content.decode()

    response = client.post(url, {"name": "frank", "path": "no-slashes"})
    assert "A path starts and ends with a slash" in response.content.decode()

    response = client.post(
        url, {"name": "gina", "path": "/", "console_access": "on", "password_kind": "custom"}
    )
    assert "Enter the custom password" in response.content.decode()

    response = client.post(
        url,
        {
            "name": "hank",
            "path": "/",
            "console_access": "on",
            "password_kind": "custom",
            "password": "abc",
        },
    )
    assert "This password is too short." in response.content.decode()
    assert not User.objects.filter(name__in=["frank", "gina", "hank"]).exists()

    # The same name is free in another account.
    services.iam_user_create(actor=None, account=member_account, name="erin")


def test_user_list_is_searchable_and_paginated(client, management_root, make_iam_user):
    for index in range(30):
        make_iam_user(name=f"robot-{index:02d}", password=None, path="/robots/")
    make_iam_user(name="zed", password=None)
    client.force_login(management_root)
    url = reverse("console:user_list", args=[management_root.account_id])
    first = client.get(url).content.decode()
    assert "robot-00" in first and "robot-24" in first and "robot-25" not in first
    assert "Page 1 of 2" in first
    second = client.get(url + "?page=2").content.decode()
    assert "robot-25" in second and "zed" in second
    assert client.get(url + "?page=999").status_code == 200  # out of range: last page, not a crash
    found = client.get(url + "?q=ZED").content.decode()
    assert "zed" in found and "robot-01" not in found
    assert "No users match your search." in client.get(url + "?q=nobody").content.decode()


def _user_list_queries(client, account) -> int:
    url = reverse("console:user_list", args=[account.id])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_user_list_query_count_does_not_grow_with_users(
    client, management_root, django_assert_max_num_queries
):
    account = management_root.account
    client.force_login(management_root)
    User.objects.bulk_create(
        User(
            kind="iam",
            account=account,
            name=f"u{i:03d}",
            arn=arns.user(account.id, "/", f"u{i:03d}"),
        )
        for i in range(10)
    )
    with_ten = _user_list_queries(client, account)
    User.objects.bulk_create(
        User(
            kind="iam",
            account=account,
            name=f"v{i:03d}",
            arn=arns.user(account.id, "/", f"v{i:03d}"),
        )
        for i in range(190)
    )
    with_two_hundred = _user_list_queries(client, account)
    assert with_ten == with_two_hundred
    with django_assert_max_num_queries(with_ten):
        client.get(reverse("console:user_list", args=[account.id]) + "?page=3")


def test_console_home_query_count_does_not_grow_with_accounts(
    client, organization, management_root
):
    client.force_login(management_root)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("console:home"))
    for index in range(12):
        services.account_create(
            actor=management_root,
            organization=organization,
            name=f"A{index}",
            root_email=f"a{index}@example.test",
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("console:home")).status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)


def test_delete_user_asks_for_confirmation(client, management_root, alice):
    client.force_login(management_root)
    url = reverse("console:user_delete", args=[alice.account_id, "alice"])
    page = client.get(url).content.decode()
    assert "Deleting a user is permanent." in page
    response = client.post(url, {"confirmation": "alicia"})
    assert "The name you entered does not match." in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()

    response = client.post(url, {"confirmation": "alice"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()
    event = AuditEvent.objects.get(event_name="DeleteUser")
    assert event.request_parameters == {"userName": "alice"}
    assert (
        client.get(reverse("console:user_detail", args=[alice.account_id, "alice"])).status_code
        == 404
    )


def test_event_history_lists_the_accounts_events(client, management_root, alice):
    client.force_login(management_root)
    body = client.get(
        reverse("console:audit_list", args=[management_root.account_id])
    ).content.decode()
    assert "CreateUser" in body and "CreateOrganization" in body


def test_admin_resets_a_console_password_and_the_users_sessions_end(
    client, management_root, alice, mailoutbox, django_capture_on_commit_callbacks
):
    from django.test import Client

    alice_client = Client()
    signin_iam(alice_client, "example-corp", "alice")
    assert alice_client.get(reverse("mfa:security_credentials")).status_code == 200

    client.force_login(management_root)
    url = reverse("console:user_console_access", args=[alice.account_id, "alice"])
    assert "Manage console access" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "console_access": "on",
                "password_kind": "custom",
                "password": "Reset-By-Admin-2026",
                "password_reset_required": "on",
            },
        )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("Reset-By-Admin-2026") and alice.password_reset_required
    assert alice_client.get(reverse("mfa:security_credentials")).status_code == 302  # signed out
    assert [m.to for m in mailoutbox] == [["alice@example.test"]]
    assert AuditEvent.objects.filter(event_name="UpdateLoginProfile").count() == 1


def test_admin_disables_console_access(client, management_root, alice):
    client.force_login(management_root)
    url = reverse("console:user_console_access", args=[alice.account_id, "alice"])
    response = client.post(url, {"password_kind": "autogenerated"})  # console_access unchecked
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.has_usable_password()
    assert AuditEvent.objects.filter(event_name="DeleteLoginProfile").count() == 1
    client.logout()
    assert signin_iam(client, "example-corp", "alice").status_code == 200  # refused, generically

    client.force_login(management_root)
    response = client.post(url, {"console_access": "on", "password_kind": "autogenerated"})
    assert response.status_code == 302  # to the one-time page
    assert "no-store" in client.get(response.url)["Cache-Control"]
    assert AuditEvent.objects.filter(
        event_name="CreateLoginProfile", request_parameters__userName="alice"
    ).exists()
    response = client.post(
        url, {"console_access": "on", "password_kind": "custom", "password": "alice"}
    )
    assert "This password is too short." in response.content.decode()


def test_page_titles_are_plain_text(client, management_root, alice):
    client.force_login(management_root)
    account = management_root.account_id
    for url in (
        reverse("console:home"),
        reverse("mfa:security_credentials"),
        reverse("console:user_list", args=[account]),
        reverse("console:user_detail", args=[account, "alice"]),
        reverse("mfa:assign"),
    ):
        title = re.search(r"<title>(.*?)</title>", client.get(url).content.decode(), re.S).group(1)
        assert "<" not in title and title.strip().endswith("· Tobira"), (url, title)


def test_console_home_counts_each_accounts_iam_users(
    client, management_root, management_account, member_account, make_iam_user
):
    """Per account, its IAM users only (not its root user, not another account's users)."""
    make_iam_user(name="alice")
    make_iam_user(name="bob")
    make_iam_user(account=member_account, name="carol")
    client.force_login(management_root)
    accounts = client.get(reverse("console:home")).context["page"]
    assert {account.id: account.user_count for account in accounts} == {
        management_account.id: 2,
        member_account.id: 1,
    }
