"""The organization's structure: organizational units (OUs) under the root, and which OU (or the
root) each account sits in. The only writers of ``OrganizationalUnit`` and of
``Account.organizational_unit``; each change is atomic and writes its audit event, with AWS
Organizations' CloudTrail names, in the management account's trail.

AWS's rules, as AWS Organizations has them:
- an OU sits under the root or under another OU, at most ``OrganizationalUnit.MAX_DEPTH`` (5)
  OUs deep, and an organization has at most ``MAX_UNITS`` (1,000) OUs;
- its name (1 to 128 characters) is unique among its siblings (``DuplicateOrganizationalUnit``;
  Tobira ignores case, so "Engineering" and "engineering" never stand side by side);
- only an empty OU (no OU, no account under it) can be deleted
  (``OrganizationalUnitNotEmptyException``); the SCPs attached to it go with it;
- an OU cannot move; an account moves between the root and any OU (``MoveAccount``).

Rows are locked in one order (the organization, the account, then the OU) so that a deletion
and a creation or a move under the same OU cannot both pass their checks.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import audit, ids
from .audit_events import Event
from .models import Account, Organization, OrganizationalUnit, SCPAttachment, User
from .selectors import organizational_unit_depth

MAX_UNITS = 1000  # OUs in one organization (AWS's quota)


def parent_id_of(organization_id: str, unit: OrganizationalUnit | None) -> str:
    """A parent as AWS names it: the OU's id, or the root's (``r-…``) for None."""
    return unit.pk if unit is not None else ids.organization_root_id(organization_id)


# Characters a name would not show as what it is with: every control character (C0, DEL and
# C1: category Cc), the line and paragraph separators (Zl, Zp), and the bidirectional formatting
# characters (embeddings, overrides, isolates and the marks), which can make "Prod\u202elaeb"
# read as "Prodbeal" beside the real one.
_BIDI_FORMATTING = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _misleading(character: str) -> bool:
    return character in _BIDI_FORMATTING or unicodedata.category(character) in ("Cc", "Zl", "Zp")


def _checked_name(name: str) -> str:
    name = (name or "").strip()
    misleading = next((c for c in name if _misleading(c)), None)
    if misleading is not None:
        raise ValidationError(
            {
                "name": ValidationError(
                    _(
                        "An OU name has no control characters, line breaks or marks that change "
                        "the direction of text: remove %(character)s."
                    )
                    % {"character": f"U+{ord(misleading):04X}"},
                    code="invalid",
                )
            }
        )
    unit = OrganizationalUnit(name=name)
    try:
        unit.clean_fields(exclude=["id", "organization", "parent", "created"])
    except ValidationError as error:
        raise ValidationError({"name": error.message_dict["name"]}) from None
    return name


def _duplicate_name() -> ValidationError:
    return ValidationError(
        {
            "name": ValidationError(
                _("An OU with this name is already there: choose another name."),
                code="DuplicateOrganizationalUnitException",
            )
        }
    )


def _locked(organization: Organization, unit_id: str) -> OrganizationalUnit:
    """The OU, locked until the transaction ends; a ``ValidationError`` when it is gone."""
    unit = (
        OrganizationalUnit.objects.select_for_update()
        .filter(organization=organization, pk=unit_id)
        .first()
    )
    if unit is None:
        raise ValidationError(
            _("That OU no longer exists."), code="OrganizationalUnitNotFoundException"
        )
    unit.organization = organization
    return unit


def _save_named(unit: OrganizationalUnit, **kwargs) -> None:
    try:
        with transaction.atomic():
            unit.save(**kwargs)
    except IntegrityError:
        raise _duplicate_name() from None


@transaction.atomic
def organizational_unit_create(
    *,
    actor: User | None,
    organization: Organization,
    parent: OrganizationalUnit | None,
    name: str,
    request=None,
) -> OrganizationalUnit:
    """A new OU under ``parent`` (None: the root)."""
    name = _checked_name(name)
    # The organization first (its OU count is then exact), then the parent (a deletion of it
    # waits, or makes this one fail cleanly).
    Organization.objects.select_for_update().filter(pk=organization.pk).get()
    if parent is not None:
        parent = _locked(organization, parent.pk)
        if organizational_unit_depth(parent) >= OrganizationalUnit.MAX_DEPTH:
            raise ValidationError(
                _(
                    "OUs nest at most %(max)d deep under the root: %(name)s is already at the "
                    "deepest level. Create the OU higher up."
                )
                % {"max": OrganizationalUnit.MAX_DEPTH, "name": parent.name},
                code="OU_DEPTH_LIMIT_EXCEEDED",
            )
    if OrganizationalUnit.objects.filter(organization=organization).count() >= MAX_UNITS:
        raise ValidationError(
            _("An organization has at most %(max)d OUs.") % {"max": MAX_UNITS},
            code="OU_NUMBER_LIMIT_EXCEEDED",
        )
    unit = OrganizationalUnit(
        id=ids.new_organizational_unit_id(organization.pk),
        organization=organization,
        parent=parent,
        name=name,
    )
    _save_named(unit, force_insert=True)
    parent_id = parent_id_of(organization.pk, parent)
    audit.record(
        Event.CREATE_ORGANIZATIONAL_UNIT,
        request=request,
        actor=actor,
        account_id=organization.management_account_id,
        # AWS's parameters are the parent and the name; the new id is there too, so the event
        # history finds every event of an OU by its id.
        request_parameters={
            "parentId": parent_id,
            "name": name,
            "organizationalUnitId": unit.pk,
        },
        response_elements={
            "organizationalUnit": {"id": unit.pk, "name": name, "arn": unit.arn},
        },
    )
    return unit


@transaction.atomic
def organizational_unit_rename(
    *, actor: User | None, unit: OrganizationalUnit, name: str, request=None
) -> OrganizationalUnit:
    """AWS's ``UpdateOrganizationalUnit``: a new name, unique among its siblings."""
    name = _checked_name(name)
    unit = _locked(unit.organization, unit.pk)
    previous = unit.name
    if previous == name:
        return unit
    unit.name = name
    _save_named(unit, update_fields=["name"])
    audit.record(
        Event.UPDATE_ORGANIZATIONAL_UNIT,
        request=request,
        actor=actor,
        account_id=unit.organization.management_account_id,
        request_parameters={"organizationalUnitId": unit.pk, "name": name},
        additional_event_data={"previousName": previous},
    )
    return unit


