"""An account's IAM dashboard (console/views/dashboard.py, mfa/credentials/dashboard.py): its
counts, each security recommendation appearing for a planted case with the right count and
going green once fixed, the affected-users lists, the organization's roll-up, the tenant
boundary, and a constant number of queries whatever the number of users or accounts."""

import json
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from identity import ids, services
from identity.credentials import services as access_keys
from identity.credentials.models import AccessKey, Status
from identity.models import Account, User
from identity.policies import services as policies
from mfa.base import services as mfa_base
from mfa.credentials import dashboard
from mfa.models import MFADevice
from mfa.totp import services as totp_services
from tests.conftest import PASSWORD, T0
from tests.support.mfa import authenticator

pytestmark = pytest.mark.django_db

DAY = 86_400
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
KEYS = [r.key for r in dashboard.RECOMMENDATIONS]


def dashboard_url(account):
    return reverse("console:account_dashboard", args=[account.id])


def affected_url(account, key):
    return reverse("console:dashboard_affected_users", args=[account.id, key])


def shown(client, account) -> dict[str, int]:
    """Each recommendation's count, as the page shows it (its ``data-count``)."""
    response = client.get(dashboard_url(account))
    assert response.status_code == 200
    page = response.content.decode()
    found = dict(re.findall(r'data-testid="recommendation-([a-z-]+)" data-count="(\d+)"', page))
    assert sorted(found) == sorted(KEYS)
    return {key: int(count) for key, count in found.items()}


def listed(client, account, key) -> list[str]:
    response = client.get(affected_url(account, key))
    assert response.status_code == 200
    return re.findall(
        r'<tr data-testid="affected-user">\s*<td><a href="[^"]+">([^<]+)</a>',
        response.content.decode(),
    )


def enable_app(user, name):
    """An authenticator app enabled through the service, with two codes of now."""
    device, key = totp_services.virtual_mfa_device_create(user=user, name=name)
    app, now = authenticator(key), int(time.time())
    totp_services.mfa_device_enable(
        actor=user, device=device, first_code=app.at(now - 30), second_code=app.at(now)
    )
    return MFADevice.objects.get(pk=device.pk)


def days(n):
    return T0 + n * DAY


def only_open(counts: dict[str, int]) -> dict[str, int]:
    return {key: count for key, count in counts.items() if count}


@pytest.fixture
def signed_in(client, management_root):
    client.force_login(management_root)
    return client


def test_a_new_organization_needs_root_mfa_and_a_password_policy(at, signed_in, management_root):
    account = management_root.account
    assert only_open(shown(signed_in, account)) == {"root-mfa": 1, "password-policy": 1}
    page = signed_in.get(dashboard_url(account)).content.decode()
    assert "Add MFA for the root user" in page
    assert "Set a password policy" in page
    # What was checked and is fine shows as done, so an administrator sees it was looked at.
    assert "No active access key is older than 90 days" in page
    assert page.count('class="badge badge-ok">Done') == len(KEYS) - 2
    assert reverse("console:password_policy", args=[account.id]) in page


def test_root_mfa_goes_green_once_the_root_user_has_a_device(at, signed_in, management_root):
    account = management_root.account
    page = signed_in.get(dashboard_url(account)).content.decode()
    assert reverse("mfa:security_credentials") in page  # the root user fixes it there
    device = enable_app(management_root, "root-app")
    assert shown(signed_in, account)["root-mfa"] == 0
    assert "The root user has MFA" in signed_in.get(dashboard_url(account)).content.decode()

    mfa_base.mfa_device_delete(actor=None, device=device)
    assert shown(signed_in, account)["root-mfa"] == 1


def test_root_access_keys_until_deleted(at, signed_in, management_root):
    account = management_root.account
    key, _secret = access_keys.access_key_create(actor=None, user=management_root)
    assert shown(signed_in, account)["root-access-keys"] == 1
    # Even an inactive root key is one too many: AWS says delete it.
    access_keys.access_key_status_set(actor=None, key=key, status=Status.INACTIVE)
    assert shown(signed_in, account)["root-access-keys"] == 1
    access_keys.access_key_delete(actor=None, key=key)
    assert shown(signed_in, account)["root-access-keys"] == 0


