"""Every console list: the left-hand navigation, sortable columns, page sizes, the CSV of the
whole list, bulk actions (all or nothing), and long downloads prepared by a Celery task."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from console import lists
from identity import services
from identity.credentials import services as credential_services
from identity.credentials.models import AccessKey
from identity.exports.models import ExportJob
from identity.models import AuditEvent, Group, GroupMembership, User
from identity.policies import services as policies
from mfa.models import MFADevice, VirtualMFADevice
from mfa.totp import services as totp_services
from tests.conftest import root_of, signin_iam

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, management_root):
    client.force_login(management_root)
    return client


def users_url(account, **params):
    url = reverse("console:user_list", args=[account.id])
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params)
    return url


def names_on(response) -> list[str]:
    return [user.name for user in response.context["page"]]


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- Navigation -------------------------------------------------------------------------------


def test_the_console_has_a_left_navigation_with_the_current_page_marked(admin, management_account):
    page = admin.get(users_url(management_account)).content.decode()
    assert 'aria-label="Console areas"' in page
    for area in ("IAM", "Organization", "IAM Identity Center", "Event history"):
        assert f"<h2>{area}</h2>" in page
    assert f'<a href="{users_url(management_account)}" aria-current="page">Users</a>' in page
    assert reverse("console:password_policy", args=[management_account.id]) in page
    assert reverse("console:credential_report", args=[management_account.id]) in page


def test_a_member_accounts_principal_gets_no_organization_areas(client, member_account):
    client.force_login(root_of(member_account))
    page = client.get(users_url(member_account)).content.decode()
    assert "<h2>IAM</h2>" in page
    assert "<h2>Organization</h2>" not in page
    assert "<h2>IAM Identity Center</h2>" not in page


def test_pages_outside_the_console_have_no_navigation(admin):
    page = admin.get(reverse("mfa:security_credentials")).content.decode()
    assert 'aria-label="Console areas"' not in page


# --- Sorting, page size, CSV ----------------------------------------------------------------


@pytest.fixture
def three_users(make_iam_user, management_account):
    carol = make_iam_user(name="carol", path="/b/")
    alice = make_iam_user(name="Alice", path="/c/")
    bob = make_iam_user(name="bob", path="/a/")
    User.objects.filter(pk=bob.pk).update(password_last_used=timezone.now())
    group = services.group_create(actor=None, account=management_account, name="g", path="/")
    services.group_member_set(actor=None, group=group, user=carol, member=True)
    return alice, bob, carol


def test_every_column_sorts_both_ways(admin, management_account, three_users):
    assert names_on(admin.get(users_url(management_account))) == ["Alice", "bob", "carol"]
    expected = {
        "user_name": ["Alice", "bob", "carol"],
        "path": ["bob", "carol", "Alice"],
        "groups": ["Alice", "bob", "carol"],  # 0, 0, 1: equal counts keep their creation order
        "created": ["carol", "Alice", "bob"],
    }
    for key, ascending in expected.items():
        assert names_on(admin.get(users_url(management_account, sort=key))) == ascending, key
        descending = names_on(admin.get(users_url(management_account, sort=f"-{key}")))
        if key == "groups":
            assert descending[0] == "carol"
        else:
            assert descending == list(reversed(ascending)), key
    # Never signed in goes last, whichever the direction.
    assert names_on(admin.get(users_url(management_account, sort="last_sign_in")))[0] == "bob"
    assert names_on(admin.get(users_url(management_account, sort="-last_sign_in")))[0] == "bob"


def test_the_groups_column_counts_each_users_groups(admin, management_account, three_users):
    """The count is per user (a subquery per row): two groups are 2, none is 0, and a search
    or a page size does not change what a row says."""
    alice, bob, carol = three_users
    for name in ("h", "i"):
        group = services.group_create(actor=None, account=management_account, name=name, path="/")
        services.group_member_set(actor=None, group=group, user=bob, member=True)
    counts = {
        user.name: user.group_count
        for user in admin.get(users_url(management_account, sort="-groups")).context["page"]
    }
    assert counts == {"Alice": 0, "bob": 2, "carol": 1}
    found = admin.get(users_url(management_account, q="bo", per_page=100)).context["page"]
    assert [(user.name, user.group_count) for user in found] == [("bob", 2)]
    assert found.paginator.count == 1


def test_the_group_list_counts_each_groups_members(admin, management_account, three_users):
    alice, bob, carol = three_users  # carol is in "g"
    big = services.group_create(actor=None, account=management_account, name="big", path="/")
    for user in (alice, bob, carol):
        services.group_member_set(actor=None, group=big, user=user, member=True)
    services.group_create(actor=None, account=management_account, name="empty", path="/")
    url = reverse("console:group_list", args=[management_account.id])
    page = admin.get(url + "?sort=-members").context["page"]
    assert [(group.name, group.member_count) for group in page] == [
        ("big", 3),
        ("g", 1),
        ("empty", 0),
    ]
    assert page.paginator.count == 3


def test_the_sorted_column_is_marked_and_its_link_reverses_it(
    admin, management_account, three_users
):
    page = admin.get(users_url(management_account, sort="path")).content.decode()
    assert 'aria-sort="ascending"' in page
    assert "?sort=-path" in page
    page = admin.get(users_url(management_account, sort="-path")).content.decode()
    assert 'aria-sort="descending"' in page


def test_a_hostile_sort_or_page_size_falls_back_to_the_default(
    admin, management_account, three_users
):
    for params in (
        {"sort": "password"},
        {"sort": "console_password"},  # shown, but not sortable
        {"sort": "-" * 500},
        {"sort": "name); DROP TABLE identity_user; --"},
        {"per_page": "100000"},
        {"per_page": "-1"},
        {"per_page": "abc"},
        {"page": "99999"},
    ):
        response = admin.get(users_url(management_account, **params))
        assert response.status_code == 200, params
        assert names_on(response) == ["Alice", "bob", "carol"], params


def test_the_page_size_is_chosen_and_kept_by_the_other_links(
    admin, management_account, make_iam_user
):
    for i in range(30):
        make_iam_user(name=f"user{i:02}", self_service=False)
    response = admin.get(users_url(management_account))
    assert len(response.context["page"]) == lists.DEFAULT_PAGE_SIZE
    response = admin.get(users_url(management_account, per_page=50, sort="-user_name"))
    assert len(response.context["page"]) == 30
    page = admin.get(users_url(management_account, per_page=25, sort="-user_name", q="user"))
    html = page.content.decode()
    # The next page keeps the sort, the size and the search.
    assert "?per_page=25&amp;sort=-user_name&amp;q=user&amp;page=2" in html
    assert '<option value="25" selected>' in html


def test_the_csv_is_the_whole_list_as_sorted_and_filtered(
    admin, management_account, three_users, make_iam_user
):
    make_iam_user(name="=cmd+calc", self_service=False)
    response = admin.get(users_url(management_account, format="csv", sort="-user_name"))
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith('attachment; filename="users-')
    rows = csv_rows(response)
    assert rows[0] == [
        "user_name",
        "path",
        "groups",
        "console_password",
        "last_sign_in",
        "created",
        "arn",
    ]
    assert [row[0] for row in rows[1:]] == ["carol", "bob", "Alice", "'=cmd+calc"]
    carol = rows[1]
    assert carol[1:4] == ["/b/", "1", "true"]
    assert carol[6] == User.objects.get(name="carol").arn
    searched = csv_rows(admin.get(users_url(management_account, format="csv", q="o")))
    assert [row[0] for row in searched[1:]] == ["bob", "carol"]


def test_the_csv_needs_the_lists_own_permission(client, management_account, make_iam_user):
    make_iam_user(name="dave")
    signin_iam(client, "example-corp", "dave")
    assert client.get(users_url(management_account, format="csv")).status_code == 403


def test_the_user_list_costs_the_same_queries_for_10_and_100_users(
    admin, management_account, django_assert_max_num_queries
):
    def planted(count):
        User.objects.bulk_create(
            User(
                account=management_account,
                kind=User.Kind.IAM,
                name=f"bulk{len_}-{i}",
                arn=f"arn:aws:iam::{management_account.id}:user/bulk{len_}-{i}",
                unique_id=f"AIDABULK{len_}{i:06}",
                password="!",
            )
            for len_ in [count]
            for i in range(count)
        )

    planted(10)
    with django_assert_max_num_queries(14) as small:
        admin.get(users_url(management_account, per_page=100, sort="-groups"))
    planted(90)
    with django_assert_max_num_queries(len(small.captured_queries)):
        admin.get(users_url(management_account, per_page=100, sort="-groups"))


# --- Bulk actions ---------------------------------------------------------------------------


def bulk_url(account):
    return reverse("console:user_bulk", args=[account.id])


def test_bulk_delete_asks_once_then_deletes_every_chosen_user(
    admin, management_account, three_users
):
    alice, bob, carol = three_users
    chosen = {"action": "delete", "user": [alice.unique_id, bob.unique_id]}
    confirm = admin.get(bulk_url(management_account), chosen)
    assert confirm.status_code == 200
    assert User.objects.filter(pk__in=[alice.pk, bob.pk]).count() == 2  # a GET changes nothing
    assert [u.name for u in confirm.context["users"]] == ["Alice", "bob"]

    wrong = admin.post(bulk_url(management_account), {**chosen, "confirmation": "yes"})
    assert wrong.status_code == 200
    assert "Type the word exactly as shown." in wrong.content.decode()
    assert User.objects.filter(pk__in=[alice.pk, bob.pk]).count() == 2

    done = admin.post(bulk_url(management_account), {**chosen, "confirmation": "delete"})
    assert done.status_code == 302
    assert not User.objects.filter(pk__in=[alice.pk, bob.pk]).exists()
    assert User.objects.filter(pk=carol.pk).exists()
    deleted = AuditEvent.objects.filter(event_name="DeleteUser")
    assert sorted(e.request_parameters["userName"] for e in deleted) == ["Alice", "bob"]


def test_a_chosen_row_of_another_account_is_a_404_and_nothing_changes(
    admin, management_account, member_account, three_users, make_iam_user
):
    alice, bob, _carol = three_users
    stranger = make_iam_user(account=member_account, name="stranger")
    outsider_root = root_of(member_account)
    for intruder in (stranger.unique_id, outsider_root.unique_id, "AIDANOTHING", "x" * 5000):
        chosen = {"action": "delete", "user": [alice.unique_id, intruder, bob.unique_id]}
        assert admin.get(bulk_url(management_account), chosen).status_code == 404
        response = admin.post(bulk_url(management_account), {**chosen, "confirmation": "delete"})
        assert response.status_code == 404
    assert User.objects.filter(pk__in=[alice.pk, bob.pk, stranger.pk]).count() == 3
    assert not AuditEvent.objects.filter(event_name="DeleteUser").exists()


def test_one_refused_user_and_nobody_changes(client, management_account, three_users):
    alice, bob, carol = three_users
    operator = services.iam_user_create(
        actor=None, account=management_account, name="operator", password="x" * 20 + "Aa1!"
    )
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:DeleteUser"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": carol.arn},
        ],
    }
    policies.inline_policy_put(actor=None, user=operator, name="ops", document=json.dumps(document))
    client.force_login(operator)
    chosen = {"action": "delete", "user": [alice.unique_id, carol.unique_id, bob.unique_id]}
    response = client.post(bulk_url(management_account), {**chosen, "confirmation": "delete"})
    assert response.status_code == 403
    assert User.objects.filter(pk__in=[alice.pk, bob.pk, carol.pk]).count() == 3
    # The refusal is audited (under the refused action's name); no deletion is.
    events = AuditEvent.objects.filter(event_name="DeleteUser")
    assert [event.error_code for event in events] == ["AccessDenied"]


def test_bulk_add_to_group(admin, management_account, member_account, three_users):
    alice, bob, _carol = three_users
    group = services.group_create(actor=None, account=management_account, name="ops", path="/")
    services.group_create(actor=None, account=member_account, name="theirs", path="/")
    chosen = {"action": "add_to_group", "user": [alice.unique_id, bob.unique_id]}
    page = admin.get(bulk_url(management_account), chosen).content.decode()
    assert '<option value="ops">' in page and "theirs" not in page
    assert admin.post(bulk_url(management_account), {**chosen, "group": ""}).status_code == 200
    refused = admin.post(bulk_url(management_account), {**chosen, "group": "theirs"})
    assert refused.status_code == 200  # not a choice of this account's groups
    assert admin.post(bulk_url(management_account), {**chosen, "group": "ops"}).status_code == 302
    members = set(GroupMembership.objects.filter(group=group).values_list("user_id", flat=True))
    assert members == {alice.pk, bob.pk}
    assert not GroupMembership.objects.filter(group__name="theirs").exists()
    assert Group.objects.count() == 3  # carol's "g" too


def test_bulk_deactivate_access_keys_and_mfa_devices(admin, management_account, three_users):
    alice, bob, carol = three_users
    alice_key, _secret = credential_services.access_key_create(actor=None, user=alice)
    carol_key, _secret = credential_services.access_key_create(actor=None, user=carol)
    chosen = {"action": "deactivate_keys", "user": [alice.unique_id, bob.unique_id]}
    response = admin.post(bulk_url(management_account), {**chosen, "confirmation": "deactivate"})
    assert response.status_code == 302
    statuses = dict(AccessKey.objects.values_list("access_key_id", "status"))
    assert statuses == {alice_key.access_key_id: "Inactive", carol_key.access_key_id: "Active"}

    for owner in (alice, carol):
        device, _key = totp_services.virtual_mfa_device_create(user=owner, name=f"{owner.name}-app")
        VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    chosen = {"action": "deactivate_mfa", "user": [alice.unique_id]}
    response = admin.post(bulk_url(management_account), {**chosen, "confirmation": "deactivate"})
    assert response.status_code == 302
    assert not MFADevice.objects.filter(user=alice).exists()
    assert MFADevice.objects.filter(user=carol).exists()


def test_a_bulk_choice_without_action_or_rows_goes_back_with_a_message(
    admin, management_account, three_users
):
    alice = three_users[0]
    for chosen in (
        {"user": [alice.unique_id]},
        {"action": "explode", "user": [alice.unique_id]},
        {"action": "delete"},
        {"action": "delete", "user": [alice.unique_id] * 101},
    ):
        response = admin.get(bulk_url(management_account), chosen, follow=True)
        assert response.redirect_chain[-1][0] == users_url(management_account), chosen
        assert response.context["messages"], chosen


# --- Long downloads: a Celery task with its progress ---------------------------------------


def test_a_long_list_is_prepared_in_the_background(
    admin, management_account, three_users, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(lists, "INLINE_EXPORT_ROWS", 1)
    offer = admin.get(users_url(management_account, format="csv", sort="-user_name", q="o"))
    assert offer.status_code == 200
    assert "Prepare the file" in offer.content.decode()
    assert not ExportJob.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as queued:
        started = admin.post(
            users_url(management_account, format="csv", sort="-user_name", q="o"), {"export": "1"}
        )
    job = ExportJob.objects.get()
    detail = reverse("console:export_detail", args=[management_account.id, job.export_id])
    assert started.url == detail
    assert AuditEvent.objects.filter(event_name="StartExport").count() == 1

    waiting = admin.get(detail)
    assert 'http-equiv="refresh"' in waiting.content.decode()
    assert 'data-state="QUEUED"' in waiting.content.decode()
    assert admin.get(detail + "?download=1")["Content-Type"].startswith("text/html")

    for callback in queued:  # the worker runs the task
        callback()
    job.refresh_from_db()
    assert job.state == ExportJob.State.COMPLETE and job.done == job.total == 2
    ready = admin.get(detail).content.decode()
    assert 'http-equiv="refresh"' not in ready and "The file is ready: 2 rows." in ready
    download = admin.get(detail + "?download=1")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert [row[0] for row in rows[1:]] == ["carol", "bob"]


def test_an_export_is_its_requesters_only(
    client_factory, admin, management_account, member_account, three_users, make_iam_user
):
    job = ExportJob.objects.create(
        account=management_account,
        requested_by=User.objects.get(kind="root", account=management_account),
        kind="users",
        filename="users.csv",
        state=ExportJob.State.COMPLETE,
        content="user_name\r\nsecret-ish\r\n",
    )
    detail = reverse("console:export_detail", args=[management_account.id, job.export_id])
    assert admin.get(detail).status_code == 200
    reader = make_iam_user(name="reader")
    policies.policy_attach(
        actor=None,
        account=management_account,
        policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        user=reader,
    )
    other = client_factory()
    other.force_login(reader)
    assert other.get(detail).status_code == 404
    assert other.get(detail + "?download=1").status_code == 404
    member = client_factory()
    member.force_login(root_of(member_account))
    assert member.get(detail).status_code == 404
    elsewhere = reverse("console:export_detail", args=[member_account.id, job.export_id])
    assert member.get(elsewhere).status_code == 404
    assert admin.get(detail[:-3] + "zzz").status_code == 404


def test_an_export_fails_visibly_when_its_worker_fails(
    admin, management_account, three_users, monkeypatch
):
    from console import exports, tasks

    job = ExportJob.objects.create(
        account=management_account,
        requested_by=User.objects.get(kind="root", account=management_account),
        kind="users",
        filename="users.csv",
    )

    def broken(job):
        raise RuntimeError("database went away")

    monkeypatch.setattr(exports, "run", broken)
    with pytest.raises(RuntimeError):
        tasks.run_export(job.pk)
    job.refresh_from_db()
    assert job.state == ExportJob.State.FAILED
    detail = reverse("console:export_detail", args=[management_account.id, job.export_id])
    page = admin.get(detail).content.decode()
    assert "could not be prepared" in page and 'http-equiv="refresh"' not in page


def test_a_long_event_download_is_prepared_in_the_background(
    admin,
    management_root,
    management_account,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from identity.audit_events import Event
    from tests.support.events import write_event

    for name in ("u1", "u2", "u3"):
        write_event(Event.CREATE_USER, actor=management_root, params={"userName": name})
    write_event(Event.DELETE_USER, actor=management_root, params={"userName": "u1"})
    monkeypatch.setattr(lists, "INLINE_EXPORT_ROWS", 2)
    url = reverse("console:event_download_json", args=[management_account.id])
    offer = admin.get(url, {"event_name": "CreateUser"})
    assert "This list has 3 rows." in offer.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        started = admin.post(url + "?event_name=CreateUser", {"export": "1"})
    job = ExportJob.objects.get()
    assert job.kind == "events-json" and job.parameters == {"event_name": "CreateUser"}
    assert started.url.endswith(job.export_id)
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.state == ExportJob.State.COMPLETE and job.total == 3
    download = admin.get(started.url + "?download=1")
    assert download["Content-Type"] == "application/json"
    records = json.loads(download.content)["Records"]
    assert [r["eventName"] for r in records] == ["CreateUser"] * 3
    assert sorted(r["requestParameters"]["userName"] for r in records) == ["u1", "u2", "u3"]


# --- Every list of the console ----------------------------------------------------------------


def _every_list(management_account):
    from console.views import (
        groups,
        home,
        permission_sets,
        policies,
        sso_applications,
        sso_groups,
        sso_users,
        users,
    )

    account = [management_account.id]
    return [
        (reverse("console:home"), home.ACCOUNT_COLUMNS),
        (reverse("console:user_list", args=account), users.USER_COLUMNS),
        (reverse("console:group_list", args=account), groups.GROUP_COLUMNS),
        (reverse("console:policy_list", args=account), policies.POLICY_COLUMNS),
        (reverse("console:sso_user_list"), sso_users.SSO_USER_COLUMNS),
        (reverse("console:sso_group_list"), sso_groups.SSO_GROUP_COLUMNS),
        (reverse("console:sso_permission_set_list"), permission_sets.PERMISSION_SET_COLUMNS),
        (reverse("console:sso_application_list"), sso_applications.APPLICATION_COLUMNS),
    ]


def test_every_list_sorts_by_each_column_pages_and_downloads(admin, management_account):
    for url, columns in _every_list(management_account):
        for column in columns:
            for sort in (column.key, f"-{column.key}"):
                response = admin.get(url, {"sort": sort, "per_page": 50})
                assert response.status_code == 200, (url, sort)
                if column.sort:
                    assert response.context["listing"].sort_column is column, (url, sort)
        response = admin.get(url)
        if response.context["page"].object_list:  # an empty list offers neither
            page = response.content.decode()
            assert "Rows per page" in page and "format=csv" in page, url
        download = admin.get(url, {"format": "csv"})
        header = csv_rows(download)[0]
        assert header == [c.key for c in columns if c.value is not None], url


def test_a_person_has_at_most_three_downloads_being_prepared(
    admin, management_account, three_users, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(lists, "INLINE_EXPORT_ROWS", 1)
    url = users_url(management_account, format="csv")
    with django_capture_on_commit_callbacks(execute=False):
        for _attempt in range(3):
            assert admin.post(url, {"export": "1"}).status_code == 302
        refused = admin.post(url, {"export": "1"}, follow=True)
    assert "You already have 3 downloads being prepared." in refused.content.decode()
    assert ExportJob.objects.count() == 3
    assert AuditEvent.objects.filter(event_name="StartExport").count() == 3


def test_cells_that_a_spreadsheet_would_run_are_quoted():
    from identity.csvsafe import csv_cell

    for formula in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "  =cmd", "＝1+2", "＠x"):
        assert csv_cell(formula) == "'" + formula
    for text in ("alice", "a=b", "", " alice", "2026-11-30"):
        assert csv_cell(text) == text