@transaction.atomic
def organizational_unit_delete(
    *, actor: User | None, unit: OrganizationalUnit, request=None
) -> None:
    """Delete an empty OU; the SCPs attached to it are detached with it."""
    organization = unit.organization
    unit = _locked(organization, unit.pk)
    children = OrganizationalUnit.objects.filter(parent=unit).count()
    accounts = Account.objects.filter(organizational_unit=unit).count()
    if children or accounts:
        raise ValidationError(
            _(
                "Only an empty OU can be deleted, and %(name)s is not empty (child OUs: "
                "%(ous)d, accounts: %(accounts)d). Move its accounts elsewhere and delete its "
                "child OUs first."
            )
            % {"name": unit.name, "ous": children, "accounts": accounts},
            code="OrganizationalUnitNotEmptyException",
        )
    detached = sorted(
        SCPAttachment.objects.filter(organizational_unit=unit).values_list("policy_arn", flat=True)
    )
    unit_id, name = unit.pk, unit.name
    unit.delete()
    audit.record(
        Event.DELETE_ORGANIZATIONAL_UNIT,
        request=request,
        actor=actor,
        account_id=organization.management_account_id,
        request_parameters={"organizationalUnitId": unit_id},
        additional_event_data={"name": name, "detachedPolicies": detached},
    )


@transaction.atomic
def account_move(
    *,
    actor: User | None,
    account: Account,
    destination: OrganizationalUnit | None,
    request=None,
) -> Account:
    """Move ``account`` directly under ``destination`` (None: the root). Its SCP chain is the
    destination's from its next request on; its own attachments stay with it."""
    organization = account.organization
    account = Account.objects.select_for_update().get(pk=account.pk)
    account.organization = organization
    if destination is not None:
        destination = _locked(organization, destination.pk)
    source_id = account.organizational_unit_id
    destination_id = destination.pk if destination is not None else None
    if source_id == destination_id:
        raise ValidationError(
            {
                "destination": ValidationError(
                    _("The account is already there: choose another destination."),
                    code="DuplicateAccountException",
                )
            }
        )
    account.organizational_unit = destination
    account.save(update_fields=["organizational_unit"])
    root_id = ids.organization_root_id(organization.pk)
    audit.record(
        Event.MOVE_ACCOUNT,
        request=request,
        actor=actor,
        account_id=organization.management_account_id,
        request_parameters={
            "accountId": account.pk,
            "sourceParentId": source_id or root_id,
            "destinationParentId": destination_id or root_id,
        },
    )
    return account