def test_people_with_console_passwords_and_without_mfa(
    at, signed_in, management_root, make_iam_user
):
    account = management_root.account
    alice = make_iam_user(name="alice")
    make_iam_user(name="carol")
    make_iam_user(name="robot", password=None)  # no console password: neither check
    counts = shown(signed_in, account)
    assert counts["use-sso"] == 2 and counts["console-without-mfa"] == 2
    page = signed_in.get(dashboard_url(account)).content.decode()
    assert "Use IAM Identity Center for people" in page
    assert reverse("console:sso_home") in page

    enable_app(alice, "alice-app")
    counts = shown(signed_in, account)
    assert counts["console-without-mfa"] == 1  # carol
    assert counts["use-sso"] == 2  # MFA or not, people belong in Identity Center

    carol = User.objects.get(account=account, name="carol")
    services.iam_user_console_access_set(actor=None, user=carol, password=None)
    counts = shown(signed_in, account)
    assert counts["console-without-mfa"] == 0 and counts["use-sso"] == 1


def test_console_passwords_unused_for_90_days(at, signed_in, management_root, make_iam_user):
    account = management_root.account
    alice = make_iam_user(name="alice")  # created, and its password set, at T0: never used
    at(days(89))
    assert shown(signed_in, account)["unused-passwords"] == 0
    at(days(91))
    assert shown(signed_in, account)["unused-passwords"] == 1
    assert listed(signed_in, account, "unused-passwords") == ["alice"]

    # She signs in: used yesterday is used.
    User.objects.filter(pk=alice.pk).update(password_last_used=timezone.now() - timedelta(days=1))
    assert shown(signed_in, account)["unused-passwords"] == 0
    # ...and then not again for 91 days.
    at(days(182))
    assert shown(signed_in, account)["unused-passwords"] == 1
    # An administrator gives her a new password: it counts from then.
    services.iam_user_console_access_set(
        actor=None, user=User.objects.get(pk=alice.pk), password="Another-Horse-43!battery"
    )
    assert shown(signed_in, account)["unused-passwords"] == 0


def test_a_password_never_used_counts_from_the_users_creation_when_its_setting_is_unknown(
    at, signed_in, management_root, make_iam_user
):
    account = management_root.account
    alice = make_iam_user(name="alice")
    User.objects.filter(pk=alice.pk).update(password_changed=None)  # set before it was kept
    at(days(91))
    assert shown(signed_in, account)["unused-passwords"] == 1


def test_access_keys_unused_for_90_days(at, signed_in, management_root, make_iam_user):
    account = management_root.account
    alice = make_iam_user(name="alice", password=None)
    key, _secret = access_keys.access_key_create(actor=None, user=alice)
    at(days(89))
    assert shown(signed_in, account)["unused-access-keys"] == 0
    at(days(91))
    assert shown(signed_in, account)["unused-access-keys"] == 1
    AccessKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())  # a program used it
    assert shown(signed_in, account)["unused-access-keys"] == 0
    at(days(91 + 91))
    assert shown(signed_in, account)["unused-access-keys"] == 1
    access_keys.access_key_status_set(actor=None, key=key, status=Status.INACTIVE)
    assert shown(signed_in, account)["unused-access-keys"] == 0  # an inactive key signs nothing


def test_active_access_keys_older_than_90_days_until_rotated(
    at, signed_in, management_root, make_iam_user
):
    account = management_root.account
    alice = make_iam_user(name="alice", password=None)
    old, _secret = access_keys.access_key_create(actor=None, user=alice)
    at(days(89))
    assert shown(signed_in, account)["old-access-keys"] == 0
    at(days(91))
    AccessKey.objects.filter(pk=old.pk).update(last_used_at=timezone.now())  # used, still old
    counts = shown(signed_in, account)
    assert counts["old-access-keys"] == 1 and counts["unused-access-keys"] == 0
    page = signed_in.get(affected_url(account, "old-access-keys")).content.decode()
    assert old.access_key_id in page

    # Rotation: a second key, then the old one deactivated and deleted.
    new, _secret = access_keys.access_key_create(actor=None, user=alice)
    assert shown(signed_in, account)["old-access-keys"] == 1
    access_keys.access_key_status_set(actor=None, key=old, status=Status.INACTIVE)
    assert shown(signed_in, account)["old-access-keys"] == 0
    access_keys.access_key_delete(actor=None, key=old)
    page = signed_in.get(affected_url(account, "old-access-keys")).content.decode()
    assert "No user is concerned any more." in page and new.access_key_id not in page


