"""Permissions boundaries in the console: set, change and remove one on the user page, a new
user with one, the pages that name the boundary when it is what refused (the 403, the simulator,
the effective permissions), a policy's page listing who uses it as a boundary and its deletion
refused meanwhile, and AWS's delegation example through the console's forms."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from identity import arns, services
from identity.models import AuditEvent, CustomerPolicy, PolicyAttachment, User
from identity.policies import services as policies
from tests.conftest import error_text, unwrap_arns
from tests.support.boundaries import NO_DELETES, delegation

pytestmark = pytest.mark.django_db

ADMIN = arns.aws_managed_policy("AdministratorAccess")
READ_ONLY = arns.aws_managed_policy("IAMReadOnlyAccess")


@pytest.fixture
def admin(client, management_root):
    client.force_login(management_root)
    return client


def url(name, user, *more):
    return reverse(name, args=[user.account_id, user.name, *more])


def text(response) -> str:
    html = unwrap_arns(response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def options(response, field="permissions_boundary") -> list[str]:
    """The values a select offers."""
    html = response.content.decode()
    select = re.search(rf'<select name="{field}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"', select)


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def dana(make_iam_user):
    """AdministratorAccess, and nothing else."""
    user = make_iam_user(name="dana", self_service=False)
    policies.policy_attach(actor=None, account=user.account, policy_arn=ADMIN, user=user)
    return user


# --- The user page ----------------------------------------------------------------------------


def test_the_user_page_sets_changes_and_removes_the_boundary(admin, alice, management_root):
    own = policies.customer_policy_create(
        actor=None,
        account=alice.account,
        name="TeamBoundary",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            }
        ),
    )
    page = admin.get(url("console:user_detail", alice))
    assert "No permissions boundary" in text(page)
    assert url("console:user_permissions_boundary", alice) in page.content.decode()

    form = admin.get(url("console:user_permissions_boundary", alice))
    assert form.status_code == 200
    assert options(form) == ["", own.arn, *[p for p in options(form) if "aws:policy" in p]]
    assert READ_ONLY in options(form)

    response = admin.post(
        url("console:user_permissions_boundary", alice), {"permissions_boundary": own.arn}
    )
    assert response.status_code == 302
    assert fresh(alice).permissions_boundary == own.arn
    page = text(admin.get(url("console:user_detail", alice), follow=True))
    assert "The permissions boundary of alice is now TeamBoundary." in page
    assert "TeamBoundary" in page and own.arn in page

    admin.post(url("console:user_permissions_boundary", alice), {"permissions_boundary": READ_ONLY})
    assert fresh(alice).permissions_boundary == READ_ONLY

    # Removal asks first: the GET only shows what it would do.
    confirm = admin.get(url("console:user_permissions_boundary_delete", alice))
    assert "Remove the permissions boundary of alice?" in text(confirm)
    assert fresh(alice).permissions_boundary == READ_ONLY
    response = admin.post(url("console:user_permissions_boundary_delete", alice))
    assert response.status_code == 302
    assert fresh(alice).permissions_boundary == ""
    events = AuditEvent.objects.filter(event_name__endswith="UserPermissionsBoundary")
    assert sorted(e.event_name for e in events) == [
        "DeleteUserPermissionsBoundary",
        "PutUserPermissionsBoundary",
        "PutUserPermissionsBoundary",
    ]


def test_a_boundary_is_one_of_the_account_s_policies(
    admin, alice, other_organization, member_account
):
    """Another account's customer policy is not a choice: the form refuses it."""
    theirs = policies.customer_policy_create(
        actor=None,
        account=other_organization.management_account,
        name="Theirs",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"},
            }
        ),
    )
    response = admin.post(
        url("console:user_permissions_boundary", alice), {"permissions_boundary": theirs.arn}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert fresh(alice).permissions_boundary == ""
    assert theirs.arn not in options(admin.get(url("console:user_permissions_boundary", alice)))


def test_another_account_cannot_reach_a_user_s_boundary(client, alice, other_root, member_root):
    services.user_permissions_boundary_put(actor=None, user=alice, policy_arn=READ_ONLY)
    for intruder in (other_root, member_root):
        client.force_login(intruder)
        for name in (
            "console:user_permissions_boundary",
            "console:user_permissions_boundary_delete",
        ):
            assert client.get(url(name, alice)).status_code == 404
        assert (
            client.post(
                url("console:user_permissions_boundary", alice), {"permissions_boundary": ADMIN}
            ).status_code
            == 404
        )
        assert (
            client.post(url("console:user_permissions_boundary_delete", alice)).status_code == 404
        )
    assert fresh(alice).permissions_boundary == READ_ONLY


def test_a_new_user_may_get_a_boundary(admin, management_account):
    form = admin.get(reverse("console:user_create", args=[management_account.id]))
    assert options(form)[0] == ""  # no boundary, first: a boundary is optional
    response = admin.post(
        reverse("console:user_create", args=[management_account.id]),
        {"name": "nikhil", "console_access": "", "permissions_boundary": READ_ONLY},
    )
    assert response.status_code == 302
    assert User.objects.get(name="nikhil").permissions_boundary == READ_ONLY


# --- Refusals that name the boundary ------------------------------------------------------------


def test_a_boundary_narrower_than_administrator_access_refuses_and_says_so(
    admin, client_factory, dana, management_account
):
    services.user_permissions_boundary_put(actor=None, user=dana, policy_arn=READ_ONLY)
    browser = client_factory()
    browser.force_login(dana)

    users = browser.get(reverse("console:user_list", args=[management_account.id]))
    assert users.status_code == 200  # iam:ListUsers: both allow
    assert (
        reverse("console:user_create", args=[management_account.id]) not in users.content.decode()
    )
    refused = browser.get(reverse("console:user_create", args=[management_account.id]))
    assert refused.status_code == 403
    assert "the permissions boundary IAMReadOnlyAccess does not allow it" in text(refused)
    refused = browser.post(
        reverse("console:user_create", args=[management_account.id]),
        {"name": "eve", "console_access": ""},
    )
    assert refused.status_code == 403
    assert not User.objects.filter(name="eve").exists()

    simulated = admin.get(
        reverse("console:simulator", args=[management_account.id]),
        {"user": "dana", "actions": "iam:CreateUser\niam:ListUsers", "resource": "*"},
    )
    rows = re.findall(r'<td data-testid="decided-by">([^<]*)</td>', simulated.content.decode())
    assert rows == [
        "Permissions boundary IAMReadOnlyAccess",
        "Identity-based policy AdministratorAccess",
    ]
    assert "the permissions boundary IAMReadOnlyAccess does not allow it" in text(simulated)

    permissions = admin.get(url("console:user_permissions", dana))
    page = text(permissions)
    assert "Capped by the permissions boundary IAMReadOnlyAccess." in page
    cells = re.findall(r'<td data-testid="decided-by">([^<]*)</td>', permissions.content.decode())
    assert "Permissions boundary IAMReadOnlyAccess" in cells


def test_an_explicit_deny_in_a_boundary_wins(
    admin, client_factory, dana, alice, management_account
):
    no_deletes = policies.customer_policy_create(
        actor=None,
        account=management_account,
        name="NoDeletes",
        document=NO_DELETES,
    )
    services.user_permissions_boundary_put(actor=None, user=dana, policy_arn=no_deletes.arn)
    browser = client_factory()
    browser.force_login(dana)
    refused = browser.post(url("console:user_delete", alice), {"confirmation": "alice"})
    assert refused.status_code == 403
    assert "explicitly denied by statement NoDeletes of permissions boundary NoDeletes" in text(
        refused
    )
    assert User.objects.filter(pk=alice.pk).exists()
    simulated = admin.get(
        reverse("console:simulator", args=[management_account.id]),
        {"user": "dana", "actions": "iam:DeleteUser", "resource": alice.arn},
    ).content.decode()
    assert '<td data-testid="decided-by">Permissions boundary NoDeletes</td>' in simulated


def test_a_deny_conditioned_on_the_boundary_keeps_it_on_the_user(
    client_factory, dana, alice, management_account
):
    """Removing a boundary is asked with that boundary as ``iam:PermissionsBoundary``, as the
    API asks it: a Deny conditioned on it refuses the page (and hides its button)."""
    guarded = policies.customer_policy_create(
        actor=None,
        account=management_account,
        name="Guarded",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            }
        ),
    )
    policies.inline_policy_put(
        actor=None,
        user=dana,
        name="KeepTheGuardedBoundary",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Sid": "KeepGuarded",
                    "Effect": "Deny",
                    "Action": "iam:DeleteUserPermissionsBoundary",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"iam:PermissionsBoundary": guarded.arn}},
                },
            }
        ),
    )
    services.user_permissions_boundary_put(actor=None, user=alice, policy_arn=guarded.arn)
    browser = client_factory()
    browser.force_login(dana)
    remove_url = url("console:user_permissions_boundary_delete", alice)
    assert remove_url not in browser.get(url("console:user_detail", alice)).content.decode()
    assert browser.get(remove_url).status_code == 403
    refused = browser.post(remove_url)
    assert refused.status_code == 403
    assert "explicitly denied by statement KeepGuarded" in text(refused)
    assert fresh(alice).permissions_boundary == guarded.arn

    # Another boundary is no concern of that Deny.
    services.user_permissions_boundary_put(actor=None, user=alice, policy_arn=READ_ONLY)
    assert remove_url in browser.get(url("console:user_detail", alice)).content.decode()
    assert browser.post(remove_url).status_code == 302
    assert fresh(alice).permissions_boundary == ""


