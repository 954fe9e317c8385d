"""What the event history filters on, taken out of an event's JSON once, when it is written.

``AuditEvent`` keeps ``userIdentity`` and ``requestParameters`` as JSON, as CloudTrail does; the
console's *Event history* filters by user name, read-only and resource, and at a million events in
one account a filter that reads JSON scans them all. So ``identity.audit`` stores these values in
indexed columns beside the JSON (``denormalized``), and the migration that added the columns
filled them for the events written before, with these same functions.

The resources are CloudTrail's ``resources`` list (``{"resourceType", "resourceName",
"ARN"}``) read from the request parameters the services write; the first one is the event's own
resource, kept in the columns (``resource_type``, ``resource_name``), with the first ARN among
them (``resource_arn``): the history finds an event by its first resource's name or by that ARN.
"""

from __future__ import annotations

from typing import Any

from .audit_events import is_read_only

ROOT_USER_NAME = "root"  # what the history shows, and filters on, for a root user

# Request parameter → (CloudTrail resource type, how its name and ARN are read), in order: an
# event about a user's MFA device names the user first (people look for "what happened to
# alice"), the device after.
_RESOURCE_KEYS: tuple[tuple[str, str], ...] = (
    ("userName", "AWS::IAM::User"),
    ("groupName", "AWS::IAM::Group"),
    ("policyArn", "AWS::IAM::Policy"),
    ("policyName", "AWS::IAM::Policy"),
    ("serialNumber", "AWS::IAM::MFADevice"),
    ("virtualMFADeviceName", "AWS::IAM::MFADevice"),
    ("accessKeyId", "AWS::IAM::AccessKey"),
    ("permissionSetArn", "AWS::SSO::PermissionSet"),
    ("clientId", "AWS::SSO::Application"),
    ("organizationalUnitId", "AWS::Organizations::OrganizationalUnit"),
    ("accountId", "AWS::Organizations::Account"),
    ("accountName", "AWS::Organizations::Account"),
    ("accountAlias", "AWS::IAM::AccountAlias"),
    ("organizationId", "AWS::Organizations::Organization"),
    ("organization", "AWS::Organizations::Organization"),
    ("displayName", "AWS::IdentityStore::Entity"),
    ("resource", "AWS::Resource"),  # a refusal: the ARN the engine was asked about
)
NAME_MAX = 256
ARN_MAX = 1100


def user_name_of(user_identity: dict, request_parameters: dict) -> str:
    """The event's *User name*: an IAM or directory user's name, ``root``, a role session's
    name; for a failed sign-in (anonymous) the name that was typed, as the trail kept it."""
    identity = user_identity if isinstance(user_identity, dict) else {}
    kind = identity.get("type")
    if kind == "Root":
        return ROOT_USER_NAME
    name = identity.get("userName")
    if isinstance(name, str) and name:
        return name[:NAME_MAX]
    if kind == "AssumedRole":
        arn = identity.get("arn")
        if isinstance(arn, str) and "/" in arn:
            return arn.rsplit("/", 1)[1][:NAME_MAX]  # the session: the SSO user's name
    params = request_parameters if isinstance(request_parameters, dict) else {}
    if kind == "Anonymous":
        if params.get("loginTo") == "root":
            return ROOT_USER_NAME
        typed = params.get("userName")
        if isinstance(typed, str):
            return typed[:NAME_MAX]
    return ""


def resources_of(request_parameters: dict) -> list[dict[str, str]]:
    """CloudTrail's ``resources``: what the event concerns, read from its request parameters."""
    params = request_parameters if isinstance(request_parameters, dict) else {}
    found: list[dict[str, str]] = []
    seen_types: set[str] = set()
    for key, resource_type in _RESOURCE_KEYS:
        value = params.get(key)
        if value is None or value == "" or isinstance(value, dict | list | bool):
            continue
        value = str(value)
        if resource_type in seen_types:
            continue  # policyName beside policyArn: one policy
        seen_types.add(resource_type)
        resource = {"resourceType": resource_type}
        if value.startswith("arn:") and key != "resource":
            resource["resourceName"] = value.rsplit("/", 1)[-1].rsplit(":", 1)[-1][:NAME_MAX]
            resource["ARN"] = value[:ARN_MAX]
        elif value.startswith("arn:"):  # a refused request's resource may be a pattern: whole
            resource["resourceName"] = value[:NAME_MAX]
            resource["ARN"] = value[:ARN_MAX]
        else:
            resource["resourceName"] = value[:NAME_MAX]
        found.append(resource)
    return found


def denormalized(
    *, event_name: str, user_identity: dict, request_parameters: dict
) -> dict[str, Any]:
    """The indexed columns of one event (``AuditEvent`` field names)."""
    resources = resources_of(request_parameters)
    first = resources[0] if resources else {}
    return {
        "user_name": user_name_of(user_identity, request_parameters),
        "read_only": is_read_only(event_name),
        "resource_type": first.get("resourceType", ""),
        "resource_name": first.get("resourceName", ""),
        # The first ARN the event names, whichever resource has it (an MFA device's, beside
        # its user who has none in the parameters).
        "resource_arn": next((r["ARN"] for r in resources if "ARN" in r), ""),
    }
