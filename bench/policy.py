"""Policy decisions per second: Tobira's engine, and moto's evaluator on the subset it supports.

    uv sync --frozen --group bench        # moto is a benchmark-only dependency
    .venv/bin/python bench/policy.py [--decisions 50000] [--seed 7]

The set is what a console sees: AWS managed policies (AdministratorAccess,
IAMFullAccess, IAMReadOnlyAccess, IAMUserChangePassword), seed 003's
forced-MFA policy with ``${aws:username}``, 20 customer policies with
conditions (addresses, dates, MFA, tags, variables) and five SCP levels (the
organization root, three nested organizational units, the account); 60 users
holding 2 to 6 of them, every third of those with customer policies also under
a permissions boundary (with a Deny of its own); console sessions (a user, an
address, MFA or not) of 5 to 30 page views asking 1 to 3 questions each over
40 actions. One core, one thread. Each decision builds its request context
(``context_of``) and evaluates it, as a console request does. The rate is the
best of ``--rounds`` passes over the same decisions: the machine's other work
only ever slows a pass down.

moto (``moto.iam.access_control.IAMPolicy``) has no SCPs, no policy variables
and only a few condition operators, so it runs the decisions of users whose
policies it can read, identity policies only, and our engine runs that same
subset for the ratio. moto gets its documents pre-parsed (a kindness: moto
itself parses them again for every request). Last line: the ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from identity.policy import NamedPolicy, context_of, evaluate, parse  # noqa: E402

ACCOUNT = "123456789012"
ACTIONS = [
    "iam:GetUser",
    "iam:ListUsers",
    "iam:CreateUser",
    "iam:DeleteUser",
    "iam:UpdateLoginProfile",
    "iam:ChangePassword",
    "iam:GetAccountSummary",
    "iam:ListMFADevices",
    "iam:EnableMFADevice",
    "iam:CreateVirtualMFADevice",
    "iam:DeactivateMFADevice",
    "iam:ResyncMFADevice",
    "iam:ListPolicies",
    "iam:GetPolicy",
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:AttachUserPolicy",
    "iam:DetachUserPolicy",
    "iam:PutUserPolicy",
    "iam:ListAttachedUserPolicies",
    "iam:SimulatePrincipalPolicy",
    "iam:ListGroups",
    "iam:CreateGroup",
    "iam:AddUserToGroup",
    "iam:TagUser",
    "iam:ListAccessKeys",
    "iam:CreateAccessKey",
    "cloudtrail:LookupEvents",
    "organizations:DescribeOrganization",
    "organizations:CreateAccount",
    "organizations:ListAccounts",
    "organizations:AttachPolicy",
    "sts:GetSessionToken",
    "ec2:DescribeInstances",
    "ec2:RunInstances",
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "sso:ListInstances",
    "identitystore:ListUsers",
]


def managed() -> dict[str, str]:
    data = json.loads((ROOT / "identity" / "policies" / "data" / "aws_managed.json").read_text())
    return {item["name"]: json.dumps(item["document"]) for item in data["identity"]}


# Seed 003's policy with ${aws:username}, as the demo data has it.
FORCED_MFA = (ROOT / "identity" / "policies" / "data" / "forced_mfa_self_manage.json").read_text()


def customer_policies(rng: random.Random) -> dict[str, str]:
    """Twenty customer policies: team scopes, address and date limits, MFA, tags, variables."""
    out = {}
    for n in range(20):
        team = f"team-{n % 5}"
        statements = [
            {
                "Sid": "TeamUsers",
                "Effect": "Allow",
                "Action": rng.sample(
                    [
                        "iam:Get*",
                        "iam:List*",
                        "iam:CreateUser",
                        "iam:TagUser",
                        "iam:UpdateLoginProfile",
                    ],
                    3,
                ),
                "Resource": f"arn:aws:iam::{ACCOUNT}:user/{team}/*",
                "Condition": {"IpAddress": {"aws:SourceIp": [f"10.{n}.0.0/16", "192.0.2.0/24"]}},
            },
            {
                "Sid": "OwnKeys",
                "Effect": "Allow",
                "Action": ["iam:CreateAccessKey", "iam:ListAccessKeys"],
                "Resource": "arn:aws:iam::*:user/${aws:username}",
            },
            {
                "Sid": "UntilEndOfYear",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{team}-data", f"arn:aws:s3:::{team}-data/*"],
                "Condition": {
                    "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"},
                    "StringEquals": {"aws:PrincipalTag/team": team},
                },
            },
            {
                "Sid": "NoWritesWithoutMFA",
                "Effect": "Deny",
                "Action": ["s3:PutObject", "iam:Create*", "iam:Delete*"],
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ]
        if n % 3 == 0:
            statements.append(
                {
                    "Sid": "OnlyFromOffice",
                    "Effect": "Deny",
                    "NotAction": ["iam:ChangePassword", "sts:GetSessionToken"],
                    "Resource": "*",
                    "Condition": {
                        "NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
                        "Bool": {"aws:ViaAWSService": "false"},
                    },
                }
            )
        out[f"team-policy-{n}"] = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return out


FULL_AWS_ACCESS = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
)
SCPS = [
    (
        "organization root",
        {
            "FullAWSAccess": FULL_AWS_ACCESS,
            "DenyLeaving": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DenyLeaveAndAccountChanges",
                            "Effect": "Deny",
                            "Action": [
                                "organizations:LeaveOrganization",
                                "organizations:CreateAccount",
                                "account:*",
                            ],
                            "Resource": "*",
                        },
                        {
                            "Sid": "DenyOutsideRegions",
                            "Effect": "Deny",
                            "NotAction": ["iam:*", "organizations:*", "sts:*", "cloudtrail:*"],
                            "Resource": "*",
                            "Condition": {
                                "StringNotEquals": {
                                    "aws:RequestedRegion": ["ap-northeast-1", "us-east-1"]
                                }
                            },
                        },
                    ],
                }
            ),
        },
    ),
    (
        "OU Workloads (ou-ab12-11111111)",
        {
            "FullAWSAccess": FULL_AWS_ACCESS,
            "DenyRootAndLeaving": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "NoRootUser",
                            "Effect": "Deny",
                            "Action": "*",
                            "Resource": "*",
                            "Condition": {
                                "StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}
                            },
                        }
                    ],
                }
            ),
        },
    ),
    ("OU Production (ou-ab12-22222222)", {"FullAWSAccess": FULL_AWS_ACCESS}),
    (
        "OU Payments (ou-ab12-33333333)",
        {
            "AllowListedServices": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "OnlyThese",
                            "Effect": "Allow",
                            "Action": [
                                "iam:*",
                                "sts:*",
                                "s3:*",
                                "ec2:*",
                                "cloudtrail:*",
                                "organizations:*",
                                "sso:*",
                                "identitystore:*",
                            ],
                            "Resource": "*",
                        }
                    ],
                }
            )
        },
    ),
    ("account", {"FullAWSAccess": FULL_AWS_ACCESS}),
]

# The permissions boundary a third of the users with customer policies are under: what a
# delegated administrator may hand out, with a Deny of its own.
BOUNDARY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TeamWork",
                "Effect": "Allow",
                "Action": ["iam:Get*", "iam:List*", "iam:*AccessKey*", "s3:*", "sts:*"],
                "Resource": "*",
            },
            {
                "Sid": "OwnMFA",
                "Effect": "Allow",
                "Action": ["iam:*MFADevice", "iam:ChangePassword"],
                "Resource": [
                    "arn:aws:iam::*:user/${aws:username}",
                    "arn:aws:iam::*:mfa/${aws:username}*",
                ],
            },
            {
                "Sid": "KeepTheBoundary",
                "Effect": "Deny",
                "Action": ["iam:DeleteUserPermissionsBoundary", "iam:CreatePolicyVersion"],
                "Resource": "*",
            },
        ],
    }
)


def build(rng: random.Random):
    documents = {**managed(), "forced-mfa-self-manage": FORCED_MFA, **customer_policies(rng)}
    names = sorted(documents)
    users = []
    plain = sorted(managed())
    for n in range(60):
        if n % 3 == 0:  # a third hold only AWS managed policies (what moto can evaluate)
            held = rng.sample(plain, rng.randint(2, 4))
        else:
            held = rng.sample(names, rng.randint(3, 6))
        if n % 4 == 1 and "forced-mfa-self-manage" not in held:
            held.append("forced-mfa-self-manage")
        bounded = n % 3 == 1 and any(p.startswith("team-policy") for p in held)
        users.append((f"user-{n}", f"/team-{n % 5}/", held, bounded))
    return documents, users


def requests_for(rng: random.Random, users, count: int):
    """Console traffic: sessions (a user, an address, MFA or not), each of a few page views
    asking one to three questions about the user's own and their team's resources."""
    out = []
    while len(out) < count:
        name, path, held, _bounded = rng.choice(users)
        mfa = rng.random() < 0.6
        session = {
            "aws:username": name,
            "aws:userid": f"AIDA{abs(hash(name)) % 10**17:017d}",
            "aws:PrincipalAccount": ACCOUNT,
            "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user{path}{name}",
            "aws:MultiFactorAuthPresent": mfa,
            "aws:SourceIp": rng.choice(["10.3.4.5", "192.0.2.10", "203.0.113.9", "2001:db8::1"]),
            "aws:SecureTransport": True,
            "aws:RequestedRegion": rng.choice(["ap-northeast-1", "us-east-1", "eu-west-1"]),
            "aws:PrincipalTag/team": path.strip("/"),
        }
        teammates = [u for u in users if u[1] == path]
        for _view in range(rng.randint(5, 30)):
            values = {
                **session,
                "aws:CurrentTime": "2026-11-23T12:00:00Z",
                "aws:EpochTime": 1795435200,
            }
            if mfa:
                values["aws:MultiFactorAuthAge"] = rng.randint(1, 40000)
            for _question in range(rng.randint(1, 3)):
                action = rng.choice(ACTIONS)
                other = rng.choice(teammates)
                resource = rng.choice(
                    [
                        f"arn:aws:iam::{ACCOUNT}:user{path}{name}",
                        f"arn:aws:iam::{ACCOUNT}:user{other[1]}{other[0]}",
                        f"arn:aws:iam::{ACCOUNT}:mfa/{name}-app",
                        f"arn:aws:s3:::{path.strip('/')}-data/report.csv",
                        "*",
                    ]
                )
                out.append((name, held, action, resource, values))
    return out[:count]


def moto_supports(document: str) -> bool:
    return "Condition" not in document and "${" not in document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    documents, users = build(rng)
    compiled = {name: NamedPolicy(name, parse(text)) for name, text in documents.items()}
    scp_levels = tuple(
        (
            level,
            tuple(NamedPolicy(n, parse(t, scp=True), "scp", level) for n, t in scps.items()),
        )
        for level, scps in SCPS
    )
    boundary = (NamedPolicy("DelegatedBoundary", parse(BOUNDARY), "boundary"),)
    held_policies = {name: tuple(compiled[p] for p in held) for name, _path, held, _b in users}
    boundaries = {name: boundary if bounded else None for name, _p, _h, bounded in users}
    workload = requests_for(rng, users, args.decisions)

    def run(items, *, scps, bounded=True):
        started = time.process_time()
        allowed = 0
        for name, _held, action, resource, values in items:
            decision = evaluate(
                action=action,
                resource=resource,
                context=context_of(values),
                identity_policies=held_policies[name],
                scp_levels=scps,
                boundary=boundaries[name] if bounded else None,
            )
            allowed += decision.allowed
        return time.process_time() - started, allowed

    run(workload[:2000], scps=scp_levels)  # a running server has parsed its policies
    seconds, allowed = min(run(workload, scps=scp_levels) for _round in range(args.rounds))
    full_rate = len(workload) / seconds
    under_boundary = sum(1 for item in workload if boundaries[item[0]] is not None)
    print(
        f"policies: {len(documents)} ({len(users)} users, 2-6 each), "
        f"SCP levels: {len(SCPS)} (3 OUs), decisions under a boundary: {under_boundary}"
    )
    print(
        f"tobira, full set with SCPs and boundaries: {len(workload)} decisions in "
        f"{seconds:.2f} s CPU (best of {args.rounds}), {allowed} allowed"
    )

    supported_users = {
        name
        for name, _p, held, bounded in users
        if not bounded and all(moto_supports(documents[p]) for p in held)
    }
    subset = [item for item in workload if item[0] in supported_users]
    if not subset:
        print("moto: no user holds only policies moto can read")
        print(f"decisions/s, one core, full set: {full_rate:,.0f} (goal >= 100,000)")
        return
    try:
        from moto.iam.access_control import IAMPolicy, PermissionResult
    except ImportError:
        print("moto is not installed: uv sync --frozen --group bench")
        print(f"decisions/s, one core, full set: {full_rate:,.0f} (goal >= 100,000)")
        return

    def moto_run(policies_of):
        started = time.process_time()
        allowed = 0
        for name, _held, action, resource, values in subset:
            permitted = False
            for policy in policies_of(name):
                result = policy.is_action_permitted(action, resource, None, values)
                if result == PermissionResult.DENIED:
                    permitted = False
                    break
                if result == PermissionResult.PERMITTED:
                    permitted = True
            allowed += permitted
        return len(subset) / (time.process_time() - started), allowed

    parsed = {name: IAMPolicy(text) for name, text in documents.items() if moto_supports(text)}
    held_names = {name: held for name, _path, held, _b in users if name in supported_users}
    # As moto's request path does it: IAMPolicy(document) for every policy of every request.
    moto_as_it_runs, moto_allowed = moto_run(
        lambda name: [IAMPolicy(documents[p]) for p in held_names[name]]
    )
    moto_preparsed, _ = moto_run(lambda name: [parsed[p] for p in held_names[name]])
    ours_seconds, ours_allowed = min(
        run(subset, scps=(), bounded=False) for _round in range(args.rounds)
    )
    ours_rate = len(subset) / ours_seconds
    print(f"subset moto supports: {len(subset)} decisions of {len(supported_users)} users")
    print(f"  tobira: {ours_rate:,.0f}/s ({ours_allowed} allowed)")
    print(
        f"  moto:   {moto_as_it_runs:,.0f}/s as its request path runs (parsing each policy), "
        f"{moto_preparsed:,.0f}/s with policies parsed once ({moto_allowed} allowed)"
    )
    if ours_allowed != moto_allowed:
        print("  note: the two disagree on some decisions of the subset")
    print(f"  tobira vs moto with policies parsed once: {ours_rate / moto_preparsed:.1f}x")
    print(
        f"ratio tobira/moto (moto as its request path runs): {ours_rate / moto_as_it_runs:.1f}x (goal >= 50x)"
    )
    # Issue 20: the full set's rate, with OUs and boundaries, is the last line.
    print(f"decisions/s, one core, full set: {full_rate:,.0f} (goal >= 100,000)")


if __name__ == "__main__":
    main()
