"""The public endpoints of an organization as an issuer."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from identity.models import Organization

from . import keys


@require_safe
def jwks(request, organization_id: str):
    """``/o/<organization id>/jwks``: the organization's public signing keys (RFC 7517)."""
    organization = get_object_or_404(Organization, pk=organization_id)
    response = JsonResponse(keys.jwks(organization))
    # Relying parties refetch within a rotation (keys.NEXT_KEY_MIN_AGE is longer than this).
    response["Cache-Control"] = "public, max-age=300"
    # Public keys: a relying party running in a browser may fetch them too.
    response["Access-Control-Allow-Origin"] = "*"
    return response
