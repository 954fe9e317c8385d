"""Issue 13, the console as a new user tries it: what broke or confused, and stays fixed."""

import json

import pytest
from django.urls import reverse

from identity import policies
from identity.models import AuditEvent, PolicyAttachment, User
from tests.conftest import signin_iam

pytestmark = pytest.mark.django_db

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.fixture
def admin(client, management_root):
    client.force_login(management_root)
    return client


# --- Item 17: the console asks once, with iam:PolicyARN, as the simulator does ------------


def _attach_read_only_to_self(user) -> None:
    """May attach IAMReadOnlyAccess, and nothing else, to themselves."""
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "SeeOwnPolicies",
                    "Effect": "Allow",
                    "Action": "iam:ListAttachedUserPolicies",
                    "Resource": user.arn,
                },
                {
                    "Sid": "AttachReadOnlyToSelf",
                    "Effect": "Allow",
                    "Action": "iam:AttachUserPolicy",
                    "Resource": user.arn,
                    "Condition": {"ArnEquals": {"iam:PolicyARN": READ_ONLY}},
                },
            ],
        }
    )
    policies.inline_policy_put(actor=None, user=user, name="attach-read-only", document=document)


def test_a_user_allowed_one_policy_arn_may_attach_it_and_the_simulator_agrees(
    client, admin, client_factory, management_account, make_iam_user
):
    bob = make_iam_user(name="bob")
    _attach_read_only_to_self(bob)

    simulated = admin.get(
        reverse("console:simulator", args=[management_account.id]),
        {
            "user": "bob",
            "actions": "iam:AttachUserPolicy",
            "resource": bob.arn,
            "context": f"iam:PolicyARN={READ_ONLY}",
        },
    ).content.decode()
    assert "is allowed by statement AttachReadOnlyToSelf" in simulated

    bob_client = client_factory()
    signin_iam(bob_client, "example-corp", "bob")
    url = reverse("console:user_permissions", args=[management_account.id, "bob"])
    response = bob_client.post(url, {"policy_arn": READ_ONLY})
    assert response.status_code == 302
    assert PolicyAttachment.objects.filter(user=bob, policy_arn=READ_ONLY).exists()

    # The condition still holds: another policy is refused, by the same engine.
    simulated = admin.get(
        reverse("console:simulator", args=[management_account.id]),
        {
            "user": "bob",
            "actions": "iam:AttachUserPolicy",
            "resource": bob.arn,
            "context": f"iam:PolicyARN={ADMIN}",
        },
    ).content.decode()
    assert "no identity-based policy allows it" in simulated
    assert bob_client.post(url, {"policy_arn": ADMIN}).status_code == 403
    assert not PolicyAttachment.objects.filter(user=bob, policy_arn=ADMIN).exists()
    refusals = AuditEvent.objects.filter(event_name="AttachUserPolicy", error_code="AccessDenied")
    assert refusals.count() == 1


# --- Item 13: the Path field is optional, as it says ---------------------------------------


def test_create_user_without_a_path_puts_the_user_at_the_root_path(admin, management_account):
    response = admin.post(
        reverse("console:user_create", args=[management_account.id]),
        {"name": "carol", "console_access": ""},
    )
    assert response.status_code == 302
    carol = User.objects.get(account=management_account, name="carol")
    assert carol.path == "/"
    assert carol.arn == f"arn:aws:iam::{management_account.id}:user/carol"


# --- Item 7: the attach picker starts empty; customer policies first ----------------------


def _picker(body: str) -> str:
    start = body.index('<select name="policy_arn"')
    return body[start : body.index("</select>", start)]


def _attach_pages(management_account):
    from identity import services

    services.group_create(actor=None, account=management_account, name="ops")
    return [
        (
            reverse("console:user_permissions", args=[management_account.id, "bob"]),
            {},
            lambda: PolicyAttachment.objects.filter(user__name="bob").count(),
        ),
        (
            reverse("console:group_detail", args=[management_account.id, "ops"]),
            {"op": "attach"},
            lambda: PolicyAttachment.objects.filter(group__name="ops").count(),
        ),
    ]


def test_the_attach_picker_starts_on_choose_a_policy_with_customer_policies_first(
    admin, management_account, make_iam_user
):
    make_iam_user(name="bob")
    policies.customer_policy_create(
        actor=None,
        account=management_account,
        name="team-readers",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}],
            }
        ),
    )
    for url, _extra, _count in _attach_pages(management_account):
        picker = _picker(admin.get(url).content.decode())
        assert "data-policy-picker" in picker
        first = picker.index("<option")
        assert picker[first:].startswith('<option value="" selected>Choose a policy</option>')
        assert picker.count(" selected") == 1  # the empty choice only: no AdministratorAccess
        assert picker.index("team-readers") < picker.index("AdministratorAccess")
        assert '<optgroup label="Customer managed">' in picker
        assert '<optgroup label="AWS managed">' in picker


def test_submitting_the_empty_choice_is_a_form_error(admin, management_account, make_iam_user):
    make_iam_user(name="bob")
    for url, extra, count in _attach_pages(management_account):
        before = count()
        response = admin.post(url, {**extra, "policy_arn": ""})
        assert response.status_code == 200
        assert "Choose a policy to attach." in response.content.decode()
        assert count() == before
