"""Root MFA enforcement: an organization rolls it out in waves, each root user gets a grace period.

The management account's root comes first; member accounts follow in waves
(chosen accounts, the accounts in chosen OUs and the OUs below them, or all of
them; the last two present and future), each from a start date. An enforced root user without an MFA device is asked to register one
at sign-in; the grace period (35 days by default) runs from that first
prompt. During it the person may choose *Remind me later*; after it, sign-in
goes no further than the device-registration pages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from identity import audit, selectors
from identity.audit_events import Event
from identity.models import Account, Organization, OrganizationalUnit, User
from mfa.models import MFADevice, RootMFAPrompt, RootMFAWave

DAY = timedelta(days=1)
MAX_GRACE_DAYS = 365


def default_grace_days() -> int:
    return getattr(settings, "ROOT_MFA_GRACE_DAYS", 35)


class Status:
    NOT_ENFORCED = "not_enforced"
    SCHEDULED = "scheduled"
    REGISTERED = "registered"
    NOT_PROMPTED = (
        "not_prompted"  # enforced; the grace period starts at the root user's next sign-in
    )
    GRACE = "grace"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class RootMFAStatus:
    code: str
    wave: RootMFAWave | None = None
    grace_ends: datetime | None = None
    days_left: int | None = None

    @property
    def must_register(self) -> bool:
        """At sign-in: the prompt is shown (grace) or nothing else opens (overdue)."""
        return self.code in (Status.GRACE, Status.OVERDUE)

    @property
    def overdue(self) -> bool:
        return self.code == Status.OVERDUE


def organization_waves(organization_id: str) -> list[RootMFAWave]:
    """Every wave of an organization with its chosen accounts and OUs (three queries)."""
    return list(
        RootMFAWave.objects.filter(organization_id=organization_id).prefetch_related(
            "accounts", "organizational_units"
        )
    )


def has_management_wave(organization: Organization) -> bool:
    """Whether the organization already scheduled enforcement for its management account."""
    return RootMFAWave.objects.filter(
        organization=organization, scope=RootMFAWave.Scope.MANAGEMENT
    ).exists()


def organization_wave_get(organization: Organization, wave_id: int) -> RootMFAWave:
    """One wave of ``organization``; 404 for another organization's or none."""
    wave = RootMFAWave.objects.filter(organization=organization, pk=wave_id).first()
    if wave is None:
        raise Http404
    return wave


def _chosen(wave: RootMFAWave) -> set[str]:
    """The ids the wave chose: OUs with the OUS scope, accounts otherwise (prefetched)."""
    if wave.scope == RootMFAWave.Scope.OUS:
        return {unit.pk for unit in wave.organizational_units.all()}
    return {account.pk for account in wave.accounts.all()}


def covering_wave(
    account: Account, waves: list[RootMFAWave], *, ou_ancestor_ids: set[str] | None = None
) -> RootMFAWave | None:
    """The earliest wave that covers ``account``: its start and grace period apply.

    ``ou_ancestor_ids``: the account's OU and the OUs above it, read (one query) when a wave
    chose OUs and they are not given."""
    if ou_ancestor_ids is None and any(w.scope == RootMFAWave.Scope.OUS for w in waves):
        ou_ancestor_ids = selectors.organizational_unit_ancestor_ids(account)
    covering = [
        wave
        for wave in waves
        if wave.covers(account, selected_ids=_chosen(wave), ou_ancestor_ids=ou_ancestor_ids)
    ]
    return min(covering, key=lambda wave: (wave.starts_at, wave.pk), default=None)


def status_of(
    account: Account,
    *,
    waves: list[RootMFAWave],
    root_has_mfa: bool,
    prompt: RootMFAPrompt | None,
    now: datetime,
    ou_ancestor_ids: set[str] | None = None,
) -> RootMFAStatus:
    wave = covering_wave(account, waves, ou_ancestor_ids=ou_ancestor_ids)
    if root_has_mfa:
        return RootMFAStatus(Status.REGISTERED, wave)
    if wave is None:
        return RootMFAStatus(Status.NOT_ENFORCED)
    if wave.starts_at > now:
        return RootMFAStatus(Status.SCHEDULED, wave)
    if prompt is None:
        return RootMFAStatus(Status.NOT_PROMPTED, wave)
    grace_ends = prompt.first_prompted_at + wave.grace_days * DAY
    if now >= grace_ends:
        return RootMFAStatus(Status.OVERDUE, wave, grace_ends, 0)
    days_left = math.ceil((grace_ends - now) / DAY)
    return RootMFAStatus(Status.GRACE, wave, grace_ends, days_left)