# --- A policy used as a boundary ----------------------------------------------------------------


def test_a_policy_s_page_lists_its_boundary_users_and_it_is_not_deleted_meanwhile(
    admin, alice, management_account
):
    policy = policies.customer_policy_create(
        actor=None,
        account=management_account,
        name="TeamBoundary",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            }
        ),
    )
    services.user_permissions_boundary_put(actor=None, user=alice, policy_arn=policy.arn)
    detail = admin.get(
        reverse("console:policy_detail", args=[management_account.id, "TeamBoundary"])
    )
    assert re.search(r'data-testid="boundary-users">.*alice', detail.content.decode(), re.S)
    aws = admin.get(
        reverse("console:aws_policy_detail", args=[management_account.id, "IAMReadOnlyAccess"])
    )
    assert "No user has this policy as their permissions boundary." in text(aws)

    delete_url = reverse("console:policy_delete", args=[management_account.id, "TeamBoundary"])
    assert "This policy is in use." in text(admin.get(delete_url))
    refused = admin.post(delete_url, {"confirmation": "TeamBoundary"})
    assert refused.status_code == 200
    assert error_text(refused) == (
        "The policy is the permissions boundary of 1 user: remove it from that user before you "
        "delete the policy."
    )
    assert CustomerPolicy.objects.filter(pk=policy.pk).exists()

    services.user_permissions_boundary_delete(actor=None, user=alice)
    deleted = admin.post(delete_url, {"confirmation": "TeamBoundary"})
    assert deleted.status_code == 302
    assert not CustomerPolicy.objects.filter(pk=policy.pk).exists()