def test_the_password_policy(at, signed_in, management_root):
    account = management_root.account
    assert shown(signed_in, account)["password-policy"] == 1
    services.password_policy_set(actor=None, account=account, minimum_password_length=14)
    assert shown(signed_in, account)["password-policy"] == 0
    assert (
        "The account has a password policy"
        in signed_in.get(dashboard_url(account)).content.decode()
    )


def test_the_counts(at, signed_in, management_root, make_iam_user):
    account = management_root.account
    alice = make_iam_user(name="alice")
    make_iam_user(name="bob")
    make_iam_user(name="robot", password=None)
    enable_app(alice, "alice-app")
    enable_app(management_root, "root-app")  # the root user is no IAM user
    services.group_create(actor=None, account=account, name="admins")
    policies.customer_policy_create(
        actor=None,
        account=account,
        name="ops",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            }
        ),
    )
    facts = dashboard.account_facts(account)
    assert (facts.users, facts.mfa_users, facts.groups, facts.customer_policies) == (3, 1, 1, 1)
    page = signed_in.get(dashboard_url(account)).content.decode()
    counted = dict(
        re.findall(
            r'data-testid="count-([a-z-]+)"><span class="dashboard-count">(\d+)</span>', page
        )
    )
    assert counted == {
        "users": "3",
        "mfa-users": "1",
        "groups": "1",
        "policies": "1",
        "permission-sets": "0",
    }


def test_the_affected_users_pages_list_exactly_the_affected_users(
    at, signed_in, management_root, member_account, make_iam_user
):
    account = management_root.account
    alice = make_iam_user(name="alice")  # password, no MFA, a key used today
    bob = make_iam_user(name="bob")  # password and MFA, signed in today
    make_iam_user(name="carol", password=None)  # a key never used
    make_iam_user(name="dave", password=None)  # nothing at all
    make_iam_user(account=member_account, name="alice-elsewhere")  # another account's
    enable_app(bob, "bob-app")
    alice_key, _secret = access_keys.access_key_create(actor=None, user=alice)
    access_keys.access_key_create(actor=None, user=User.objects.get(account=account, name="carol"))
    at(days(100))
    User.objects.filter(pk=bob.pk).update(password_last_used=timezone.now())
    AccessKey.objects.filter(pk=alice_key.pk).update(last_used_at=timezone.now())

    assert listed(signed_in, account, "use-sso") == ["alice", "bob"]
    assert listed(signed_in, account, "console-without-mfa") == ["alice"]
    assert listed(signed_in, account, "unused-passwords") == ["alice"]
    assert listed(signed_in, account, "unused-access-keys") == ["carol"]
    assert listed(signed_in, account, "old-access-keys") == ["alice", "carol"]
    page = signed_in.get(affected_url(account, "use-sso")).content.decode()
    assert reverse("console:user_detail", args=[account.id, "alice"]) in page
    # "What did they do last week?": each user's events of the last 7 days, one click away.
    events = reverse("console:audit_list", args=[account.id]) + "?user_name=alice&amp;range=7d"
    assert events in page
    # The counts and the lists are the same condition.
    counts = shown(signed_in, account)
    for key in ("use-sso", "console-without-mfa", "unused-passwords", "unused-access-keys"):
        assert counts[key] == len(listed(signed_in, account, key))
    # Recommendations about the root user or the account list nobody; unknown ones are 404.
    for key in ("root-mfa", "root-access-keys", "password-policy", "nope"):
        assert signed_in.get(affected_url(account, key)).status_code == 404


def test_the_affected_users_list_is_paginated(at, signed_in, management_root):
    account = management_root.account
    bulk_users(account, 30)
    response = signed_in.get(affected_url(account, "use-sso"))
    assert response.content.decode().count('data-testid="affected-user"') == 25
    response = signed_in.get(affected_url(account, "use-sso") + "?page=2")
    assert response.content.decode().count('data-testid="affected-user"') == 5


# --- The organization's roll-up --------------------------------------------------------------