def _root_has_mfa():
    return Exists(
        MFADevice.objects.filter(account=OuterRef("pk"), user__kind=User.Kind.ROOT, confirmed=True)
    )


def organization_accounts_with_status(organization: Organization) -> QuerySet[Account]:
    """The organization's accounts, management first, ready for ``statuses`` (one query a page)."""
    return (
        Account.objects.filter(organization=organization)
        .select_related("organization", "root_mfa_prompt")
        .annotate(root_has_mfa=_root_has_mfa())
        .order_by("created", "id")
    )


def statuses(
    accounts,
    waves: list[RootMFAWave],
    *,
    now: datetime | None = None,
    units: list[OrganizationalUnit] | None = None,
) -> list:
    """``(account, status)`` for accounts from ``organization_accounts_with_status``.

    When a wave chose OUs, each account's OUs come from ``units`` (the organization's OUs),
    read here in one query when not given."""
    now = now or timezone.now()
    accounts = list(accounts)
    parents: dict[str, str | None] = {}
    if accounts and any(w.scope == RootMFAWave.Scope.OUS for w in waves):
        if units is None:
            units = selectors.organizational_units(accounts[0].organization)
        parents = {unit.pk: unit.parent_id for unit in units}
    return [
        (
            account,
            status_of(
                account,
                waves=waves,
                root_has_mfa=account.root_has_mfa,
                prompt=getattr(account, "root_mfa_prompt", None),
                now=now,
                ou_ancestor_ids=_ancestors(parents, account.organizational_unit_id),
            ),
        )
        for account in accounts
    ]


def _ancestors(parents: dict[str, str | None], unit_id: str | None) -> set[str]:
    """``unit_id`` and every OU above it, from ``{OU id: parent id}``."""
    found: set[str] = set()
    while unit_id is not None and unit_id not in found:
        found.add(unit_id)
        unit_id = parents.get(unit_id)
    return found


def is_enforced(account: Account, *, now: datetime | None = None) -> bool:
    """Whether a started wave requires MFA of ``account``'s root user."""
    wave = covering_wave(account, organization_waves(account.organization_id))
    return wave is not None and wave.starts_at <= (now or timezone.now())


def root_status(user: User, *, now: datetime | None = None) -> RootMFAStatus:
    """The root MFA status of ``user``'s account (for the prompt page and the sign-in step)."""
    account = (
        organization_accounts_with_status(user.account.organization)
        .filter(pk=user.account_id)
        .get()
    )
    waves = organization_waves(account.organization_id)
    return statuses([account], waves, now=now)[0][1]


def signin_prompt(request, user: User) -> RootMFAStatus | None:
    """At sign-in of a root user without MFA: the status if the person must be asked, else None.

    The first prompt starts the grace period. Each prompt is audited.
    """
    if not user.is_root:
        return None
    now = timezone.now()
    status = root_status(user, now=now)
    if status.code == Status.NOT_PROMPTED:
        try:
            with transaction.atomic():
                RootMFAPrompt.objects.create(
                    account_id=user.account_id, first_prompted_at=now, last_prompted_at=now
                )
        except IntegrityError:  # another sign-in of the same root user got there first
            pass
        status = root_status(user, now=now)
    if not status.must_register:
        return None
    RootMFAPrompt.objects.filter(account_id=user.account_id).update(last_prompted_at=now)
    audit.record(
        Event.ROOT_MFA_ENFORCEMENT_PROMPT,
        request=request,
        actor=user,
        additional_event_data={
            "Status": "Overdue" if status.overdue else "GracePeriod",
            "DaysLeft": status.days_left,
            "GracePeriodEnds": status.grace_ends.isoformat(),
        },
    )
    return status


def reminder_postponed(request, status: RootMFAStatus) -> None:
    audit.record(
        Event.ROOT_MFA_ENFORCEMENT_REMIND_LATER,
        request=request,
        additional_event_data={"DaysLeft": status.days_left},
    )


