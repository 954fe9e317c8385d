"""Organizational units: the services (create, rename, delete, move, SCPs on OUs) and the SCP
chain an account gets from them (``loading.scp_levels``), evaluated by the engine."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity import ids, services
from identity import organization_units as structure
from identity.models import Account, AuditEvent, OrganizationalUnit, SCPAttachment
from identity.policies import catalog, loading
from identity.policies import services as policies
from identity.policy import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, context_of, evaluate
from tests.conftest import PASSWORD
from tests.support.races import in_threads

pytestmark = pytest.mark.django_db

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def document(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


DENY_CREATE_USER = document(
    {"Sid": "NoNewUsers", "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}
)
ALLOW_IAM_READS = document(
    {"Sid": "Reads", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}
)


@pytest.fixture
def make_unit(organization, management_root):
    def make(name, parent=None, org=None):
        return structure.organizational_unit_create(
            actor=management_root, organization=org or organization, parent=parent, name=name
        )

    return make


def decide(account, action, resource="*"):
    return evaluate(
        action=action,
        resource=resource,
        context=context_of({"aws:PrincipalAccount": account.pk}),
        identity_policies=(loading.named_policy("Admin", catalog.aws_managed(ADMIN).document),),
        scp_levels=loading.scp_levels(Account.objects.get(pk=account.pk)),
    )


# --- Ids ------------------------------------------------------------------------------------


def test_ids_are_shaped_as_aws_s(organization, make_unit):
    unit = make_unit("Engineering")
    four = organization.pk[2:6]
    assert ids.organization_root_id(organization.pk) == f"r-{four}"
    assert re.fullmatch(rf"ou-{four}-[0-9a-z]{{8}}", unit.pk)
    assert unit.arn == (
        f"arn:aws:organizations::{organization.management_account_id}:ou/"
        f"{organization.pk}/{unit.pk}"
    )


# --- Creating, renaming, nesting ------------------------------------------------------------


def test_an_ou_is_created_under_the_root_or_an_ou_and_audited(organization, make_unit):
    engineering = make_unit("Engineering")
    platform = make_unit("Platform", parent=engineering)
    assert platform.parent == engineering and engineering.parent is None
    events = AuditEvent.objects.filter(event_name="CreateOrganizationalUnit")
    by_unit = {e.request_parameters["organizationalUnitId"]: e for e in events}
    assert by_unit[engineering.pk].request_parameters["parentId"] == (
        ids.organization_root_id(organization.pk)
    )
    event = by_unit[platform.pk]
    assert event.request_parameters == {
        "parentId": engineering.pk,
        "name": "Platform",
        "organizationalUnitId": platform.pk,
    }
    assert event.event_source == "organizations.tobira"
    assert event.recipient_account_id == organization.management_account_id
    assert event.response_elements["organizationalUnit"] == {
        "id": platform.pk,
        "name": "Platform",
        "arn": platform.arn,
    }
    assert (event.resource_type, event.resource_name) == (
        "AWS::Organizations::OrganizationalUnit",
        platform.pk,
    )


def test_names_are_unique_among_siblings_ignoring_case(make_unit):
    engineering = make_unit("Engineering")
    sales = make_unit("Sales")
    make_unit("Platform", parent=engineering)
    make_unit("Platform", parent=sales)  # another parent: allowed, as in AWS
    for name, parent in (("engineering", None), ("PLATFORM", engineering)):
        with pytest.raises(ValidationError) as refused:
            make_unit(name, parent=parent)
        assert refused.value.error_dict["name"][0].code == "DuplicateOrganizationalUnitException"
    with pytest.raises(ValidationError) as refused:
        structure.organizational_unit_rename(actor=None, unit=sales, name=" Engineering ")
    assert "already there" in refused.value.messages[0]
    assert OrganizationalUnit.objects.count() == 4


@pytest.mark.parametrize("name", ["", "   ", "x" * 129, "line\nbreak", "nul\x00"])
def test_names_follow_aws_rules(make_unit, name):
    with pytest.raises(ValidationError) as refused:
        make_unit(name)
    assert "name" in refused.value.error_dict
    assert not OrganizationalUnit.objects.exists()


@pytest.mark.parametrize(
    "character",
    [
        "\x1b",  # ESC: C0, as before
        "\x7f",  # DEL
        "\x85",  # NEL: C1 (U+0080 to U+009F), category Cc like C0
        "\x9b",  # CSI
        "\u2028",  # LINE SEPARATOR (Zl)
        "\u2029",  # PARAGRAPH SEPARATOR (Zp)
        "\u202a",  # LEFT-TO-RIGHT EMBEDDING
        "\u202b",  # RIGHT-TO-LEFT EMBEDDING
        "\u202c",  # POP DIRECTIONAL FORMATTING
        "\u202d",  # LEFT-TO-RIGHT OVERRIDE
        "\u202e",  # RIGHT-TO-LEFT OVERRIDE: "Prod\u202edevnull" shows as "Prodllunved"
        "\u2066",  # LEFT-TO-RIGHT ISOLATE
        "\u2067",  # RIGHT-TO-LEFT ISOLATE
        "\u2068",  # FIRST STRONG ISOLATE
        "\u2069",  # POP DIRECTIONAL ISOLATE
        "\u200e",  # LEFT-TO-RIGHT MARK
        "\u200f",  # RIGHT-TO-LEFT MARK
        "\u061c",  # ARABIC LETTER MARK
    ],
)
def test_names_hold_nothing_that_shows_them_as_something_else(make_unit, character):
    """Control characters of any range, line and paragraph separators and the bidirectional
    formatting characters are refused on the name, the character named; mid-name, as ends are
    stripped (where Python's strip drops some of them)."""
    with pytest.raises(ValidationError) as refused:
        make_unit(f"Prod{character}uction")
    code = f"U+{ord(character):04X}"
    assert refused.value.error_dict["name"][0].messages == [
        "An OU name has no control characters, line breaks or marks that change the "
        f"direction of text: remove {code}."
    ]
    unit = make_unit("Production")
    with pytest.raises(ValidationError) as refused:
        structure.organizational_unit_rename(actor=None, unit=unit, name=f"Prod{character}2")
    assert code in refused.value.error_dict["name"][0].messages[0]
    assert list(OrganizationalUnit.objects.values_list("name", flat=True)) == ["Production"]


@pytest.mark.parametrize(
    "name",
    [
        "研究開発 / R&D <team>",
        "本番 🚀",
        "👩‍💻 Developers",  # a zero-width joiner (Cf, not a direction mark) inside the emoji
        "מחקר ופיתוח",  # right-to-left text itself is a name like any other
        "البحث والتطوير",
        "Café — naïve ½",
        "x" * 128,
    ],
)
def test_names_may_be_any_printable_text(make_unit, name):
    assert make_unit(name).name == name


def test_ous_nest_five_deep_at_most(make_unit):
    parent = None
    for depth in range(1, OrganizationalUnit.MAX_DEPTH + 1):
        parent = make_unit(f"Level {depth}", parent=parent)
    with pytest.raises(ValidationError) as refused:
        make_unit("Level 6", parent=parent)
    assert refused.value.code == "OU_DEPTH_LIMIT_EXCEEDED"
    assert "at most 5 deep" in refused.value.messages[0]
    assert OrganizationalUnit.objects.count() == OrganizationalUnit.MAX_DEPTH


def test_a_rename_keeps_the_id_and_is_audited(make_unit):
    unit = make_unit("Enginering")
    renamed = structure.organizational_unit_rename(actor=None, unit=unit, name="Engineering")
    assert (renamed.pk, OrganizationalUnit.objects.get().name) == (unit.pk, "Engineering")
    event = AuditEvent.objects.get(event_name="UpdateOrganizationalUnit")
    assert event.request_parameters == {"organizationalUnitId": unit.pk, "name": "Engineering"}
    assert event.additional_event_data == {"previousName": "Enginering"}


# --- Deleting and moving --------------------------------------------------------------------


def test_only_an_empty_ou_is_deleted(organization, management_root, member_account, make_unit):
    engineering = make_unit("Engineering")
    platform = make_unit("Platform", parent=engineering)
    structure.account_move(actor=management_root, account=member_account, destination=platform)

    for unit, counts in ((engineering, "child OUs: 1, accounts: 0"), (platform, "accounts: 1")):
        with pytest.raises(ValidationError) as refused:
            structure.organizational_unit_delete(actor=management_root, unit=unit)
        assert refused.value.code == "OrganizationalUnitNotEmptyException"
        assert counts in refused.value.messages[0]
    assert OrganizationalUnit.objects.count() == 2

    structure.account_move(actor=management_root, account=member_account, destination=None)
    scp = policies.scp_create(
        actor=None, organization=organization, name="guard", document=DENY_CREATE_USER
    )
    policies.scp_attach(
        actor=None, organization=organization, policy_arn=scp.arn, organizational_unit=platform
    )
    structure.organizational_unit_delete(actor=management_root, unit=platform)
    structure.organizational_unit_delete(actor=management_root, unit=engineering)
    assert not OrganizationalUnit.objects.exists()
    assert not SCPAttachment.objects.exists()  # the OU's SCPs went with it
    deleted = AuditEvent.objects.get(
        event_name="DeleteOrganizationalUnit",
        request_parameters__organizationalUnitId=platform.pk,
    )
    assert deleted.additional_event_data["detachedPolicies"] == sorted(
        [catalog.FULL_AWS_ACCESS, scp.arn]
    )


def test_moving_an_account_is_audited_with_both_parents(
    organization, management_root, member_account, make_unit
):
    root_id = ids.organization_root_id(organization.pk)
    sandbox = make_unit("Sandbox")
    structure.account_move(actor=management_root, account=member_account, destination=sandbox)
    member_account.refresh_from_db()
    assert member_account.organizational_unit == sandbox
    with pytest.raises(ValidationError) as refused:
        structure.account_move(actor=management_root, account=member_account, destination=sandbox)
    assert refused.value.error_dict["destination"][0].code == "DuplicateAccountException"
    structure.account_move(actor=management_root, account=member_account, destination=None)
    moves = AuditEvent.objects.filter(event_name="MoveAccount")
    assert sorted(
        (e.request_parameters for e in moves), key=lambda p: p["destinationParentId"]
    ) == [
        {
            "accountId": member_account.pk,
            "sourceParentId": root_id,
            "destinationParentId": sandbox.pk,
        },
        {
            "accountId": member_account.pk,
            "sourceParentId": sandbox.pk,
            "destinationParentId": root_id,
        },
    ]
    assert {e.recipient_account_id for e in moves} == {organization.management_account_id}
    assert moves[0].user_identity["arn"] == management_root.arn


def test_nothing_crosses_into_another_organization(
    organization, other_organization, other_root, management_root, member_account, make_unit
):
    theirs = make_unit("Theirs", org=other_organization)
    ours = make_unit("Ours")
    with pytest.raises(ValidationError):  # an account moved into another organization's OU
        structure.account_move(actor=management_root, account=member_account, destination=theirs)
    with pytest.raises(ValidationError):  # an OU nested under another organization's OU
        structure.organizational_unit_create(
            actor=management_root, organization=organization, parent=theirs, name="Inside"
        )
    with pytest.raises(ValidationError):  # an SCP attached to another organization's OU
        policies.scp_attach(
            actor=None,
            organization=organization,
            policy_arn=catalog.FULL_AWS_ACCESS,
            organizational_unit=theirs,
        )
    their_scp = policies.scp_create(
        actor=None, organization=other_organization, name="theirs", document=DENY_CREATE_USER
    )
    with pytest.raises(ValidationError):  # another organization's SCP attached to our OU
        policies.scp_attach(
            actor=None,
            organization=organization,
            policy_arn=their_scp.arn,
            organizational_unit=ours,
        )
    member_account.refresh_from_db()
    assert member_account.organizational_unit is None
    assert list(OrganizationalUnit.objects.filter(parent=theirs)) == []
    assert not SCPAttachment.objects.exists()


def test_an_attachment_has_one_target_in_the_database(organization, member_account, make_unit):
    from django.db import IntegrityError, transaction

    unit = make_unit("Engineering")
    with pytest.raises(IntegrityError), transaction.atomic():
        SCPAttachment.objects.create(
            organization=organization,
            account=member_account,
            organizational_unit=unit,
            policy_arn=catalog.FULL_AWS_ACCESS,
        )
    for target in ({"organizational_unit": unit}, {}):
        SCPAttachment.objects.create(
            organization=organization, policy_arn=catalog.FULL_AWS_ACCESS, **target
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            SCPAttachment.objects.create(
                organization=organization, policy_arn=catalog.FULL_AWS_ACCESS, **target
            )


def test_attach_and_detach_on_an_ou_name_the_ou(organization, management_root, make_unit):
    unit = make_unit("Engineering")
    scp = policies.scp_create(
        actor=None, organization=organization, name="guard", document=DENY_CREATE_USER
    )
    policies.scp_attach(
        actor=management_root,
        organization=organization,
        policy_arn=scp.arn,
        organizational_unit=unit,
    )
    # The implicit FullAWSAccess became explicit on the OU only, not on the root.
    assert sorted(SCPAttachment.objects.values_list("organizational_unit_id", "policy_arn")) == (
        sorted([(unit.pk, catalog.FULL_AWS_ACCESS), (unit.pk, scp.arn)])
    )
    policies.scp_detach(
        actor=management_root,
        organization=organization,
        policy_arn=catalog.FULL_AWS_ACCESS,
        organizational_unit=unit,
    )
    with pytest.raises(ValidationError, match="Every target keeps at least one SCP"):
        policies.scp_detach(
            actor=management_root,
            organization=organization,
            policy_arn=scp.arn,
            organizational_unit=unit,
        )
    events = AuditEvent.objects.filter(event_name__in=["AttachPolicy", "DetachPolicy"])
    assert {e.request_parameters["targetId"] for e in events} == {unit.pk}


def test_detaching_what_is_not_attached_changes_nothing_and_the_implicit_one_stays(
    organization, make_unit
):
    """An SCP not on the target: nothing to detach, no event. FullAWSAccess when none is stored
    is the target's last SCP, implicit: refused as the last, not passed over."""
    unit = make_unit("Engineering")
    scp = policies.scp_create(
        actor=None, organization=organization, name="guard", document=DENY_CREATE_USER
    )
    policies.scp_detach(
        actor=None, organization=organization, policy_arn=scp.arn, organizational_unit=unit
    )
    with pytest.raises(ValidationError, match="Every target keeps at least one SCP"):
        policies.scp_detach(
            actor=None,
            organization=organization,
            policy_arn=catalog.FULL_AWS_ACCESS,
            organizational_unit=unit,
        )
    assert not SCPAttachment.objects.exists()
    assert not AuditEvent.objects.filter(event_name="DetachPolicy").exists()


@pytest.mark.parametrize("target", ["root", "ou", "account"])
def test_a_target_holds_at_most_five_scps(organization, member_account, make_unit, target):
    """AWS's quota: five SCPs attached to a root, an OU or an account, FullAWSAccess included."""
    where = {
        "root": {},
        "ou": {"organizational_unit": make_unit("Engineering")},
        "account": {"account": member_account},
    }[target]
    guards = [
        policies.scp_create(
            actor=None, organization=organization, name=f"guard{n}", document=DENY_CREATE_USER
        )
        for n in range(5)
    ]
    for guard in guards[:4]:  # with FullAWSAccess: five
        policies.scp_attach(actor=None, organization=organization, policy_arn=guard.arn, **where)
    with pytest.raises(ValidationError, match="at most 5 SCPs") as refused:
        policies.scp_attach(
            actor=None, organization=organization, policy_arn=guards[4].arn, **where
        )
    assert refused.value.code == "ConstraintViolation"
    # Attaching one already there is no change, not a sixth.
    policies.scp_attach(actor=None, organization=organization, policy_arn=guards[0].arn, **where)
    assert not SCPAttachment.objects.filter(policy_arn=guards[4].arn).exists()


# --- The SCP chain -------------------------------------------------------------------------


@pytest.fixture
def nested(organization, management_root, member_account, make_unit):
    """Engineering > Platform > Runtime, the member account in Runtime."""
    engineering = make_unit("Engineering")
    platform = make_unit("Platform", parent=engineering)
    runtime = make_unit("Runtime", parent=platform)
    structure.account_move(actor=management_root, account=member_account, destination=runtime)
    return engineering, platform, runtime


def test_the_chain_runs_from_the_root_through_each_ou_to_the_account(member_account, nested):
    engineering, platform, runtime = nested
    levels = loading.scp_levels(Account.objects.get(pk=member_account.pk))
    assert [level for level, _policies in levels] == [
        "organization root",
        f"OU Engineering ({engineering.pk})",
        f"OU Platform ({platform.pk})",
        f"OU Runtime ({runtime.pk})",
        "account",
    ]
    for level, named in levels:  # nothing attached: FullAWSAccess at every level, named there
        assert [(p.name, p.kind, p.level) for p in named] == [("FullAWSAccess", "scp", level)]


def test_a_deny_on_an_ou_two_levels_up_reaches_the_account(organization, member_account, nested):
    engineering, _platform, _runtime = nested
    scp = policies.scp_create(
        actor=None, organization=organization, name="no-new-users", document=DENY_CREATE_USER
    )
    policies.scp_attach(
        actor=None, organization=organization, policy_arn=scp.arn, organizational_unit=engineering
    )
    decision = decide(member_account, "iam:CreateUser")
    assert (decision.decision, decision.stage, decision.level) == (
        EXPLICIT_DENY,
        "scp",
        f"OU Engineering ({engineering.pk})",
    )
    assert decision.explanation == (
        "iam:CreateUser on * is explicitly denied by statement NoNewUsers of service control "
        f"policy no-new-users attached to the OU Engineering ({engineering.pk})."
    )
    assert decide(member_account, "iam:ListUsers").decision == ALLOW


@pytest.mark.parametrize("where", ["root", "Engineering", "Platform", "Runtime", "account"])
def test_a_missing_allow_at_any_level_denies_and_names_it(
    organization, member_account, nested, where
):
    """Replace FullAWSAccess by an SCP that allows only IAM reads at one level: everything else
    is denied there, and the explanation names that level."""
    units = {unit.name: unit for unit in nested}
    reads = policies.scp_create(
        actor=None, organization=organization, name="iam-reads", document=ALLOW_IAM_READS
    )
    target = {
        "root": {},
        "account": {"account": member_account},
    }.get(where, {"organizational_unit": units.get(where)})
    policies.scp_attach(actor=None, organization=organization, policy_arn=reads.arn, **target)
    policies.scp_detach(
        actor=None, organization=organization, policy_arn=catalog.FULL_AWS_ACCESS, **target
    )
    level = {"root": "organization root", "account": "account"}.get(where)
    level = level or f"OU {where} ({units[where].pk})"

    decision = decide(member_account, "iam:CreateUser")
    assert (decision.decision, decision.stage, decision.level) == (IMPLICIT_DENY, "scp", level)
    assert decision.explanation == (
        f"iam:CreateUser on * is denied: no service control policy attached to the {level} "
        "allows it."
    )
    assert decide(member_account, "iam:GetUser").decision == ALLOW


def test_the_management_account_has_no_chain_wherever_it_sits(
    organization, management_account, management_root, make_unit
):
    unit = make_unit("Admin")
    structure.account_move(actor=management_root, account=management_account, destination=unit)
    policies.scp_attach(
        actor=None,
        organization=organization,
        policy_arn=policies.scp_create(
            actor=None, organization=organization, name="deny", document=DENY_CREATE_USER
        ).arn,
        organizational_unit=unit,
    )
    with CaptureQueriesContext(connection) as queries:
        assert loading.scp_levels(management_account) == ()
    assert len(queries) == 0


def test_the_chain_costs_the_same_queries_at_any_depth(
    organization, management_root, member_account, make_unit
):
    custom = policies.scp_create(
        actor=None, organization=organization, name="reads", document=ALLOW_IAM_READS
    )

    def queries_for_chain() -> int:
        account = Account.objects.select_related("organization").get(pk=member_account.pk)
        with CaptureQueriesContext(connection) as queries:
            loading.scp_levels(account)
        return len(queries)

    policies.scp_attach(
        actor=None, organization=organization, policy_arn=custom.arn, account=member_account
    )
    directly_under_root = queries_for_chain()
    parent = None
    for depth in range(1, OrganizationalUnit.MAX_DEPTH + 1):
        parent = make_unit(f"Level {depth}", parent=parent)
        policies.scp_attach(
            actor=None, organization=organization, policy_arn=custom.arn, organizational_unit=parent
        )
    structure.account_move(actor=management_root, account=member_account, destination=parent)
    assert queries_for_chain() == directly_under_root == 2  # the chain, then the custom SCPs
    levels = loading.scp_levels(Account.objects.get(pk=member_account.pk))
    assert len(levels) == OrganizationalUnit.MAX_DEPTH + 2
    assert [p.name for p in levels[3][1]] == ["FullAWSAccess", "reads"]


def test_a_move_changes_the_chain_of_the_next_request(
    organization, management_root, member_account, make_unit
):
    quarantine = make_unit("Quarantine")
    deny_all = policies.scp_create(
        actor=None,
        organization=organization,
        name="deny-all",
        document=document({"Sid": "All", "Effect": "Deny", "Action": "*", "Resource": "*"}),
    )
    policies.scp_attach(
        actor=None,
        organization=organization,
        policy_arn=deny_all.arn,
        organizational_unit=quarantine,
    )
    assert decide(member_account, "iam:ListUsers").allowed
    structure.account_move(actor=management_root, account=member_account, destination=quarantine)
    assert not decide(member_account, "iam:ListUsers").allowed
    structure.account_move(actor=management_root, account=member_account, destination=None)
    assert decide(member_account, "iam:ListUsers").allowed


def test_a_new_account_starts_under_the_root(organization, management_root, make_unit):
    make_unit("Engineering")
    account = services.account_create(
        actor=management_root,
        organization=organization,
        name="New",
        root_email="new@example.test",
        root_password=PASSWORD,
    )
    assert account.organizational_unit is None


@pytest.mark.django_db(transaction=True)
def test_a_deletion_racing_a_move_and_a_creation_leaves_nothing_in_a_deleted_ou(
    organization, member_account
):
    """All three start when the OU is empty; whichever comes later sees what came first: the
    deletion is refused, or the move and the creation find the OU gone (never a half state, nor
    a database error at commit). Five rounds."""
    import threading

    from django.db import connections

    def race(target):
        barrier = threading.Barrier(3)
        outcomes = {}

        def run(name, action):
            barrier.wait()
            try:
                action()
                outcomes[name] = "done"
            except ValidationError as error:
                outcomes[name] = error.messages[0]
            finally:
                connections.close_all()

        actions = {
            "delete": lambda: structure.organizational_unit_delete(actor=None, unit=target),
            "move": lambda: structure.account_move(
                actor=None, account=member_account, destination=target
            ),
            "create": lambda: structure.organizational_unit_create(
                actor=None, organization=organization, parent=target, name="Inside"
            ),
        }
        threads = [threading.Thread(target=run, args=item) for item in actions.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)
        return outcomes

    for round_ in range(5):
        target = structure.organizational_unit_create(
            actor=None, organization=organization, parent=None, name=f"Target {round_}"
        )
        outcomes = race(target)
        assert set(outcomes) == {"delete", "move", "create"}
        member_account.refresh_from_db()
        if outcomes["delete"] == "done":
            assert not OrganizationalUnit.objects.filter(pk=target.pk).exists()
            assert member_account.organizational_unit_id is None
            assert outcomes["move"] == outcomes["create"] == "That OU no longer exists."
        else:
            assert "Only an empty OU can be deleted" in outcomes["delete"]
            assert "done" in (outcomes["move"], outcomes["create"])
            OrganizationalUnit.objects.filter(parent=target).delete()
            Account.objects.filter(pk=member_account.pk).update(organizational_unit=None)


# --- SCP attachments racing each other -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_detaches_at_once_leave_the_target_one_scp(organization, make_unit):
    """Each detach alone leaves an SCP on the OU; together they must not leave none (which is
    FullAWSAccess again: the allow-list and the Deny both gone)."""
    unit = make_unit("Engineering")
    scp = policies.scp_create(
        actor=None, organization=organization, name="guard", document=DENY_CREATE_USER
    )
    policies.scp_attach(
        actor=None, organization=organization, policy_arn=scp.arn, organizational_unit=unit
    )

    def detach(arn):
        return lambda: policies.scp_detach(
            actor=None, organization=organization, policy_arn=arn, organizational_unit=unit
        )

    outcomes = in_threads(detach(catalog.FULL_AWS_ACCESS), detach(scp.arn))
    assert outcomes == {
        "first": "done",
        "second": "Every target keeps at least one SCP: attach another before you detach this one.",
    }
    assert list(SCPAttachment.objects.values_list("policy_arn", flat=True)) == [scp.arn]


@pytest.mark.django_db(transaction=True)
def test_an_attach_racing_the_deletion_of_its_ou_is_refused_cleanly(organization, make_unit):
    unit = make_unit("Doomed")
    outcomes = in_threads(
        lambda: structure.organizational_unit_delete(actor=None, unit=unit),
        lambda: policies.scp_attach(
            actor=None,
            organization=organization,
            policy_arn=catalog.FULL_AWS_ACCESS,
            organizational_unit=unit,
        ),
    )
    assert outcomes == {"first": "done", "second": "That OU no longer exists."}
    assert not SCPAttachment.objects.exists()
