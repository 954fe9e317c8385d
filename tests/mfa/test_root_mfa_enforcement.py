"""Root MFA enforcement: waves, the grace period from the first prompt, and the admin status page.

Time travels with ``time-machine``; codes come from ``pyotp``.
"""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from django.urls import reverse
from django.utils import timezone

from identity import organization_units, services
from identity.models import AuditEvent, OrganizationalUnit
from mfa.enforcement import services as enforcement
from mfa.models import RootMFAPrompt, RootMFAWave
from tests.conftest import PASSWORD, error_text, root_of, signin_iam, signin_root
from tests.support.races import in_threads

pytestmark = pytest.mark.django_db

DAY1 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PROMPT = reverse("mfa:root_prompt")
HOME = reverse("console:home")
PAGE = reverse("console:root_mfa")


@pytest.fixture
def clock(time_machine):
    def move(when):
        time_machine.move_to(when, tick=False)

    move(DAY1)
    return move


def schedule(client, **data):
    body = {"scope": "management", "start": "2026-12-01", "grace_days": "35", **data}
    return client.post(PAGE, body)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def register_app(client, name="root-app"):
    response = client.post(reverse("mfa:assign"), {"name": name})
    assert response.status_code == 302, error_text(response)
    page = client.get(response["Location"]).content.decode()
    app = pyotp.TOTP(re.search(r'data-testid="secret">([A-Z2-7]+)<', page).group(1))
    now = datetime.now(UTC).timestamp()
    response = client.post(response["Location"], {"code1": app.at(now - 30), "code2": app.at(now)})
    assert response.status_code == 302, error_text(response)


def test_grace_period_from_first_prompt_then_mandatory(client, management_root, clock):
    client.force_login(management_root)
    assert schedule(client).status_code == 302
    client.post(reverse("accounts:signout"))

    # First sign-in after the start: the prompt, 35 days left, nothing else opens.
    clock(DAY1 + timedelta(hours=1))
    response = signin_root(client, "root@example.test")
    assert response["Location"] == PROMPT
    page = client.get(PROMPT).content.decode()
    assert "MFA is required for the root user" in page and "35 days left" in page
    assert client.get(HOME)["Location"].startswith(PROMPT)
    assert (
        client.get(reverse("console:user_list", args=[management_root.account_id])).status_code
        == 302
    )
    prompt = RootMFAPrompt.objects.get(account=management_root.account)
    assert prompt.first_prompted_at == DAY1 + timedelta(hours=1)

    # Remind me later: this session goes on, audited.
    response = client.post(PROMPT)
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(event_name="RootMFAEnforcementRemindLater").count() == 1
    client.post(reverse("accounts:signout"))

    # 34 days later: one day left; the grace period did not restart.
    clock(DAY1 + timedelta(days=34, hours=2))
    signin_root(client, "root@example.test")
    assert "1 day left" in client.get(PROMPT).content.decode()
    client.post(PROMPT)
    client.post(reverse("accounts:signout"))

    # After 35 days: no "Remind me later"; only registration, the password and sign-out open.
    clock(DAY1 + timedelta(days=35, hours=1, seconds=1))
    assert signin_root(client, "root@example.test")["Location"] == PROMPT
    page = client.get(PROMPT).content.decode()
    assert "The grace period ended" in page and "Remind me later" not in page
    assert client.post(PROMPT).status_code == 403
    assert client.get(HOME)["Location"].startswith(PROMPT)
    assert client.get(reverse("mfa:assign")).status_code == 200
    assert client.get(reverse("accounts:change_password")).status_code == 200
    event = AuditEvent.objects.filter(event_name="RootMFAEnforcementPrompt").latest("event_time")
    assert event.additional_event_data["Status"] == "Overdue"

    register_app(client)
    assert client.get(HOME).status_code == 200
    assert client.get(PROMPT)["Location"] == HOME
    client.post(reverse("accounts:signout"))

    # From now on the root user signs in with the device, and is not prompted.
    assert signin_root(client, "root@example.test")["Location"] == reverse("mfa:signin")