# --- Administration ---------------------------------------------------------------


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _lock_units(organization: Organization, units: list[OrganizationalUnit]) -> None:
    """Lock the chosen OUs until the wave is saved: a deletion of one waits, then takes it out
    of the wave as it does for any wave; one deleted first is a clean refusal, not a link to a
    missing OU that fails at commit. The rows conflict with the deletion's ``FOR UPDATE``."""
    there = set(
        OrganizationalUnit.objects.select_for_update(no_key=True)
        .filter(organization=organization, pk__in=[unit.pk for unit in units])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    gone = sorted((unit for unit in units if unit.pk not in there), key=lambda unit: unit.name)
    if gone:
        raise ValidationError(
            {
                "organizational_units": [
                    ValidationError(
                        _("The OU %(name)s no longer exists.") % {"name": unit.name},
                        code="OrganizationalUnitNotFoundException",
                    )
                    for unit in gone
                ]
            }
        )


@transaction.atomic
def wave_create(
    *,
    actor: User,
    organization: Organization,
    scope: str,
    accounts: list[Account],
    start: date,
    grace_days: int,
    organizational_units: list[OrganizationalUnit] = (),
    request=None,
) -> RootMFAWave:
    """Schedule a wave. The management account first; member waves start no earlier than it."""
    # One organization's rollout changes one at a time. ``FOR NO KEY UPDATE``, as the OU
    # services lock it: the organization first, then the OUs (see ``_lock_units``).
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).get()
    if start < timezone.localdate():
        raise ValidationError({"start": _("The start date cannot be in the past.")}, code="past")
    if not 1 <= grace_days <= MAX_GRACE_DAYS:
        raise ValidationError(
            {"grace_days": _("The grace period is 1 to %(max)d days.") % {"max": MAX_GRACE_DAYS}},
            code="grace",
        )
    starts_at = start_of_day(start)
    management_wave = RootMFAWave.objects.filter(
        organization=organization, scope=RootMFAWave.Scope.MANAGEMENT
    ).first()
    if scope == RootMFAWave.Scope.MANAGEMENT:
        if management_wave is not None:
            raise ValidationError(
                _("MFA is already enforced on the management account's root user."),
                code="exists",
            )
        accounts, organizational_units = [], []
    else:
        if management_wave is None:
            raise ValidationError(
                _("Enforce MFA on the management account first, then on member accounts."),
                code="management_first",
            )
        if starts_at < management_wave.starts_at:
            raise ValidationError(
                {
                    "start": _(
                        "Member accounts follow the management account: start on %(date)s or later."
                    )
                    % {"date": timezone.localdate(management_wave.starts_at).isoformat()}
                },
                code="management_first",
            )
        if scope == RootMFAWave.Scope.SELECTED:
            if not accounts:
                raise ValidationError({"accounts": _("Choose at least one account.")})
            if any(
                a.organization_id != organization.pk or a.pk == organization.management_account_id
                for a in accounts
            ):
                raise ValidationError(
                    {"accounts": _("Choose member accounts of this organization.")}
                )
        else:
            accounts = []
        if scope == RootMFAWave.Scope.OUS:
            if not organizational_units:
                raise ValidationError({"organizational_units": _("Choose at least one OU.")})
            if any(unit.organization_id != organization.pk for unit in organizational_units):
                raise ValidationError(
                    {"organizational_units": _("Choose OUs of this organization.")}
                )
            _lock_units(organization, organizational_units)
        else:
            organizational_units = []
    wave = RootMFAWave.objects.create(
        organization=organization,
        scope=scope,
        starts_at=starts_at,
        grace_days=grace_days,
        created_by=actor.arn,
    )
    wave.accounts.set(accounts)
    wave.organizational_units.set(organizational_units)
    audit.record(
        Event.ENABLE_ROOT_MFA_ENFORCEMENT,
        request=request,
        actor=actor,
        request_parameters={
            "organizationId": wave.organization_id,
            "scope": wave.scope,
            "accountIds": sorted(a.pk for a in accounts),
            "organizationalUnitIds": sorted(unit.pk for unit in organizational_units),
            "startDate": timezone.localdate(wave.starts_at).isoformat(),
            "gracePeriodDays": wave.grace_days,
        },
    )
    return wave


@transaction.atomic
def wave_cancel(*, actor: User, wave: RootMFAWave, request=None) -> None:
    """Cancel a wave that has not started. The management wave goes last."""
    Organization.objects.select_for_update().filter(pk=wave.organization_id).get()
    if wave.starts_at <= timezone.now():
        raise ValidationError(
            _("This wave has started; a started wave cannot be cancelled."), code="started"
        )
    if (
        wave.scope == RootMFAWave.Scope.MANAGEMENT
        and RootMFAWave.objects.filter(organization_id=wave.organization_id)
        .exclude(pk=wave.pk)
        .exists()
    ):
        raise ValidationError(
            _("Cancel the member-account waves first: the management account comes first."),
            code="management_first",
        )
    audit.record(
        Event.CANCEL_ROOT_MFA_ENFORCEMENT,
        request=request,
        actor=actor,
        request_parameters={
            "organizationId": wave.organization_id,
            "scope": wave.scope,
            "accountIds": sorted(a.pk for a in wave.accounts.all()),
            "organizationalUnitIds": sorted(unit.pk for unit in wave.organizational_units.all()),
            "startDate": timezone.localdate(wave.starts_at).isoformat(),
            "gracePeriodDays": wave.grace_days,
        },
    )
    wave.delete()
