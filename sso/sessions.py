"""Console sessions opened from the access portal: an SSO user acting in one account as a
permission set's role, until the permission set's session duration runs out.

The browser's session holds only the ``RoleSession``'s random id; the table, its SHA-256. Every console request
loads the row and checks, in one query, that it has not expired or been ended and that
the user is still assigned that permission set in that account (directly or through a
group): removing an assignment or disabling the user ends access at the next click.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from identity import arns, audit
from identity.audit_events import Event
from identity.models import Account, User

from . import services
from .models import AccountAssignment, PermissionSet, RoleSession

SESSION_KEY = "tobira_role"


class AssumedRole:
    """The principal of a console request made through a role session.

    It quacks like ``identity.User`` where the console needs it (account, ARN, ids, names),
    is never a root user, and carries its own identity policies: the permission set's.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_root = False
    is_sso = False
    kind = "role"
    pk = None

    def __init__(self, role_session: RoleSession):
        self.role_session = role_session
        self.user = role_session.user
        self.account = role_session.account
        self.account_id = role_session.account_id
        self.permission_set = role_session.permission_set
        self.role_name = self.permission_set.role_name()
        self.name = self.user.name  # the role session name, as AWS uses the user name
        self.role_arn = arns.sso_role(self.account_id, self.role_name)
        self.arn = arns.assumed_role(self.account_id, self.role_name, self.name)
        self.role_id = "AROA" + self.permission_set.permission_set_id[3:].upper()
        self.unique_id = f"{self.role_id}:{self.name}"
        self.expires = role_session.expires
        self.password_reset_required = self.user.password_reset_required

    @property
    def display_name(self) -> str:
        return f"{self.permission_set.name}/{self.name}"

    @property
    def email(self) -> str:
        return self.user.contact_email

    def identity_policies(self) -> tuple:
        return services.permission_set_policies(self.permission_set, self.account)

    def audit_identity(self) -> dict:
        return {
            "type": "AssumedRole",
            "principalId": self.unique_id,
            "arn": self.arn,
            "accountId": self.account_id,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": self.role_id,
                    "arn": self.role_arn,
                    "accountId": self.account_id,
                    "userName": self.role_name,
                },
                "attributes": {
                    "creationDate": self.role_session.started.isoformat(),
                    "expiresAt": self.expires.isoformat(),
                },
            },
            "onBehalfOf": {"userId": self.user.unique_id, "userName": self.user.name},
        }

    def __str__(self) -> str:
        return self.arn

    def has_usable_password(self) -> bool:
        return False

    def check_password(self, raw_password: str) -> bool:
        return False


def _digest(raw_id: str) -> str:
    """Only the SHA-256 of a role session's id is stored; the id itself lives in the browser's
    server-side session."""
    return hashlib.sha256(str(raw_id).encode()).hexdigest()


def open_session(
    request, *, user: User, account_id: str, permission_set_id: int
) -> RoleSession | None:
    """Start a console session as a permission set the user is assigned in that account."""
    assignment = (
        AccountAssignment.objects.filter(
            Q(user=user) | Q(group__members=user),
            account_id=account_id,
            permission_set_id=permission_set_id,
        )
        .select_related("account", "permission_set")
        .first()
    )
    if assignment is None:
        return None
    now = timezone.now()
    permission_set = assignment.permission_set
    end_session(request)
    raw_id = secrets.token_urlsafe(32)
    role_session = RoleSession.objects.create(
        session_id=_digest(raw_id),
        user=user,
        account=assignment.account,
        permission_set=permission_set,
        started=now,
        expires=now + timedelta(hours=permission_set.session_duration_hours),
    )
    request.session[SESSION_KEY] = raw_id
    principal = AssumedRole(role_session)
    audit.record(
        Event.FEDERATE,
        request=request,
        actor=principal,
        account_id=assignment.account_id,
        request_parameters={
            "accountId": assignment.account_id,
            "permissionSetArn": permission_set.arn,
            "roleName": principal.role_name,
        },
        response_elements={"expiresAt": role_session.expires.isoformat()},
    )
    return role_session


def end_session(request) -> RoleSession | None:
    """End this browser's role session, if any (leaving the account, signing out or in)."""
    session_id = request.session.pop(SESSION_KEY, None) if hasattr(request, "session") else None
    if not session_id:
        return None
    role_session = (
        RoleSession.objects.select_related("user", "account", "permission_set")
        .filter(session_id=_digest(session_id), ended__isnull=True)
        .first()
    )
    if role_session is not None:
        role_session.ended = timezone.now()
        role_session.save(update_fields=["ended"])
    return role_session


def record_end(request, role_session: RoleSession, reason: str) -> None:
    """Audit the end of a role session in its account's trail."""
    audit.record(
        Event.LOGOUT,
        request=request,
        actor=AssumedRole(role_session),
        account_id=role_session.account_id,
        additional_event_data={"reason": reason},
    )


def current(request, user: User) -> tuple[AssumedRole | None, str]:
    """The role this browser session acts as, or None and why (``""``, ``expired``, ``revoked``)."""
    session_id = request.session.get(SESSION_KEY)
    if not session_id:
        return None, ""
    assigned = AccountAssignment.objects.filter(
        Q(user_id=OuterRef("user_id")) | Q(group__members=OuterRef("user_id")),
        account_id=OuterRef("account_id"),
        permission_set_id=OuterRef("permission_set_id"),
    )
    role_session = (
        RoleSession.objects.filter(session_id=_digest(session_id), user=user)
        .select_related("account__organization", "permission_set", "user")
        .annotate(assigned=Exists(assigned))
        .first()
    )
    if role_session is None or role_session.ended is not None:
        request.session.pop(SESSION_KEY, None)
        return None, "revoked"
    if role_session.expires <= timezone.now():
        request.session.pop(SESSION_KEY, None)
        return None, "expired"
    if not role_session.assigned:
        request.session.pop(SESSION_KEY, None)
        role_session.ended = timezone.now()
        role_session.save(update_fields=["ended"])
        record_end(request, role_session, "AssignmentRemoved")
        return None, "revoked"
    return AssumedRole(role_session), ""


def accounts_for_portal(user: User) -> list[tuple[Account, list[PermissionSet]]]:
    """The portal's list: each assigned account once, with the permission sets usable there."""
    grouped: dict[str, tuple[Account, list[PermissionSet]]] = {}
    for assignment in services.assignments_of(user):
        account, sets = grouped.setdefault(assignment.account_id, (assignment.account, []))
        if all(ps.pk != assignment.permission_set_id for ps in sets):
            sets.append(assignment.permission_set)
    return list(grouped.values())