def test_the_management_account_comes_first(client, management_root, member_account, clock):
    client.force_login(management_root)
    response = schedule(client, scope="all_members")
    assert "Enforce MFA on the management account first" in error_text(response)
    assert schedule(client, start="2026-12-10").status_code == 302
    response = schedule(client, scope="all_members", start="2026-12-05")
    assert "start on 2026-12-10 or later" in response.content.decode()
    response = schedule(client, scope="selected", start="2026-12-10")
    assert "Choose at least one account." in response.content.decode()
    response = schedule(client, scope="management", start="2026-12-11")
    assert "already enforced" in error_text(response)
    response = schedule(client, start="2026-11-30", scope="all_members")
    assert "The start date cannot be in the past." in response.content.decode()
    response = schedule(client, scope="all_members", start="2026-12-10", grace_days="0")
    assert response.status_code == 200 and RootMFAWave.objects.count() == 1
    assert (
        schedule(
            client, scope="selected", start="2026-12-12", accounts=[member_account.id]
        ).status_code
        == 302
    )
    assert list(RootMFAWave.objects.values_list("scope", flat=True)) == ["management", "selected"]
    created = AuditEvent.objects.filter(event_name="EnableRootMFAEnforcement")
    assert sorted(e.request_parameters["accountIds"] for e in created) == [[], [member_account.id]]


def test_waves_reach_only_their_accounts_from_their_start(
    client, management_root, member_account, clock
):
    other_member = services.account_create(
        actor=management_root,
        organization=member_account.organization,
        name="Staging",
        root_email="staging@example.test",
        root_password=PASSWORD,
    )
    client.force_login(management_root)
    schedule(client)
    schedule(client, scope="selected", start="2026-12-20", accounts=[member_account.id])
    client.post(reverse("accounts:signout"))

    # Before the wave starts, the member's root user signs in as before.
    assert signin_root(client, "member-root@example.test")["Location"] == HOME
    client.post(reverse("accounts:signout"))
    clock(datetime(2026, 12, 20, 0, 0, 1, tzinfo=UTC))
    assert signin_root(client, "member-root@example.test")["Location"] == PROMPT
    client.post(reverse("accounts:signout"))
    # The account that was not chosen is not enforced.
    assert signin_root(client, "staging@example.test")["Location"] == HOME
    assert not RootMFAPrompt.objects.filter(account=other_member).exists()


def test_all_members_covers_accounts_added_later_and_never_iam_users(
    client, management_root, organization, alice, clock
):
    client.force_login(management_root)
    schedule(client)
    schedule(client, scope="all_members")
    later = services.account_create(
        actor=management_root,
        organization=organization,
        name="Later",
        root_email="later@example.test",
        root_password=PASSWORD,
    )
    client.post(reverse("accounts:signout"))
    assert signin_root(client, "later@example.test")["Location"] == PROMPT
    assert RootMFAPrompt.objects.filter(account=later).exists()
    client.post(reverse("accounts:signout"))
    assert signin_iam(client, "example-corp", "alice")["Location"] == HOME


def test_cancel_a_wave_before_it_starts_with_confirmation(
    client, management_root, member_account, clock
):
    client.force_login(management_root)
    schedule(client, start="2026-12-01")
    schedule(client, scope="all_members", start="2026-12-15")
    management_wave, member_wave = RootMFAWave.objects.order_by("starts_at")

    url = reverse("console:root_mfa_wave_cancel", args=[management_wave.pk])
    response = client.post(url)
    assert response.status_code == 409 and "a started wave cannot be cancelled" in (
        response.content.decode()
    )
    url = reverse("console:root_mfa_wave_cancel", args=[member_wave.pk])
    assert "Cancel the enforcement wave?" in client.get(url).content.decode()
    assert RootMFAWave.objects.count() == 2
    assert client.post(url)["Location"] == PAGE
    assert list(RootMFAWave.objects.all()) == [management_wave]
    assert AuditEvent.objects.filter(event_name="CancelRootMFAEnforcement").count() == 1


