"""Reading access keys and the other credentials for programs."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from identity.models import User

from .models import AccessKey, SessionCredential


def user_access_keys(user: User) -> QuerySet[AccessKey]:
    return AccessKey.objects.filter(user=user).order_by("created", "pk")


def user_access_key_get(user: User, access_key_id: str) -> AccessKey:
    """``user``'s key ``access_key_id``; 404 for a key of anyone else."""
    try:
        return AccessKey.objects.select_related("user").get(user=user, access_key_id=access_key_id)
    except AccessKey.DoesNotExist:
        raise Http404("no such access key") from None


def signing_key_lookup(access_key_id: str) -> AccessKey | SessionCredential | None:
    """The key a signed request names, with its user and account (one query), or None."""
    if access_key_id.startswith("ASIA"):
        model = SessionCredential
        related = ("user__account__organization", "parent")
    else:
        model = AccessKey
        related = ("user__account__organization",)
    return model.objects.select_related(*related).filter(access_key_id=access_key_id).first()
