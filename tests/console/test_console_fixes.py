"""Issue 13, the console as a new user tries it: what broke or confused, and stays fixed."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from identity.models import AuditEvent, PolicyAttachment, User
from identity.policies import services as policies
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
        assert 'data-filter="Filter policies by name"' in picker
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


# --- Item 12: policy documents pretty-printed; Attach from the policy's page -----------------

COMPACT = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow",'
    '"Action":["iam:GetUser","iam:ListUsers"],"Resource":"*"}]}'
)


@pytest.fixture
def readers(management_account):
    return policies.customer_policy_create(
        actor=None, account=management_account, name="readers", document=COMPACT
    )


def test_the_policy_page_shows_the_document_pretty_printed_and_the_stored_text(
    admin, management_account, readers
):
    from html import unescape

    body = admin.get(
        reverse("console:policy_detail", args=[management_account.id, "readers"])
    ).content.decode()
    shown = unescape(body.split('data-testid="default-document">')[1].split("</pre>")[0])
    assert shown == json.dumps(json.loads(COMPACT), indent=2)
    stored = unescape(body.split('data-testid="stored-document">')[1].split("</pre>")[0])
    assert stored == COMPACT


def test_attach_from_the_policy_page_to_a_user_and_a_group_audits_as_the_user_page_does(
    admin, management_account, make_iam_user, readers
):
    from identity import services

    make_iam_user(name="bob")
    make_iam_user(name="carol")
    services.group_create(actor=None, account=management_account, name="ops")
    detail = reverse("console:policy_detail", args=[management_account.id, "readers"])
    body = admin.get(detail).content.decode()
    attach = reverse("console:policy_attach", args=[management_account.id, "readers"])
    assert f'action="{attach}"' in body
    assert '<option value="" selected>Choose a user or group</option>' in body

    response = admin.post(attach, {"target": "user:bob"})
    assert response.status_code == 302 and response.url == detail
    response = admin.post(attach, {"target": "group:ops"})
    assert response.status_code == 302
    assert set(
        PolicyAttachment.objects.filter(policy_arn=readers.arn).values_list(
            "user__name", "group__name"
        )
    ) == {("bob", None), (None, "ops")}

    # The same policy attached to carol from her own page: the same audit event.
    admin.post(
        reverse("console:user_permissions", args=[management_account.id, "carol"]),
        {"policy_arn": readers.arn},
    )
    events = {
        e.request_parameters.get("userName") or e.request_parameters["groupName"]: e
        for e in AuditEvent.objects.filter(
            event_name__in=["AttachUserPolicy", "AttachGroupPolicy"], error_code=""
        )
    }
    assert events["bob"].request_parameters == {"policyArn": readers.arn, "userName": "bob"}
    assert events["carol"].request_parameters == {"policyArn": readers.arn, "userName": "carol"}
    assert events["ops"].request_parameters == {"policyArn": readers.arn, "groupName": "ops"}
    assert events["bob"].event_source == events["carol"].event_source == "iam.tobira"
    assert events["bob"].user_identity == events["carol"].user_identity

    # Nothing chosen, or someone else's name: refused, nothing attached.
    count = PolicyAttachment.objects.count()
    response = admin.post(attach, {"target": ""}, follow=True)
    assert "Choose a user or group to attach the policy to." in response.content.decode()
    assert admin.post(attach, {"target": "user:nobody"}).status_code == 404
    assert admin.post(attach, {"target": "robot:bob"}).status_code == 404
    assert PolicyAttachment.objects.count() == count


def test_attach_from_the_policy_page_asks_for_the_targets_action_with_the_policy_arn(
    admin, client_factory, management_account, make_iam_user, readers
):
    bob = make_iam_user(name="bob")
    carol = make_iam_user(name="carol")
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "iam:GetPolicy", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": "iam:AttachUserPolicy",
                    "Resource": carol.arn,
                    "Condition": {"ArnEquals": {"iam:PolicyARN": readers.arn}},
                },
            ],
        }
    )
    policies.inline_policy_put(actor=None, user=bob, name="attach-readers", document=document)
    bob_client = client_factory()
    signin_iam(bob_client, "example-corp", "bob")
    attach = reverse("console:policy_attach", args=[management_account.id, "readers"])
    assert bob_client.post(attach, {"target": "user:bob"}).status_code == 403
    assert bob_client.post(attach, {"target": "user:carol"}).status_code == 302
    assert list(
        PolicyAttachment.objects.filter(policy_arn=readers.arn).values_list("user__name", flat=True)
    ) == ["carol"]
    # Only carol is offered to bob.
    body = bob_client.get(
        reverse("console:policy_detail", args=[management_account.id, "readers"])
    ).content.decode()
    picker = body.split('name="target"')[1].split("</select>")[0]
    assert 'value="user:carol"' in picker and 'value="user:bob"' not in picker


# --- Item 11: the generated password, on a one-time page -----------------------------------


def _generated_password(body: str) -> str:
    from html import unescape

    return unescape(body.split('data-testid="generated-password">')[1].split("<")[0])


@pytest.mark.parametrize("via", ["user_create", "user_console_access"])
def test_a_generated_password_is_shown_once_after_a_redirect(
    admin, management_account, make_iam_user, via
):
    if via == "user_create":
        url = reverse("console:user_create", args=[management_account.id])
        body = {"name": "dave", "console_access": "on", "password_kind": "autogenerated"}
    else:
        make_iam_user(name="dave", password=None)
        url = reverse("console:user_console_access", args=[management_account.id, "dave"])
        body = {"console_access": "on", "password_kind": "autogenerated"}
    response = admin.post(url, {**body, "password_reset_required": "on"})
    shown_url = reverse("console:user_password_shown", args=[management_account.id, "dave"])
    assert response.status_code == 302 and response.url == shown_url  # a reload re-posts nothing
    assert 'data-testid="generated-password"' not in response.content.decode()
    held = admin.session["tobira_password_to_show"]["password"]  # encrypted while it waits
    dave = User.objects.get(account=management_account, name="dave")
    assert not dave.check_password(held)

    first = admin.get(shown_url)
    assert first.status_code == 200
    assert "no-store" in first["Cache-Control"].split(", ")
    password = _generated_password(first.content.decode())
    assert dave.check_password(password) and password not in held
    assert password not in str(dict(admin.session))  # gone from the session once shown
    page = first.content.decode()
    assert 'data-copy="#generated-password"' in page
    assert "data-csv-download" in page and "credentials.csv" in page

    again = admin.get(shown_url)
    assert again.status_code == 200 and "no-store" in again["Cache-Control"].split(", ")
    assert password not in again.content.decode()
    assert "already shown" in again.content.decode()


def test_the_one_time_page_shows_only_the_password_of_the_user_named(
    admin, management_account, make_iam_user
):
    make_iam_user(name="erin", password=None)
    admin.post(
        reverse("console:user_create", args=[management_account.id]),
        {"name": "dave", "console_access": "on", "password_kind": "autogenerated"},
    )
    other = reverse("console:user_password_shown", args=[management_account.id, "erin"])
    assert 'data-testid="generated-password"' not in admin.get(other).content.decode()
    mine = reverse("console:user_password_shown", args=[management_account.id, "dave"])
    assert 'data-testid="generated-password"' in admin.get(mine).content.decode()


def test_generated_passwords_never_start_like_a_spreadsheet_formula():
    from console.forms.common import generate_password

    assert not [p for p in (generate_password() for _ in range(3000)) if p[0] in "=+-@"]


# --- Item 9: a 403 caused by missing MFA says what to do -----------------------------------

FORCED_MFA = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ListUsers", "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"},
            {
                "Sid": "DenyAllExceptListedIfNoMFA",
                "Effect": "Deny",
                "NotAction": ["iam:ChangePassword", "iam:GetUser", "iam:EnableMFADevice"],
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ],
    }
)


def _forbidden(client, account) -> str:
    response = client.get(reverse("console:user_list", args=[account.id]))
    assert response.status_code == 403
    return response.content.decode()


def test_an_mfa_denial_without_a_device_links_to_assign_mfa(client, management_account, alice):
    policies.inline_policy_put(actor=None, user=alice, name="forced-mfa", document=FORCED_MFA)
    signin_iam(client, "example-corp", "alice")
    body = _forbidden(client, management_account)
    assert 'data-testid="mfa-required"' in body
    assert "This needs you to sign in with an MFA device." in body
    assert f'href="{reverse("mfa:assign")}"' in body
    assert "Sign out and sign in again" not in body
    # The explanation for administrators stays.
    assert "explicitly denied by statement DenyAllExceptListedIfNoMFA" in body
    assert "iam:ListUsers" in body


def test_an_mfa_denial_with_a_device_says_sign_in_again(client, management_account, alice):
    from mfa.totp import services as totp_services

    policies.inline_policy_put(actor=None, user=alice, name="forced-mfa", document=FORCED_MFA)
    signin_iam(client, "example-corp", "alice")  # signed in before the device was assigned
    device, _key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    device.__class__.objects.filter(pk=device.pk).update(confirmed=True)
    body = _forbidden(client, management_account)
    assert 'data-testid="mfa-required"' in body
    assert "Sign out and sign in again" in body
    assert f'action="{reverse("accounts:signout")}"' in body.split('data-testid="mfa-required"')[1]
    assert f'href="{reverse("mfa:assign")}"' not in body


def test_a_denial_that_is_not_about_mfa_says_nothing_about_mfa(client, management_account, alice):
    signin_iam(client, "example-corp", "alice")
    body = _forbidden(client, management_account)
    assert 'data-testid="mfa-required"' not in body
    assert "no identity-based policy allows it" in body


# --- Item 10: read-only users are not offered what leads only to Access denied ---------------


@pytest.fixture
def reader(client_factory, management_account, make_iam_user):
    bob = make_iam_user(name="bob")
    policies.policy_attach(actor=None, account=management_account, policy_arn=READ_ONLY, user=bob)
    reader = client_factory()
    signin_iam(reader, "example-corp", "bob")
    return reader


def _offers(client, management_account) -> dict[str, str]:
    from identity import services

    if not management_account.groups.filter(name="ops").exists():
        services.group_create(actor=None, account=management_account, name="ops")
    account = management_account.id
    pages = {
        "account": reverse("console:account_detail", args=[account]),
        "users": reverse("console:user_list", args=[account]),
        "user": reverse("console:user_detail", args=[account, "alice"]),
        "permissions": reverse("console:user_permissions", args=[account, "alice"]),
        "groups": reverse("console:group_list", args=[account]),
        "group": reverse("console:group_detail", args=[account, "ops"]),
        "policies": reverse("console:policy_list", args=[account]),
    }
    bodies = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        bodies[name] = response.content.decode()
    return bodies


def test_a_read_only_user_is_not_offered_actions_they_may_not_take(
    admin, reader, management_account, alice
):
    policies.policy_attach(actor=None, account=management_account, policy_arn=READ_ONLY, user=alice)
    create_user = reverse("console:user_create", args=[management_account.id])
    offered = _offers(admin, management_account)
    hidden = _offers(reader, management_account)
    checks = {
        "account": [f'href="{create_user}"', f'href="{reverse("console:sso_home")}"'],
        "users": [f'href="{create_user}"'],
        "user": [
            f'href="{reverse("console:user_delete", args=[management_account.id, "alice"])}"',
            reverse("console:user_console_access", args=[management_account.id, "alice"]),
            reverse("console:user_mfa_hardware", args=[management_account.id, "alice"]),
        ],
        "permissions": ['<select name="policy_arn"', ">Detach<", "inline/new"],
        "groups": ['name="name"'],
        "group": ['value="attach"', 'value="add"', "inline/new"],
        "policies": [reverse("console:policy_create", args=[management_account.id])],
    }
    for page, needles in checks.items():
        for needle in needles:
            assert needle in offered[page], (page, needle)
            assert needle not in hidden[page], (page, needle)


def test_asking_for_a_pages_actions_costs_no_query_per_action_or_row(
    rf, reader, management_account, django_assert_num_queries, django_assert_max_num_queries
):
    from identity import arns, services
    from identity.authorization import permitted

    bob = User.objects.get(name="bob")
    request = rf.get("/")
    request.user = bob
    request.session = {}
    one = {"list": ("iam:ListUsers", arns.user(management_account.id, "/", "*"))}
    many = {
        f"q{n}": ("iam:CreateUser", arns.user(management_account.id, "/", f"u{n}"))
        for n in range(200)
    }
    with CaptureQueriesContext(connection) as few:  # the principal's policies, loaded once
        assert permitted(request, one, account=management_account) == {"list": True}
    assert 0 < len(few.captured_queries) <= 6
    request.user = User.objects.get(pk=bob.pk)  # a new request: nothing cached
    with django_assert_num_queries(len(few.captured_queries)):
        assert not any(permitted(request, many, account=management_account).values())

    # A page asks for its actions and for every row's: its queries do not grow with the rows.
    url = reverse("console:policy_detail", args=[management_account.id, "readers"])
    policies.customer_policy_create(
        actor=None, account=management_account, name="readers", document=COMPACT
    )
    reader.get(url)
    with CaptureQueriesContext(connection) as before:
        assert reader.get(url).status_code == 200
    for n in range(30):
        services.iam_user_create(actor=None, account=management_account, name=f"robot{n}")
        services.group_create(actor=None, account=management_account, name=f"team{n}")
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert reader.get(url).status_code == 200


# --- Item 13: counts in sentences have plural forms ---------------------------------------


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        (
            "en",
            "<strong>1</strong> IAM user with a console password",
            "<strong>2</strong> IAM users",
        ),
        (
            "ja",
            "コンソールパスワードを持つ IAM ユーザー <strong>1</strong> 人",
            "<strong>2</strong> 人",
        ),
    ],
)
def test_the_people_summary_has_plural_forms(
    admin, management_account, make_iam_user, language, one, two
):
    make_iam_user(name="bob")
    url = reverse("console:account_detail", args=[management_account.id])
    summary = lambda: (  # noqa: E731
        admin.get(url, HTTP_ACCEPT_LANGUAGE=language)
        .content.decode()
        .split('data-testid="people-summary"')[1]
        .split("</div>")[0]
    )
    assert one in summary()
    make_iam_user(name="carol")
    assert two in summary()


def test_a_generated_password_left_unseen_expires_from_the_session(
    admin, management_account, time_machine
):
    time_machine.move_to(1_900_000_000, tick=False)
    admin.post(
        reverse("console:user_create", args=[management_account.id]),
        {"name": "dave", "console_access": "on", "password_kind": "autogenerated"},
    )
    time_machine.move_to(1_900_000_000 + 601, tick=False)
    page = admin.get(reverse("console:user_password_shown", args=[management_account.id, "dave"]))
    assert page.status_code == 200
    assert 'data-testid="generated-password"' not in page.content.decode()
    assert "tobira_password_to_show" not in admin.session
