"""Reproductions from the security review of the policy work: each asserts the safe behaviour."""

import json
import time

import pytest
from django.urls import reverse

from identity.models import PolicyAttachment, User
from identity.policies import services as policies
from identity.policy import NamedPolicy, PolicyError, context_of, evaluate, parse
from identity.policy.document import _parse_text
from tests.conftest import make_organization, root_of, scp_detach_url, signin_iam

pytestmark = pytest.mark.django_db
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# 1. ReDoS: resource wildcards compile to backtracking regexes (.*a.*a...).
def test_redos_any_new_tenant_pins_a_worker_through_the_simulator(client):
    org = make_organization(name="Evil", email="evil@evil.test", alias="evil-corp")
    root = root_of(org.management_account)
    from identity import services

    victim = services.iam_user_create(actor=None, account=org.management_account, name="v")
    pattern = "arn:aws:iam::*:user/" + "*a" * 8 + "*b"  # 137 characters: far under the size limit
    policies.inline_policy_put(
        actor=None,
        user=victim,
        name="slow",
        document=_doc({"Effect": "Allow", "Action": "iam:GetUser", "Resource": pattern}),
    )
    client.force_login(root)
    url = reverse("console:simulator", args=[org.management_account.id])
    started = time.monotonic()
    response = client.get(
        url, {"user": "v", "actions": "iam:GetUser", "resource": "arn:aws:iam::1:user/" + "a" * 40}
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 0.5, (
        f"one request took {elapsed:.1f}s (k=10 stars: ~27s; resource up to 2048 chars)"
    )


# 2. Deny statements keyed on the real resource / condition keys never apply.
def test_deny_on_iam_policyarn_is_bypassed_and_user_becomes_admin(
    client, management_account, make_iam_user
):
    ops = make_iam_user(name="ops", self_service=False)
    policies.inline_policy_put(
        actor=None,
        user=ops,
        name="delegated",
        document=_doc(
            {
                "Effect": "Allow",
                "Action": ["iam:AttachUserPolicy", "iam:ListAttachedUserPolicies"],
                "Resource": "*",
            },
            {
                "Sid": "NeverAdmin",
                "Effect": "Deny",
                "Action": "iam:AttachUserPolicy",
                "Resource": "*",
                "Condition": {"ArnEquals": {"iam:PolicyARN": ADMIN}},
            },
        ),
    )
    signin_iam(client, "example-corp", "ops")
    url = reverse("console:user_permissions", args=[management_account.id, "ops"])
    client.post(url, {"policy_arn": ADMIN})
    assert not PolicyAttachment.objects.filter(user=ops, policy_arn=ADMIN).exists()


def test_deny_create_user_under_a_path_is_bypassed(client, management_account, make_iam_user):
    ops = make_iam_user(name="ops", self_service=False)
    policies.inline_policy_put(
        actor=None,
        user=ops,
        name="hr",
        document=_doc(
            {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "iam:CreateUser",
                "Resource": "arn:aws:iam::*:user/admins/*",
            },
        ),
    )
    signin_iam(client, "example-corp", "ops")
    client.post(
        reverse("console:user_create", args=[management_account.id]),
        {"name": "mallory", "path": "/admins/"},
    )
    assert not User.objects.filter(name="mallory").exists()


def test_deny_detach_of_a_guardrail_scp_is_bypassed(
    client, organization, management_account, member_account, management_root, make_iam_user
):
    guard = policies.scp_create(
        actor=management_root,
        organization=organization,
        name="guard",
        document=_doc({"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}),
    )
    policies.scp_attach(
        actor=management_root,
        organization=organization,
        policy_arn=guard.arn,
        account=member_account,
    )
    make_iam_user(
        name="ops",
        self_service=False,
        managed=["arn:aws:iam::aws:policy/AWSOrganizationsFullAccess"],
        inline={
            "keep-guard": _doc(
                {"Effect": "Deny", "Action": "organizations:DetachPolicy", "Resource": guard.arn}
            )
        },
    )
    signin_iam(client, "example-corp", "ops")
    assert client.post(scp_detach_url(guard.arn, member_account.id)).status_code == 403
    assert organization.scp_attachments.filter(policy_arn=guard.arn).exists()


# 3. Oversized documents are parsed and cached (lru 4096) before the size check.
def test_rejected_oversized_documents_are_not_kept_in_memory(client, management_root):
    _parse_text.cache_clear()
    client.force_login(management_root)
    url = reverse("console:policy_create", args=[management_root.account_id])
    big = _doc(
        *[
            {"Effect": "Allow", "Action": "iam:GetUser", "Resource": f"arn:aws:iam::*:user/u{i}"}
            for i in range(300)
        ]
    )
    assert 6144 < len(big) < 32768
    for n in range(5):
        response = client.post(url, {"name": f"p{n}", "document": big + " " * n})
        assert "the limit is" in response.content.decode()
    assert _parse_text.cache_info().currsize == 0


# 4. Variable values are wildcards in StringLike/ArnLike (resources escape them; conditions do not).
def test_condition_variables_are_not_wildcards():
    policy = parse(
        _doc(
            {
                "Effect": "Allow",
                "Action": "iam:GetUser",
                "Resource": "*",
                "Condition": {"StringLike": {"aws:PrincipalTag/team": "${aws:PrincipalArn}"}},
            }
        )
    )
    decision = evaluate(
        action="iam:GetUser",
        resource="*",
        context=context_of(
            {
                "aws:PrincipalArn": "arn:aws:iam::1:user/*/eve",
                "aws:PrincipalTag/team": "arn:aws:iam::1:user/admins/eve",
            }
        ),
        identity_policies=(NamedPolicy("p", policy),),
    )
    assert not decision.allowed


# 5. Duplicate JSON keys: the editor shows "Deny", the engine uses the last one.
def test_duplicate_keys_are_rejected():
    with pytest.raises(PolicyError, match="twice"):
        parse(
            '{"Version":"2012-10-17","Statement":{"Effect":"Deny","Effect":"Allow","Action":"*","Resource":"*"}}'
        )


# 6. A recovery-code (no MFA) sign-in over an existing MFA session keeps aws:MultiFactorAuthPresent.
def test_recovery_code_signin_over_an_mfa_session_is_not_mfa(client, alice, time_machine):
    import re as _re

    import pyotp

    from tests.conftest import PASSWORD, T0

    PAGE = reverse("mfa:recovery_codes")

    time_machine.move_to(T0, tick=False)
    signin_iam(client, "example-corp", "alice")
    response = client.post(reverse("mfa:assign"), {"name": "alice-app"})
    page = client.get(response["Location"]).content.decode()
    app = pyotp.TOTP(_re.search(r'data-testid="secret">([A-Z2-7]+)<', page).group(1))
    time_machine.move_to(T0 + 30, tick=False)
    client.post(response["Location"], {"code1": app.at(T0), "code2": app.at(T0 + 30)})
    client.post(reverse("accounts:signout"))
    time_machine.move_to(T0 + 120, tick=False)
    signin_iam(client, "example-corp", "alice")
    from mfa.models import MFADevice

    device = MFADevice.objects.get(user=alice)
    client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 120)})
    assert "tobira_mfa" in client.session
    body = client.post(PAGE, {"password": PASSWORD}).content.decode()  # codes need MFA
    codes = _re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", body)
    assert len(codes) == 10
    # same browser, no sign-out: sign in again with the password and a recovery code
    signin_iam(client, "example-corp", "alice")
    client.post(reverse("mfa:signin"), {"method": "recovery_code", "recovery_code": codes[0]})
    assert client.session.get("tobira_recovered") == "recovery_code"
    assert "tobira_mfa" not in client.session