def test_the_management_root_sees_every_account_and_the_totals(
    at, signed_in, management_root, member_account, member_root, make_iam_user
):
    account = management_root.account
    make_iam_user(name="alice")
    make_iam_user(account=member_account, name="m1")
    make_iam_user(account=member_account, name="m2")
    access_keys.access_key_create(actor=None, user=member_root)
    services.password_policy_set(actor=None, account=member_account, minimum_password_length=12)

    response = signed_in.get(dashboard_url(account))
    page = response.content.decode()
    assert 'data-testid="rollup"' in page

    def row(testid):
        cells = re.search(rf'data-testid="{testid}">(.*?)</tr>', page, re.S).group(1)
        return dict(zip(KEYS, map(int, re.findall(r"<td[^>]*>(\d+)</td>", cells)), strict=True))

    management_row, member_row = row(f"rollup-{account.id}"), row(f"rollup-{member_account.id}")
    assert only_open(management_row) == {
        "root-mfa": 1,
        "use-sso": 1,
        "console-without-mfa": 1,
        "password-policy": 1,
    }
    assert only_open(member_row) == {
        "root-mfa": 1,
        "root-access-keys": 1,
        "use-sso": 2,
        "console-without-mfa": 2,
    }
    assert row("rollup-totals") == {key: management_row[key] + member_row[key] for key in KEYS}
    assert reverse("console:account_dashboard", args=[member_account.id]) in page

    # From the roll-up, the member account's own dashboard: no roll-up there.
    member_page = signed_in.get(dashboard_url(member_account)).content.decode()
    assert 'data-testid="rollup"' not in member_page
    assert reverse("console:root_mfa") in member_page  # the management root requires root MFA
    assert reverse("console:root_access_keys") in member_page


def test_a_member_accounts_admin_sees_no_rollup_and_not_the_management_account(
    client, management_root, member_account, member_root
):
    client.force_login(member_root)
    page = client.get(dashboard_url(member_account)).content.decode()
    assert 'data-testid="recommendations"' in page
    assert 'data-testid="rollup"' not in page
    assert client.get(dashboard_url(management_root.account)).status_code == 404
    assert client.get(affected_url(management_root.account, "use-sso")).status_code == 404

    admin = services.iam_user_create(
        actor=None, account=member_account, name="admin", password=None
    )
    policies.policy_attach(actor=None, account=member_account, policy_arn=ADMIN, user=admin)
    client.force_login(admin)
    page = client.get(dashboard_url(member_account)).content.decode()
    assert 'data-testid="rollup"' not in page
    assert "Sign in as the root user to assign an MFA device." in page  # no link it cannot open
    assert client.get(dashboard_url(management_root.account)).status_code == 404


def test_an_iam_admin_of_the_management_account_sees_no_rollup(
    client, management_root, member_account
):
    account = management_root.account
    admin = services.iam_user_create(actor=None, account=account, name="admin", password=None)
    policies.policy_attach(actor=None, account=account, policy_arn=ADMIN, user=admin)
    client.force_login(admin)
    page = client.get(dashboard_url(account)).content.decode()
    assert 'data-testid="rollup"' not in page
    assert client.get(dashboard_url(member_account)).status_code == 404


def test_another_organization_gets_404(client, management_root, other_root):
    client.force_login(other_root)
    account = management_root.account
    assert client.get(dashboard_url(account)).status_code == 404
    assert client.get(affected_url(account, "unused-passwords")).status_code == 404


def test_the_pages_ask_their_actions(client, management_root, make_iam_user):
    account = management_root.account
    reader = make_iam_user(name="reader", password=None, self_service=False)
    client.force_login(reader)
    assert client.get(dashboard_url(account)).status_code == 403
    assert client.get(affected_url(account, "use-sso")).status_code == 403
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:GetAccountSummary", "Resource": "*"}],
        }
    )
    policies.inline_policy_put(actor=None, user=reader, name="Summary", document=document)
    # The page's own content: the console's navigation lists every area whatever it allows.
    page = client.get(dashboard_url(account)).content.decode().split("<main", 1)[1]
    assert 'data-testid="recommendations"' in page
    assert affected_url(account, "use-sso") not in page  # no list it may not open
    assert reverse("console:password_policy", args=[account.id]) not in page
    assert client.get(affected_url(account, "use-sso")).status_code == 403


def test_the_account_page_and_the_home_page_link_the_dashboard(signed_in, management_root):
    account = management_root.account
    assert (
        dashboard_url(account)
        in signed_in.get(reverse("console:account_detail", args=[account.id])).content.decode()
    )
    assert dashboard_url(account) in signed_in.get(reverse("console:home")).content.decode()