# --- AWS's delegation example, in the console ----------------------------------------------------


def test_aws_delegation_example_in_the_console(client, management_account, management_root):
    zhang, x_company, delegated_boundary = delegation(management_account, management_root)
    client.force_login(zhang)
    create_url = reverse("console:user_create", args=[management_account.id])

    # Zhang may create users, with XCompanyBoundaries only: the form offers that one alone.
    users = client.get(reverse("console:user_list", args=[management_account.id]))
    assert create_url in users.content.decode()
    form = client.get(create_url)
    assert form.status_code == 200
    assert options(form) == [x_company]
    assert 'data-testid="boundary-required"' in form.content.decode()

    # He forgets the boundary, or picks another: refused, and the page says why.
    for chosen in ("", READ_ONLY, delegated_boundary):
        refused = client.post(
            create_url, {"name": "Nikhil", "console_access": "", "permissions_boundary": chosen}
        )
        assert refused.status_code == 403, chosen
        page = text(refused)
        assert "the permissions boundary DelegatedUserBoundary does not allow it" in page
        assert "only with a particular permissions boundary" in page
    assert not User.objects.filter(name="Nikhil").exists()

    created = client.post(
        create_url,
        {
            "name": "Nikhil",
            "console_access": "on",
            "password_kind": "autogenerated",
            "permissions_boundary": x_company,
        },
    )
    assert created.status_code == 302
    nikhil = User.objects.get(name="Nikhil")
    assert nikhil.permissions_boundary == x_company
    # The generated password is shown once: asked as it was created, with its boundary.
    shown = client.get(created["Location"])
    assert shown.status_code == 200
    assert 'data-testid="generated-password"' in shown.content.decode()

    # He manages the policies of a user with that boundary, not of one without.
    mateo = services.iam_user_create(actor=None, account=management_account, name="Mateo")
    attached = client.post(url("console:user_permissions", nikhil), {"policy_arn": READ_ONLY})
    assert attached.status_code == 302
    assert (
        client.post(url("console:user_permissions", mateo), {"policy_arn": READ_ONLY}).status_code
        == 403
    )

    # He may give Mateo that boundary, and only it; he never removes one.
    assert options(client.get(url("console:user_permissions_boundary", mateo))) == ["", x_company]
    assert (
        client.post(
            url("console:user_permissions_boundary", mateo), {"permissions_boundary": READ_ONLY}
        ).status_code
        == 403
    )
    client.post(
        url("console:user_permissions_boundary", mateo), {"permissions_boundary": x_company}
    )
    assert fresh(mateo).permissions_boundary == x_company
    detail = client.get(url("console:user_detail", nikhil)).content.decode()
    assert url("console:user_permissions_boundary_delete", nikhil) not in detail
    for user in (nikhil, zhang):
        refused = client.post(url("console:user_permissions_boundary_delete", user))
        assert refused.status_code == 403
        assert "explicitly denied by statement NoBoundaryUserDelete" in text(refused)
    assert fresh(nikhil).permissions_boundary == x_company
    assert fresh(zhang).permissions_boundary == delegated_boundary


