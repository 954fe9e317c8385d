"""Reads of the organization's applications, always within one organization: another
organization's ids are not found (``Http404``)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.http import Http404

from identity.models import Organization, User

from .models import Application, ApplicationAssignment


def application_get(organization: Organization, application_id: str) -> Application:
    application = (
        Application.objects.select_related("organization", "oidc", "saml")
        .filter(organization=organization, application_id=application_id)
        .first()
    )
    if application is None:
        raise Http404
    return application


def applications_listed(organization: Organization):
    """The organization's applications by name, each with ``assignment_count``."""
    return (
        Application.objects.filter(organization=organization)
        .select_related("oidc", "saml")
        .annotate(assignment_count=Count("assignments"))
        .order_by(Lower("name"), "pk")
    )


def application_count(organization: Organization) -> int:
    return Application.objects.filter(organization=organization).count()


def assignments_of(application: Application):
    return (
        ApplicationAssignment.objects.filter(application=application)
        .select_related("user", "group")
        .order_by("group__name", "user__name", "pk")
    )


def assignment_get(application: Application, pk) -> ApplicationAssignment:
    assignment = (
        ApplicationAssignment.objects.select_related("user", "group", "application")
        .filter(application=application, pk=pk)
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


def applications_for(user: User):
    """The applications ``user`` is assigned to, directly or through a group (the portal)."""
    return (
        Application.objects.filter(
            Q(assignments__user=user) | Q(assignments__group__members=user),
            organization__management_account_id=user.account_id,
        )
        .select_related("organization", "saml")
        .distinct()
        .order_by("name", "pk")
    )