def test_the_management_wave_is_cancelled_last(client, management_root, member_account, clock):
    client.force_login(management_root)
    schedule(client, start="2026-12-05")
    schedule(client, scope="all_members", start="2026-12-15")
    management_wave = RootMFAWave.objects.get(scope="management")
    response = client.post(reverse("console:root_mfa_wave_cancel", args=[management_wave.pk]))
    assert "Cancel the member-account waves first" in response.content.decode()
    assert RootMFAWave.objects.count() == 2


def test_status_page_shows_every_account(client, management_root, organization, clock):
    members = [
        services.account_create(
            actor=management_root,
            organization=organization,
            name=f"Member {i}",
            root_email=f"m{i}@example.test",
            root_password=PASSWORD,
        )
        for i in range(4)
    ]
    client.force_login(management_root)
    schedule(client)
    schedule(client, scope="selected", accounts=[m.id for m in members[:3]])
    schedule(client, scope="selected", start="2027-01-10", accounts=[members[3].id])
    client.post(reverse("accounts:signout"))
    signin_root(client, "m0@example.test")  # grace starts now
    client.post(reverse("accounts:signout"))
    clock(DAY1 + timedelta(days=10))
    signin_root(client, "m1@example.test")  # grace starts ten days later
    register_app(client, name="m1-root-app")
    client.post(reverse("accounts:signout"))
    clock(DAY1 + timedelta(days=36))

    client.force_login(management_root)
    page = client.get(PAGE).content.decode()

    def status(account):
        match = re.search(
            rf'data-account="{account.id}">.*?<td class="status-(\w+)">(.*?)</td>', page, re.S
        )
        return match.group(1), match.group(2)

    assert status(management_root.account) == (
        "not_prompted",
        "Enforced; the grace period starts at the next sign-in",
    )
    assert status(members[0]) == ("overdue", "Overdue: sign-in blocked until MFA is registered")
    assert status(members[1]) == ("registered", "Registered")
    assert status(members[2])[0] == "not_prompted"
    assert status(members[3]) == ("scheduled", "Scheduled")

    clock(DAY1 + timedelta(days=37))
    signin_root(client, "m2@example.test")
    client.post(reverse("accounts:signout"))
    clock(DAY1 + timedelta(days=40))
    client.force_login(management_root)
    page = client.get(PAGE).content.decode()
    assert status(members[2]) == ("grace", "In grace period: 32 days left")


def test_status_page_queries_do_not_grow_with_accounts(
    client, management_root, organization, clock, django_assert_max_num_queries
):
    def add(n, start):
        for i in range(start, start + n):
            services.account_create(
                actor=management_root,
                organization=organization,
                name=f"Member {i}",
                root_email=f"m{i}@example.test",
                root_password=PASSWORD,
            )

    client.force_login(management_root)
    schedule(client)
    add(2, 0)
    schedule(client, scope="selected", accounts=[a.id for a in organization.accounts.all()[1:]])
    # Session and user, organization, waves with their accounts and their OUs, the page's
    # count and rows, the form's member accounts, the organization's OUs: the same 10 queries
    # for 3 accounts and for 23.
    with django_assert_max_num_queries(10):
        assert client.get(PAGE).status_code == 200
    add(20, 2)
    schedule(client, scope="selected", accounts=[a.id for a in organization.accounts.all()[1:]])
    with django_assert_max_num_queries(10):
        assert client.get(PAGE).status_code == 200


def test_only_the_management_root_manages_enforcement(
    client, management_root, member_root, other_root, clock
):
    client.force_login(management_root)
    schedule(client, start="2026-12-05")
    wave = RootMFAWave.objects.get()
    cancel = reverse("console:root_mfa_wave_cancel", args=[wave.pk])

    client.force_login(member_root)
    assert client.get(PAGE).status_code == 403
    assert schedule(client, scope="all_members", start="2026-12-06").status_code == 403
    assert client.post(cancel).status_code == 403
    client.force_login(other_root)  # another organization's management root
    assert client.get(cancel).status_code == 404
    assert client.post(cancel).status_code == 404
    assert RootMFAWave.objects.count() == 1
    assert "No MFA" not in client.get(PAGE).content.decode()  # its own, empty page
    assert root_of(management_root.account) == management_root


