"""The organization's structure through the console: the tree, creating, nesting, renaming,
deleting OUs and moving accounts; SCPs on OUs; the tenant boundary from the other side."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from identity import ids, services
from identity import organization_units as structure
from identity.models import Account, AuditEvent, OrganizationalUnit, SCPAttachment
from identity.policies import catalog
from identity.policies import services as policies
from tests.conftest import PASSWORD, error_text, scp_detach_url, signin_iam, unwrap_arns

pytestmark = pytest.mark.django_db

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ORGANIZATIONS_FULL_ACCESS = "arn:aws:iam::aws:policy/AWSOrganizationsFullAccess"
TREE = reverse("console:organization_structure")
SCPS = reverse("console:scp_list")


def document(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def admin(client, management_root):
    client.force_login(management_root)
    return client


@pytest.fixture
def make_unit(organization, management_root):
    def make(name, parent=None, org=None):
        return structure.organizational_unit_create(
            actor=management_root, organization=org or organization, parent=parent, name=name
        )

    return make


def root_id(organization) -> str:
    return ids.organization_root_id(organization.pk)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def node(page: str, node_id: str) -> str:
    """The HTML of one node's own row on the tree (not its children's)."""
    match = re.search(rf'data-node="{node_id}">\s*<div class="org-row">(.*?)</div>', page, re.S)
    assert match, node_id
    return match.group(1)


def account_row(page: str, account_id: str) -> str:
    match = re.search(
        rf'data-account="{account_id}">\s*<div class="org-row">(.*?)</div>', page, re.S
    )
    assert match, account_id
    return match.group(1)


# --- The tree -------------------------------------------------------------------------------


def test_the_tree_nests_ous_and_accounts_with_their_scps(
    admin, organization, management_root, member_account, make_unit
):
    engineering = make_unit("Engineering")
    platform = make_unit("Platform", parent=engineering)
    make_unit("Sales")
    structure.account_move(actor=management_root, account=member_account, destination=platform)
    guard = policies.scp_create(
        actor=None,
        organization=organization,
        name="no-new-users",
        document=document({"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}),
    )
    policies.scp_attach(
        actor=None, organization=organization, policy_arn=guard.arn, organizational_unit=engineering
    )

    response = admin.get(TREE)
    assert response.status_code == 200
    page = response.content.decode()
    # Nesting: the root's list holds Engineering (and Sales), Engineering's holds Platform,
    # Platform's holds the member account; the management account stays under the root.
    root_part = page.split(f'data-node="{root_id(organization)}"', 1)[1]
    engineering_part = root_part.split(f'data-node="{engineering.pk}"', 1)[1]
    platform_part = engineering_part.split(f'data-node="{platform.pk}"', 1)[1]
    assert f'data-account="{member_account.pk}"' in platform_part
    assert f'data-account="{member_account.pk}"' not in root_part.split(engineering.pk)[0]
    assert page.index('data-node="' + engineering.pk) < page.index("Sales")  # by name
    assert "no-new-users" in node(page, engineering.pk)
    assert "FullAWSAccess" in node(page, engineering.pk)  # made explicit by the attach
    assert "FullAWSAccess" in node(page, platform.pk) and "no-new-users" not in node(
        page, platform.pk
    )
    assert "SCPs do not apply" in account_row(page, organization.management_account_id)
    # Actions: an OU with something in it offers no Delete; an empty one does.
    assert "Delete" not in node(page, engineering.pk)
    assert reverse("console:organizational_unit_delete", args=[platform.pk]) not in page
    sales = OrganizationalUnit.objects.get(name="Sales")
    assert reverse("console:organizational_unit_delete", args=[sales.pk]) in page
    assert reverse("console:account_move", args=[member_account.pk]) in page
    # A parent's page shows what applies from above it too.
    inherited = re.search(
        r'data-testid="inherited">(.*?)</dd>',
        admin.get(reverse("console:organization_parent", args=[platform.pk])).content.decode(),
        re.S,
    )[1]
    inherited = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inherited))
    assert "Root: FullAWSAccess" in inherited
    assert "Engineering: FullAWSAccess no-new-users" in inherited


def test_a_parent_at_the_deepest_level_offers_no_new_ou(admin, organization, make_unit):
    parent = None
    for depth in range(1, OrganizationalUnit.MAX_DEPTH + 1):
        parent = make_unit(f"Level {depth}", parent=parent)
    page = admin.get(TREE).content.decode()
    create = reverse("console:organizational_unit_create", args=[parent.pk])
    assert create not in page
    assert reverse("console:organizational_unit_create", args=[parent.parent_id]) in page
    response = admin.get(reverse("console:organization_parent", args=[parent.pk]))
    assert "at the deepest level" in text(response)
    # Asked anyway, the service refuses with a clear error at the top of the form.
    response = admin.post(create, {"name": "Level 6"})
    assert response.status_code == 200
    assert "OUs nest at most 5 deep under the root: Level 5 is already at the deepest level" in (
        error_text(response)
    )
    assert OrganizationalUnit.objects.count() == OrganizationalUnit.MAX_DEPTH


def test_the_tree_costs_the_same_queries_at_any_size(
    admin, organization, management_root, django_assert_max_num_queries
):
    def grow(n, start):
        parent = None
        for i in range(start, start + n):
            parent = make(f"Unit {i}", parent if i % 3 else None)
            account = services.account_create(
                actor=management_root,
                organization=organization,
                name=f"Member {i}",
                root_email=f"m{i}@example.test",
            )
            structure.account_move(actor=None, account=account, destination=parent)
            policies.scp_attach(
                actor=None,
                organization=organization,
                policy_arn=catalog.FULL_AWS_ACCESS,
                organizational_unit=parent,
            )

    def make(name, parent):
        return structure.organizational_unit_create(
            actor=None, organization=organization, parent=parent, name=name
        )

    grow(2, 0)
    with CaptureQueriesContext(connection) as few:
        assert admin.get(TREE).status_code == 200
    grow(12, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = admin.get(TREE).content.decode()
    assert page.count('class="org-node"') == 15  # the root and 14 OUs


def test_a_parent_lists_a_page_of_accounts_and_the_tree_links_to_the_rest(
    admin, organization, management_root, make_unit
):
    crowded = make_unit("Crowded")
    for i in range(27):
        account = services.account_create(
            actor=management_root,
            organization=organization,
            name=f"Member {i:02d}",
            root_email=f"m{i}@example.test",
        )
        structure.account_move(actor=None, account=account, destination=crowded)
    page = admin.get(TREE).content.decode()
    assert page.count("data-account=") == 25 + 1  # 25 in Crowded, the management account
    assert "2 more accounts: see them all" in text(admin.get(TREE))
    url = reverse("console:organization_parent", args=[crowded.pk])
    first, second = admin.get(url), admin.get(url + "?page=2")
    assert first.content.decode().count("data-account=") == 25
    assert second.content.decode().count("data-account=") == 2
    assert "Member 26" in second.content.decode()
    assert "Page 2 of 2" in text(second)


# --- Creating, renaming, moving, deleting through the pages --------------------------------


def test_create_nest_rename_move_and_delete(admin, organization, management_root, member_account):
    response = admin.post(
        reverse("console:organizational_unit_create", args=[root_id(organization)]),
        {"name": "Engineering"},
    )
    assert response.status_code == 302 and response["Location"] == TREE
    engineering = OrganizationalUnit.objects.get(name="Engineering")
    assert f"OU Engineering ({engineering.pk}) was created." in text(admin.get(TREE))
    create_inside = reverse("console:organizational_unit_create", args=[engineering.pk])
    assert "Add an OU inside Engineering" in text(admin.get(create_inside))
    assert admin.post(create_inside, {"name": "Platfrom"}).status_code == 302
    platform = OrganizationalUnit.objects.get(parent=engineering)

    # The same name beside it: refused on the field, nothing typed lost.
    response = admin.post(create_inside, {"name": "platfrom"})
    assert response.status_code == 200
    assert "An OU with this name is already there" in response.content.decode()
    assert 'value="platfrom"' in response.content.decode()

    rename = reverse("console:organizational_unit_rename", args=[platform.pk])
    assert 'value="Platfrom"' in admin.get(rename).content.decode()
    assert admin.post(rename, {"name": "Platform"}).status_code == 302
    platform.refresh_from_db()
    assert platform.name == "Platform"

    move = reverse("console:account_move", args=[member_account.pk])
    page = admin.get(move).content.decode()
    assert "It is now directly under the root." in page
    assert "Engineering / Platform" in page  # the destinations by their path
    assert admin.post(move, {"destination": platform.pk}).status_code == 302
    member_account.refresh_from_db()
    assert member_account.organizational_unit_id == platform.pk
    assert "It is now in OU Engineering / Platform." in text(admin.get(move))
    response = admin.post(move, {"destination": platform.pk})
    assert "The account is already there" in response.content.decode()

    # Deleting: a non-empty OU says what is left and offers no button.
    delete = reverse("console:organizational_unit_delete", args=[platform.pk])
    page = text(admin.get(delete))
    assert (
        "Only an empty OU can be deleted, and Platform is not empty (child OUs: 0, accounts: 1)"
        in page
    )
    response = admin.post(delete, {"confirmation": "Platform"})
    assert "Only an empty OU can be deleted" in text(response)
    assert OrganizationalUnit.objects.filter(pk=platform.pk).exists()

    admin.post(move, {"destination": root_id(organization)})
    response = admin.post(delete, {"confirmation": "Platfrom"})
    assert "The name you entered does not match." in response.content.decode()
    response = admin.post(delete, {"confirmation": "platform"})
    assert response.status_code == 302
    assert f"OU Platform ({platform.pk}) was deleted." in text(admin.get(TREE))
    assert list(OrganizationalUnit.objects.all()) == [engineering]
    assert sorted(
        AuditEvent.objects.filter(event_source="organizations.tobira")
        .exclude(event_name__in=["CreateOrganization", "CreateAccount"])
        .values_list("event_name", flat=True)
    ) == sorted(
        ["CreateOrganizationalUnit"] * 2
        + ["UpdateOrganizationalUnit", "DeleteOrganizationalUnit"]
        + ["MoveAccount"] * 2
    )


def test_a_name_that_would_show_as_another_is_refused_on_the_name_field(
    admin, organization, make_unit
):
    """The service's refusal of a right-to-left override (or a C1 control) is the name field's
    error on the create and the rename pages, and nothing is saved."""
    create = reverse("console:organizational_unit_create", args=[root_id(organization)])
    response = admin.post(create, {"name": "Prod\u202etset"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "An OU name has no control characters, line breaks or marks that change the direction "
        "of text: remove U+202E."
    ]
    assert not OrganizationalUnit.objects.exists()
    unit = make_unit("Production")
    response = admin.post(
        reverse("console:organizational_unit_rename", args=[unit.pk]), {"name": "Prod\x9b"}
    )
    assert response.status_code == 200
    assert "remove U+009B" in response.context["form"].errors["name"][0]
    unit.refresh_from_db()
    assert unit.name == "Production"


def test_a_move_into_an_unknown_place_is_a_form_error(
    admin, organization, other_organization, member_account, make_unit
):
    theirs = make_unit("Theirs", org=other_organization)
    response = admin.post(
        reverse("console:account_move", args=[member_account.pk]), {"destination": theirs.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    member_account.refresh_from_db()
    assert member_account.organizational_unit is None
    assert not AuditEvent.objects.filter(event_name="MoveAccount").exists()


# --- SCPs on OUs ---------------------------------------------------------------------------


def test_scps_attach_to_ous_and_each_scp_lists_every_target(
    admin, organization, member_account, make_unit
):
    engineering = make_unit("Engineering")
    platform = make_unit("Platform", parent=engineering)
    guard = policies.scp_create(
        actor=None,
        organization=organization,
        name="guard",
        document=document({"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}),
    )
    page = admin.get(SCPS).content.decode()
    assert f'data-target="{platform.pk}"' in page and "Engineering / Platform" in page
    for target in (root_id(organization), platform.pk, member_account.pk):
        response = admin.post(SCPS, {"op": "attach", "policy_arn": guard.arn, "target": target})
        assert response.status_code == 302
    assert SCPAttachment.objects.filter(policy_arn=guard.arn).count() == 3
    events = AuditEvent.objects.filter(event_name="AttachPolicy")
    assert {e.request_parameters["targetId"] for e in events} == {
        root_id(organization),
        platform.pk,
        member_account.pk,
    }

    page = admin.get(SCPS).content.decode()
    assert re.search(rf'data-scp="{guard.policy_id}">.*?3 targets', page, re.S)
    detail = reverse("console:scp_detail", args=[guard.policy_id])
    response = admin.get(detail)
    body = unwrap_arns(response.content.decode())
    for target in (root_id(organization), platform.pk, member_account.pk):
        assert f'data-target="{target}"' in body
    assert "Engineering / Platform" in body and guard.arn in body

    # Detached from its own page, the SCP's page comes back.
    response = admin.post(scp_detach_url(guard.arn, platform.pk))
    assert response["Location"] == detail
    assert f'data-target="{platform.pk}"' not in admin.get(detail).content.decode()
    assert SCPAttachment.objects.filter(organizational_unit=platform).get().policy_arn == (
        catalog.FULL_AWS_ACCESS
    )

    full = admin.get(reverse("console:scp_detail", args=["p-FullAWSAccess"]))
    assert "every root, OU and account with no other SCP has FullAWSAccess" in text(full)
    assert admin.get(reverse("console:scp_detail", args=["p-nosuchthing"])).status_code == 404


def test_the_scp_list_costs_the_same_queries_at_any_size(
    admin, organization, management_root, django_assert_max_num_queries
):
    def grow(n, start):
        for i in range(start, start + n):
            unit = structure.organizational_unit_create(
                actor=None, organization=organization, parent=None, name=f"Unit {i}"
            )
            account = services.account_create(
                actor=management_root,
                organization=organization,
                name=f"Member {i}",
                root_email=f"m{i}@example.test",
            )
            for target in ({"organizational_unit": unit}, {"account": account}):
                policies.scp_attach(
                    actor=None,
                    organization=organization,
                    policy_arn=catalog.FULL_AWS_ACCESS,
                    **target,
                )

    grow(2, 0)
    with CaptureQueriesContext(connection) as few:
        assert admin.get(SCPS).status_code == 200
    grow(30, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = admin.get(SCPS).content.decode()
    assert page.count("data-target=") == 1 + 32 + 25  # the root, every OU, a page of accounts
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin.get(reverse("console:scp_detail", args=["p-FullAWSAccess"]))


# --- The engine, through real requests ------------------------------------------------------


@pytest.fixture
def nested_member(organization, management_root, member_account, make_unit, make_iam_user):
    """Engineering > Platform > Runtime, the member account in Runtime, and ops there: an
    administrator of the member account."""
    engineering = make_unit("Engineering")
    platform = make_unit("Platform", parent=engineering)
    runtime = make_unit("Runtime", parent=platform)
    structure.account_move(actor=management_root, account=member_account, destination=runtime)
    ops = make_iam_user(account=member_account, name="ops")
    policies.policy_attach(actor=None, account=member_account, policy_arn=ADMIN, user=ops)
    return engineering, platform, runtime


def test_a_deny_on_an_ou_two_levels_up_reaches_a_console_request(
    admin, client_factory, organization, member_account, nested_member
):
    engineering, _platform, _runtime = nested_member
    admin.post(
        SCPS,
        {
            "op": "create",
            "name": "no-new-users",
            "document": document(
                {"Sid": "NoNewUsers", "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}
            ),
        },
    )
    scp = organization.scps.get()
    admin.post(SCPS, {"op": "attach", "policy_arn": scp.arn, "target": engineering.pk})

    ops = client_factory()
    signin_iam(ops, "example-prod", "ops")
    response = ops.get(reverse("console:user_create", args=[member_account.pk]))
    assert response.status_code == 403
    assert (
        "explicitly denied by statement NoNewUsers of service control policy no-new-users "
        f"attached to the OU Engineering ({engineering.pk})"
    ) in response.content.decode()
    assert ops.get(reverse("console:user_list", args=[member_account.pk])).status_code == 200


def test_a_missing_allow_on_an_ou_denies_a_console_request_naming_it(
    admin, client_factory, organization, member_account, nested_member
):
    _engineering, platform, _runtime = nested_member
    reads = policies.scp_create(
        actor=None,
        organization=organization,
        name="reads-only",
        document=document(
            {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}
        ),
    )
    admin.post(SCPS, {"op": "attach", "policy_arn": reads.arn, "target": platform.pk})
    admin.post(scp_detach_url(catalog.FULL_AWS_ACCESS, platform.pk))

    ops = client_factory()
    signin_iam(ops, "example-prod", "ops")
    assert ops.get(reverse("console:user_list", args=[member_account.pk])).status_code == 200
    response = ops.get(reverse("console:user_create", args=[member_account.pk]))
    assert response.status_code == 403
    assert (
        f"no service control policy attached to the OU Platform ({platform.pk}) allows it"
    ) in response.content.decode()


# --- Who may: the engine on the Organizations ARNs ----------------------------------------


def test_an_iam_administrator_is_held_to_its_policies_on_ous(
    client, organization, management_account, member_account, make_unit, make_iam_user
):
    engineering = make_unit("Engineering")
    sandbox = make_unit("Sandbox")
    make_iam_user(
        name="ops",
        self_service=False,
        managed=[ORGANIZATIONS_FULL_ACCESS],
        inline={
            "not-into-engineering": document(
                {
                    "Effect": "Deny",
                    "Action": "organizations:MoveAccount",
                    "Resource": engineering.arn,
                },
                {
                    "Effect": "Deny",
                    "Action": "organizations:DeleteOrganizationalUnit",
                    "Resource": "arn:aws:organizations::*:ou/*",
                },
            )
        },
    )
    signin_iam(client, "example-corp", "ops")
    assert client.get(TREE).status_code == 200
    move = reverse("console:account_move", args=[member_account.pk])
    response = client.post(move, {"destination": engineering.pk})
    assert response.status_code == 403
    assert client.post(move, {"destination": sandbox.pk}).status_code == 302
    member_account.refresh_from_db()
    assert member_account.organizational_unit == sandbox
    delete = reverse("console:organizational_unit_delete", args=[engineering.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"confirmation": "Engineering"}).status_code == 403
    assert OrganizationalUnit.objects.filter(pk=engineering.pk).exists()
    # Refusals are audited under the refused action's own name.
    assert AuditEvent.objects.filter(event_name="MoveAccount", error_code="AccessDenied").exists()


def test_the_tree_hides_what_is_in_an_ou_its_viewer_may_not_list(
    client, organization, management_root, member_account, make_unit, make_iam_user
):
    """The tree asks organizations:ListChildren of every OU, as each parent's page does: an OU
    refused shows itself (its parent may be listed) but none of its OUs or accounts."""
    engineering = make_unit("Engineering")
    platform = make_unit("Platform", parent=engineering)
    secret = make_unit("Secret Project", parent=platform)
    structure.account_move(actor=None, account=member_account, destination=platform)
    make_iam_user(
        name="ops",
        self_service=False,
        managed=[ORGANIZATIONS_FULL_ACCESS],
        inline={
            "not-inside-platform": document(
                {
                    "Effect": "Deny",
                    "Action": "organizations:ListChildren",
                    "Resource": platform.arn,
                }
            )
        },
    )
    signin_iam(client, "example-corp", "ops")
    assert client.get(reverse("console:organization_parent", args=[platform.pk])).status_code == (
        403
    )
    page = client.get(TREE).content.decode()
    assert 'data-node="' + engineering.pk in page
    row = node(page, platform.pk)
    assert "Platform" in row
    assert "Delete" not in row  # its contents are unknown to the viewer
    # Nor a link to its page, which would only refuse them.
    assert f'href="{reverse("console:organization_parent", args=[platform.pk])}"' not in row
    assert 'data-testid="not-listed"' in page.split(f'data-node="{platform.pk}"', 1)[1]
    assert secret.pk not in page and "Secret Project" not in page
    assert member_account.pk not in page
    # The management root sees it all.
    client.force_login(management_root)
    page = client.get(TREE).content.decode()
    assert secret.pk in page and f'data-account="{member_account.pk}"' in page
    assert 'data-testid="not-listed"' not in page


# --- The tenant boundary, from the other side ---------------------------------------------


def _urls(organization, unit, account, scp):
    return [
        ("console:organization_parent", [unit.pk], {}),
        ("console:organizational_unit_create", [unit.pk], {"name": "Intruders"}),
        ("console:organizational_unit_rename", [unit.pk], {"name": "Renamed"}),
        ("console:organizational_unit_delete", [unit.pk], {"confirmation": unit.name}),
        ("console:account_move", [account.pk], {"destination": root_id(organization)}),
        ("console:scp_detail", [scp.policy_id], {}),
        ("console:scp_detach", [scp.policy_id, unit.pk], {}),
        # AWS's SCP, which every organization has, on this organization's OU and account.
        ("console:scp_detach", ["p-FullAWSAccess", unit.pk], {}),
        ("console:scp_detach", ["p-FullAWSAccess", account.pk], {}),
    ]


@pytest.fixture
def victim(organization, management_root, member_account, make_unit):
    """An OU of the organization with the member account in it, an empty OU, and an SCP."""
    unit = make_unit("Engineering")
    empty = make_unit("Empty")
    structure.account_move(actor=management_root, account=member_account, destination=unit)
    scp = policies.scp_create(
        actor=None,
        organization=organization,
        name="guard",
        document=document({"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}),
    )
    return unit, empty, scp


@pytest.mark.parametrize("intruder", ["other_root", "other_admin", "member_root"])
def test_no_ou_account_or_scp_of_another_organization_is_reachable(
    client, request, organization, other_organization, member_account, victim, intruder
):
    from tests.support.tenancy import intruder as make_intruder

    unit, empty, scp = victim
    principal = (
        request.getfixturevalue("member_root")
        if intruder == "member_root"
        else make_intruder(intruder, other_organization, request)
    )
    client.force_login(principal)
    before = set(AuditEvent.objects.values_list("event_id", flat=True))
    for target in (unit, empty):
        for name, args, body in _urls(organization, target, member_account, scp):
            url = reverse(name, args=args)
            for response in (client.get(url), client.post(url, body)):
                assert response.status_code == 404, (intruder, name)
                assert unit.name not in response.content.decode()
    # The SCP list of the intruder's own organization: an attach with this organization's OU,
    # account or SCP is a 404 too.
    other_own = root_id(principal.account.organization)
    for body in (
        {"op": "attach", "policy_arn": catalog.FULL_AWS_ACCESS, "target": unit.pk},
        {"op": "attach", "policy_arn": catalog.FULL_AWS_ACCESS, "target": member_account.pk},
        {"op": "attach", "policy_arn": scp.arn, "target": other_own},
        {"op": "attach", "policy_arn": scp.arn, "target": unit.pk, "return_to": scp.policy_id},
    ):
        response = client.post(SCPS, body)
        expected = 403 if intruder == "member_root" else 404
        assert response.status_code == expected, body
    if intruder != "member_root":
        page = client.get(TREE).content.decode()
        assert unit.pk not in page and member_account.pk not in page
        page = client.get(SCPS).content.decode()
        assert unit.pk not in page and scp.name not in page
    else:  # a member account's root user is no manager of its organization
        assert client.get(TREE).status_code == 403
    assert not OrganizationalUnit.objects.filter(name__in=["Intruders", "Renamed"]).exists()
    assert OrganizationalUnit.objects.filter(pk=empty.pk).exists()
    assert Account.objects.get(pk=member_account.pk).organizational_unit_id == unit.pk
    assert not SCPAttachment.objects.exists()
    # Nothing happened: the only new events are the engine's refusals (the member root's).
    new = AuditEvent.objects.exclude(event_id__in=before)
    assert set(new.values_list("error_code", flat=True)) <= {"AccessDenied"}


def test_the_management_root_reaches_every_page(admin, organization, member_account, victim):
    unit, empty, scp = victim
    for target in (unit, empty):
        for name, args, _body in _urls(organization, target, member_account, scp):
            assert admin.get(reverse(name, args=args)).status_code == 200, name
    assert admin.get(TREE).status_code == 200
    assert (
        admin.get(reverse("console:organization_parent", args=[root_id(organization)])).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("console:organization_parent", ["r-zzzz"]),
        ("console:organization_parent", ["ou-zzzz-zzzzzzzz"]),
        ("console:organizational_unit_create", ["ou-zzzz-zzzzzzzz"]),
        ("console:organizational_unit_rename", ["ou-zzzz-zzzzzzzz"]),
        ("console:organizational_unit_delete", ["ou-zzzz-zzzzzzzz"]),
        ("console:account_move", ["000000000000"]),
        ("console:scp_detail", ["p-zzzzzzzz"]),
        ("console:scp_detach", ["p-zzzzzzzz", "r-zzzz"]),
        ("console:scp_detach", ["p-FullAWSAccess", "r-zzzz"]),
        ("console:scp_detach", ["p-FullAWSAccess", "ou-zzzz-zzzzzzzz"]),
        ("console:scp_detach", ["p-FullAWSAccess", "000000000000"]),
    ],
)
def test_unknown_ids_are_404(admin, name, args):
    assert admin.get(reverse(name, args=args)).status_code == 404
    assert admin.post(reverse(name, args=args), {}).status_code == 404


def test_a_new_account_from_the_console_starts_under_the_root(admin, organization):
    response = admin.post(
        reverse("console:account_create"),
        {
            "name": "Fresh",
            "root_email": "fresh@example.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    fresh = Account.objects.get(name="Fresh")
    assert fresh.organizational_unit is None
    assert f'data-account="{fresh.pk}"' in admin.get(TREE).content.decode()


def test_an_account_s_page_tells_the_management_account_where_it_sits(
    admin, client, organization, management_root, member_account, member_root, make_unit
):
    engineering = make_unit("Engineering")
    platform = make_unit("Platform <b>", parent=engineering)
    page_url = reverse("console:account_detail", args=[member_account.pk])
    # Directly under the root: the root alone, with a Move link.
    html = admin.get(page_url).content.decode()
    where = re.search(r'data-testid="account-ou">(.*?)</dd>', html, re.S).group(1)
    assert reverse("console:organization_parent", args=[root_id(organization)]) in where
    assert reverse("console:account_move", args=[member_account.pk]) in where

    structure.account_move(actor=management_root, account=member_account, destination=platform)
    html = admin.get(page_url).content.decode()
    where = re.search(r'data-testid="account-ou">(.*?)</dd>', html, re.S).group(1)
    for unit in (engineering, platform):
        assert reverse("console:organization_parent", args=[unit.pk]) in where
    assert "Platform &lt;b&gt;" in where and "<b>" not in where
    assert re.sub(r"<[^>]+>", "", where).split("·")[0].split() == [
        "Root",
        "/",
        "Engineering",
        "/",
        "Platform",
        "&lt;b&gt;",
    ]

    # The member account's own root is not told the organization's structure.
    client.force_login(member_root)
    html = client.get(page_url).content.decode()
    assert client.get(page_url).status_code == 200
    assert 'data-testid="account-ou"' not in html
    assert "Engineering" not in html


def test_an_account_s_page_hides_where_it_sits_from_who_may_not_list_parents(
    client, organization, management_account, member_account, make_iam_user
):
    auditor = make_iam_user(name="auditor", self_service=False)
    policies.inline_policy_put(
        actor=None,
        user=auditor,
        name="iam-only",
        document=document({"Effect": "Allow", "Action": "iam:GetAccountSummary", "Resource": "*"}),
    )
    signin_iam(client, "example-corp", "auditor")
    page = client.get(reverse("console:account_detail", args=[management_account.pk]))
    assert page.status_code == 200
    assert 'data-testid="account-ou"' not in page.content.decode()


def test_an_ou_name_is_text_on_every_page_that_shows_it(
    admin, organization, management_root, member_account, make_unit
):
    """An OU's name is whatever the management account typed: every page, the breadcrumbs,
    the tree, the pickers (paths) and the messages show it escaped, never as markup."""
    payload = '<img src=x onerror="alert(1)">'
    outer = make_unit(payload)
    inner = make_unit(f"{payload} inner", parent=outer)
    structure.account_move(actor=management_root, account=member_account, destination=inner)
    policies.scp_attach(
        actor=None,
        organization=organization,
        policy_arn=catalog.FULL_AWS_ACCESS,
        organizational_unit=inner,
    )
    pages = [
        TREE,
        SCPS,
        reverse("console:organization_parent", args=[outer.pk]),
        reverse("console:organization_parent", args=[inner.pk]),
        reverse("console:organizational_unit_create", args=[inner.pk]),
        reverse("console:organizational_unit_rename", args=[inner.pk]),
        reverse("console:organizational_unit_delete", args=[inner.pk]),
        reverse("console:account_move", args=[member_account.pk]),
        reverse("console:scp_detail", args=[catalog.FULL_AWS_ACCESS.rsplit("/", 1)[-1]]),
        reverse("console:root_mfa"),
    ]
    for url in pages:
        html = admin.get(url).content.decode()
        assert "&lt;img src=x onerror=" in html, url
        assert "<img src=x" not in html, url
    renamed = admin.post(
        reverse("console:organizational_unit_rename", args=[outer.pk]),
        {"name": f"{payload} renamed"},
        follow=True,
    ).content.decode()
    assert "&lt;img src=x onerror=" in renamed and "<img src=x" not in renamed