def test_effective_permissions_say_an_action_is_allowed_only_under_conditions(
    client, management_account, management_root
):
    """The table asks without a request's context, so Zhang's CreateUser (allowed only with
    XCompanyBoundaries as the new user's boundary) is not a plain "Denied": the row says which
    condition keys would allow it. MFA keys stay the MFA column's business."""
    zhang, _x_company, _boundary = delegation(management_account, management_root)
    client.force_login(management_root)
    page = client.get(url("console:user_permissions", zhang))
    assert page.status_code == 200
    html = page.content.decode()
    row = re.search(r"<tr>\s*<td><code>iam:CreateUser</code>.*?</tr>", html, re.S).group(0)
    assert 'data-testid="conditional"' in row
    assert "iam:PermissionsBoundary" in text_of(row)
    assert "Only when the request meets conditions on" in text_of(row)
    # A row no Allow statement names stays a plain Denied, with no conditions.
    row = re.search(r"<tr>\s*<td><code>iam:DeleteUser</code>.*?</tr>", html, re.S).group(0)
    assert 'data-testid="conditional"' not in row


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unwrap_arns(html)))


def test_must_create_a_new_password_is_the_attach_it_takes(
    client, management_account, make_iam_user
):
    """The box attaches IAMUserChangePassword, as AWS's console does with the caller's rights:
    an administrator who may create users and passwords but attach nothing is told on the box,
    what was typed kept, and nothing is created; unticked, the user is created."""
    make_iam_user(
        name="hr",
        self_service=False,
        inline={
            "users-only": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": [
                                "iam:ListUsers",
                                "iam:GetUser",
                                "iam:CreateUser",
                                "iam:CreateLoginProfile",
                                "iam:UpdateLoginProfile",
                            ],
                            "Resource": "*",
                        }
                    ],
                }
            )
        },
    )
    from tests.conftest import signin_iam

    signin_iam(client, "example-corp", "hr")
    create_url = reverse("console:user_create", args=[management_account.id])
    body = {
        "name": "Nikhil",
        "console_access": "on",
        "password_kind": "autogenerated",
        "password_reset_required": "on",
    }
    refused = client.post(create_url, body)
    assert refused.status_code == 200
    assert "you may not attach it" in text(refused)
    assert 'value="Nikhil"' in refused.content.decode()
    assert not User.objects.filter(name="Nikhil").exists()

    created = client.post(create_url, {**body, "password_reset_required": ""})
    assert created.status_code == 302
    nikhil = User.objects.get(name="Nikhil")
    assert not nikhil.password_reset_required
    assert not PolicyAttachment.objects.filter(user=nikhil).exists()

    # A new password for him, with the box: refused the same way; the old one stays.
    access = url("console:user_console_access", nikhil)
    before = nikhil.password
    refused = client.post(
        access,
        {"console_access": "on", "password_kind": "autogenerated", "password_reset_required": "on"},
    )
    assert refused.status_code == 200 and "you may not attach it" in text(refused)
    assert fresh(nikhil).password == before