def test_a_member_account_of_another_organization_cannot_be_chosen(
    client, management_root, other_organization, clock
):
    client.force_login(management_root)
    schedule(client)
    response = schedule(
        client, scope="selected", accounts=[other_organization.management_account_id]
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert RootMFAWave.objects.count() == 1


def test_an_enforced_root_cannot_remove_its_last_device(client, management_root, clock):
    """Otherwise an overdue root registers a throw-away device, removes it, and goes on without MFA."""
    client.force_login(management_root)
    schedule(client)
    client.post(reverse("accounts:signout"))
    clock(DAY1 + timedelta(days=40))
    signin_root(client, "root@example.test")
    RootMFAPrompt.objects.filter(account=management_root.account).update(first_prompted_at=DAY1)
    register_app(client)
    device = management_root.mfadevice_set.get()
    response = client.post(reverse("mfa:remove", args=[device.pk]), {"password": PASSWORD})
    assert response.status_code == 200
    assert "Your organization requires MFA for the root user" in response.content.decode()
    assert management_root.mfadevice_set.filter(pk=device.pk).exists()

    # With a second device, the first may go.
    register_app(client, name="root-app-2")
    response = client.post(reverse("mfa:remove", args=[device.pk]), {"password": PASSWORD})
    assert response.status_code == 302
    assert management_root.mfadevice_set.count() == 1


def test_start_dates_are_local_dates(client, management_root, member_account, clock, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    client.force_login(management_root)
    assert schedule(client, start="2026-12-10").status_code == 302
    response = schedule(client, scope="all_members", start="2026-12-05")
    assert "start on 2026-12-10 or later" in response.content.decode()
    assert schedule(client, scope="all_members", start="2026-12-20").status_code == 302
    wave = RootMFAWave.objects.get(scope="all_members")
    client.post(reverse("console:root_mfa_wave_cancel", args=[wave.pk]))
    dates = {
        e.event_name: e.request_parameters["startDate"]
        for e in AuditEvent.objects.filter(request_parameters__scope="all_members")
    }
    assert dates == {
        "EnableRootMFAEnforcement": "2026-12-20",
        "CancelRootMFAEnforcement": "2026-12-20",
    }


def test_while_the_prompt_holds_the_top_bar_offers_only_sign_out(client, management_root, clock):
    client.force_login(management_root)
    schedule(client)
    client.post(reverse("accounts:signout"))
    clock(DAY1 + timedelta(hours=1))
    signin_root(client, "root@example.test")
    topbar = client.get(PROMPT).content.decode().split("</header>")[0]
    assert f'href="{HOME}"' not in topbar
    assert f'href="{reverse("mfa:security_credentials")}"' not in topbar
    assert f'action="{reverse("accounts:signout")}"' in topbar
    client.post(PROMPT)  # Remind me later: the console opens, and the top bar offers it
    assert f'href="{HOME}"' in client.get(HOME).content.decode().split("</header>")[0]


# --- Waves of OUs ---------------------------------------------------------------------------


def _member(organization, management_root, name, email, unit=None):
    account = services.account_create(
        actor=management_root,
        organization=organization,
        name=name,
        root_email=email,
        root_password=PASSWORD,
    )
    if unit is not None:
        organization_units.account_move(actor=None, account=account, destination=unit)
    return account


def _status(page: str, account) -> str:
    return re.search(rf'data-account="{account.id}">.*?<td class="status-(\w+)">', page, re.S)[1]


def test_a_wave_of_ous_covers_their_subtrees_present_and_future(
    client, management_root, organization, clock
):
    def unit(name, parent=None):
        return organization_units.organizational_unit_create(
            actor=None, organization=organization, parent=parent, name=name
        )

    engineering = unit("Engineering")
    platform = unit("Platform", parent=engineering)
    sales = unit("Sales")
    in_engineering = _member(organization, management_root, "Eng", "eng@example.test", engineering)
    in_platform = _member(organization, management_root, "Plat", "plat@example.test", platform)
    in_sales = _member(organization, management_root, "Sales", "sales@example.test", sales)
    under_root = _member(organization, management_root, "Root", "top@example.test")
    # The management account sits in Engineering too: its own wave covers it, never this one.
    organization_units.account_move(
        actor=None, account=management_root.account, destination=engineering
    )

    client.force_login(management_root)
    page = client.get(PAGE).content.decode()
    assert "Member accounts in chosen OUs" in page and "Engineering / Platform" in page
    schedule(client)
    response = schedule(client, scope="ous", organizational_units=[engineering.pk])
    assert response.status_code == 302, error_text(response)
    wave = RootMFAWave.objects.get(scope="ous")
    assert list(wave.organizational_units.all()) == [engineering]
    event = AuditEvent.objects.get(
        event_name="EnableRootMFAEnforcement", request_parameters__scope="ous"
    )
    assert event.request_parameters["organizationalUnitIds"] == [engineering.pk]

    page = client.get(PAGE).content.decode()
    assert f"Engineering (<code>{engineering.pk}</code>)" in page
    assert _status(page, in_engineering) == _status(page, in_platform) == "not_prompted"
    assert _status(page, in_sales) == _status(page, under_root) == "not_enforced"
    assert _status(page, management_root.account) == "not_prompted"  # by the management wave
    assert services_covering(management_root.account) == "management"

    # Present and future: an account moved below Engineering, or created and moved there later.
    organization_units.account_move(actor=None, account=in_sales, destination=platform)
    later = _member(organization, management_root, "Later", "later@example.test", platform)
    page = client.get(PAGE).content.decode()
    assert _status(page, in_sales) == _status(page, later) == "not_prompted"
    client.post(reverse("accounts:signout"))
    assert signin_root(client, "later@example.test")["Location"] == PROMPT
    client.post(reverse("accounts:signout"))
    assert signin_root(client, "top@example.test")["Location"] == HOME
    client.post(reverse("accounts:signout"))
    # Moved out of the subtree, the account is no longer covered.
    organization_units.account_move(actor=None, account=in_platform, destination=None)
    assert signin_root(client, "plat@example.test")["Location"] == HOME


def services_covering(account) -> str:
    wave = enforcement.covering_wave(
        account, enforcement.organization_waves(account.organization_id)
    )
    return wave.scope


def test_a_wave_of_ous_needs_ous_of_this_organization(
    client, management_root, organization, other_organization, clock
):
    theirs = organization_units.organizational_unit_create(
        actor=None, organization=other_organization, parent=None, name="Theirs"
    )
    ours = organization_units.organizational_unit_create(
        actor=None, organization=organization, parent=None, name="Ours"
    )
    client.force_login(management_root)
    schedule(client)
    response = schedule(client, scope="ous")
    assert "Choose at least one OU." in response.content.decode()
    response = schedule(client, scope="ous", organizational_units=[theirs.pk])
    assert "Select a valid choice" in response.content.decode()
    assert RootMFAWave.objects.count() == 1
    # OUs chosen with another scope are not kept.
    schedule(client, scope="all_members", organizational_units=[ours.pk])
    assert not RootMFAWave.objects.get(scope="all_members").organizational_units.exists()


def test_without_ous_the_form_offers_no_ou_scope(client, management_root, clock):
    client.force_login(management_root)
    page = client.get(PAGE).content.decode()
    assert 'value="ous"' not in page and "organizational_units" not in page


def test_status_page_queries_do_not_grow_with_ous(
    client, management_root, organization, clock, django_assert_max_num_queries
):
    def grow(n, start):
        parent = None
        for i in range(start, start + n):
            parent = organization_units.organizational_unit_create(
                actor=None,
                organization=organization,
                parent=parent if i % 4 else None,
                name=f"U{i}",
            )
            _member(organization, management_root, f"M{i}", f"m{i}@example.test", parent)
        return parent

    client.force_login(management_root)
    schedule(client)
    top = grow(2, 0)
    schedule(client, scope="ous", organizational_units=[top.pk])
    with django_assert_max_num_queries(10):
        assert client.get(PAGE).status_code == 200
    grow(20, 2)
    schedule(
        client,
        scope="ous",
        organizational_units=list(organization.organizational_units.values_list("pk", flat=True)),
    )
    with django_assert_max_num_queries(10):
        page = client.get(PAGE).content.decode()
    assert page.count("status-not_prompted") == 22 + 1


def test_a_deleted_ou_leaves_its_waves(client, management_root, organization, clock):
    empty = organization_units.organizational_unit_create(
        actor=None, organization=organization, parent=None, name="Empty"
    )
    client.force_login(management_root)
    schedule(client)
    schedule(client, scope="ous", organizational_units=[empty.pk], start="2026-12-20")
    organization_units.organizational_unit_delete(actor=management_root, unit=empty)
    wave = RootMFAWave.objects.get(scope="ous")
    assert not wave.organizational_units.exists()
    assert "none left (their OUs were deleted)" in client.get(PAGE).content.decode()


def _ous_wave(organization, management_root, units):
    return enforcement.wave_create(
        actor=management_root,
        organization=organization,
        scope=RootMFAWave.Scope.OUS,
        accounts=[],
        organizational_units=units,
        start=timezone.localdate(),
        grace_days=35,
    )


def _kept_and_doomed(organization, management_root):
    """A wave on the management account (so an OUs wave may follow), and two OUs for one."""
    enforcement.wave_create(
        actor=management_root,
        organization=organization,
        scope=RootMFAWave.Scope.MANAGEMENT,
        accounts=[],
        start=timezone.localdate(),
        grace_days=35,
    )
    return [
        organization_units.organizational_unit_create(
            actor=None, organization=organization, parent=None, name=name
        )
        for name in ("Kept", "Doomed")
    ]


@pytest.mark.django_db(transaction=True)
def test_a_wave_racing_the_deletion_of_its_ou_is_refused_cleanly(management_root, organization):
    """The OU is deleted while the wave is being created: the wave is refused with a message
    naming the OU, not an IntegrityError when its link to the OU is checked at commit."""
    kept, doomed = _kept_and_doomed(organization, management_root)
    outcomes = in_threads(
        lambda: organization_units.organizational_unit_delete(actor=None, unit=doomed),
        lambda: _ous_wave(organization, management_root, [kept, doomed]),
    )
    assert outcomes == {"first": "done", "second": "The OU Doomed no longer exists."}
    assert not RootMFAWave.objects.filter(scope="ous").exists()
    assert not AuditEvent.objects.filter(
        event_name="EnableRootMFAEnforcement", request_parameters__scope="ous"
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_an_ou_deleted_while_its_wave_is_created_leaves_the_wave(management_root, organization):
    """The other order: the wave first, the deletion waits for it and then takes the OU out of
    it, as it does for a wave that was already there."""
    kept, doomed = _kept_and_doomed(organization, management_root)
    outcomes = in_threads(
        lambda: _ous_wave(organization, management_root, [kept, doomed]),
        lambda: organization_units.organizational_unit_delete(actor=None, unit=doomed),
    )
    assert outcomes == {"first": "done", "second": "done"}
    wave = RootMFAWave.objects.get(scope="ous")
    assert list(wave.organizational_units.all()) == [kept]
    assert not OrganizationalUnit.objects.filter(pk=doomed.pk).exists()


def test_an_ou_deleted_after_the_form_checked_it_is_a_form_error(
    client, management_root, organization, clock, monkeypatch
):
    """The console page: the OU passes the form's checks, is deleted before the service runs,
    and the page says so on the OU field (no 500, no wave)."""
    from console.forms.organization import RootMFAWaveForm

    doomed = organization_units.organizational_unit_create(
        actor=None, organization=organization, parent=None, name="Doomed"
    )
    checked = RootMFAWaveForm.clean_organizational_units

    def checked_then_deleted(form):
        units = checked(form)
        organization_units.organizational_unit_delete(actor=None, unit=doomed)
        return units

    client.force_login(management_root)
    schedule(client)
    monkeypatch.setattr(RootMFAWaveForm, "clean_organizational_units", checked_then_deleted)
    response = schedule(client, scope="ous", organizational_units=[doomed.pk])
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["organizational_units"] == ["The OU Doomed no longer exists."]
    assert list(RootMFAWave.objects.values_list("scope", flat=True)) == ["management"]