# --- A constant number of queries ------------------------------------------------------------


def bulk_users(account, count, *, start=0):
    """``count`` IAM users with a console password never used, made 100 days ago; every third
    with an MFA device, every second with an access key of then, never used (written in bulk:
    the services would take minutes)."""
    password = make_password(PASSWORD)
    then = timezone.now() - timedelta(days=100)
    users = User.objects.bulk_create(
        User(
            account=account,
            kind=User.Kind.IAM,
            name=f"user{start + n:04d}",
            arn=f"arn:aws:iam::{account.id}:user/user{start + n:04d}",
            password=password,
            created=then,
        )
        for n in range(count)
    )
    MFADevice.objects.bulk_create(
        MFADevice(
            user=user,
            account=account,
            name=f"{user.name}-app",
            kind=MFADevice.Kind.VIRTUAL,
            confirmed=True,
        )
        for user in users[::3]
    )
    AccessKey.objects.bulk_create(
        AccessKey(
            access_key_id=ids.new_access_key_id(),
            user=user,
            account=account,
            secret_encrypted="not-a-secret",
            created=then,
        )
        for user in users[::2]
    )
    return users


def queries_of(django_assert_max_num_queries, client, url, bound):
    with django_assert_max_num_queries(bound) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response


DASHBOARD_QUERIES = 8  # the session, the principal, its policies, the facts (2), ...
LIST_QUERIES = 7  # ... a page of users (2), their access keys


def test_the_dashboard_costs_the_same_queries_for_10_and_1000_users(
    signed_in, management_root, django_assert_max_num_queries
):
    account = management_root.account
    lists = ("use-sso", "console-without-mfa", "unused-passwords", "unused-access-keys")
    urls = [dashboard_url(account)] + [affected_url(account, key) for key in lists]
    bounds = [DASHBOARD_QUERIES] + [LIST_QUERIES] * len(lists)
    bulk_users(account, 10)
    with_10 = [
        queries_of(django_assert_max_num_queries, signed_in, url, bound)
        for url, bound in zip(urls, bounds, strict=True)
    ]
    bulk_users(account, 990, start=10)
    with_1000 = [
        queries_of(django_assert_max_num_queries, signed_in, url, bound)
        for url, bound in zip(urls, bounds, strict=True)
    ]
    assert [n for n, _response in with_10] == [n for n, _response in with_1000]
    page = with_1000[0][1].content.decode()
    assert 'data-testid="recommendation-use-sso" data-count="1000"' in page
    assert 'data-testid="recommendation-console-without-mfa" data-count="666"' in page
    assert 'data-testid="count-mfa-users"><span class="dashboard-count">334<' in page
    assert 'data-testid="recommendation-unused-passwords" data-count="1000"' in page
    assert 'data-testid="recommendation-unused-access-keys" data-count="500"' in page
    rows = [
        response.content.decode().count('data-testid="affected-user"')
        for _n, response in with_10[1:] + with_1000[1:]
    ]
    assert rows == [10, 6, 10, 5] + [25] * 4


def test_the_rollup_costs_the_same_queries_for_2_and_7_accounts(
    signed_in, organization, management_root, django_assert_max_num_queries
):
    def add_members(numbers):
        for n in numbers:
            member = services.account_create(
                actor=management_root,
                organization=organization,
                name=f"Member {n}",
                root_email=f"member{n}@example.test",
                root_password=PASSWORD,
            )
            bulk_users(member, 20)

    def measure(accounts):
        assert Account.objects.filter(organization=organization).count() == accounts
        queries, response = queries_of(
            django_assert_max_num_queries,
            signed_in,
            dashboard_url(management_root.account),
            DASHBOARD_QUERIES,
        )
        page = response.content.decode()
        assert page.count('data-testid="rollup-') == accounts + 1  # the accounts, the totals
        totals = re.search(r'data-testid="rollup-totals">(.*?)</tr>', page, re.S).group(1)
        by_key = dict(zip(KEYS, map(int, re.findall(r"<td[^>]*>(\d+)</td>", totals)), strict=True))
        assert by_key["use-sso"] == 20 * (accounts - 1)
        assert by_key["root-mfa"] == accounts
        return queries

    add_members(range(1))
    with_2 = measure(2)
    add_members(range(1, 6))
    assert measure(7) == with_2
