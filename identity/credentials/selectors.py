"""Reading access keys and the other credentials for programs.

Every read starts from the user whose credentials they are (which the caller reached through
``identity.selectors``, within the acting principal's accounts): another user's key id is a
404, exactly like one that does not exist."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from identity.models import Organization, User

from .models import AccessKey, SessionCredential, SigningCertificate, SSHPublicKey


def user_access_keys(user: User) -> QuerySet[AccessKey]:
    return AccessKey.objects.filter(user=user).order_by("created", "pk")


def user_access_key_get(user: User, access_key_id: str) -> AccessKey:
    """``user``'s key ``access_key_id``; 404 for a key of anyone else."""
    try:
        return AccessKey.objects.select_related("user").get(user=user, access_key_id=access_key_id)
    except AccessKey.DoesNotExist:
        raise Http404("no such access key") from None


def user_ssh_public_keys(user: User) -> QuerySet[SSHPublicKey]:
    return SSHPublicKey.objects.filter(user=user).order_by("uploaded", "pk")


def user_ssh_public_key_get(user: User, ssh_public_key_id: str) -> SSHPublicKey:
    """``user``'s SSH public key ``ssh_public_key_id``; 404 for anyone else's."""
    try:
        return SSHPublicKey.objects.select_related("user").get(
            user=user, ssh_public_key_id=ssh_public_key_id
        )
    except SSHPublicKey.DoesNotExist:
        raise Http404("no such SSH public key") from None


def user_signing_certificates(user: User) -> QuerySet[SigningCertificate]:
    return SigningCertificate.objects.filter(user=user).order_by("uploaded", "pk")


def user_signing_certificate_get(user: User, certificate_id: str) -> SigningCertificate:
    """``user``'s signing certificate ``certificate_id``; 404 for anyone else's."""
    try:
        return SigningCertificate.objects.select_related("user").get(
            user=user, certificate_id=certificate_id
        )
    except SigningCertificate.DoesNotExist:
        raise Http404("no such signing certificate") from None


def organization_root_access_key_count(organization: Organization) -> int:
    """How many access keys the root users of ``organization``'s accounts hold."""
    return AccessKey.objects.filter(
        account__organization=organization, user__kind=User.Kind.ROOT
    ).count()


def signing_key_lookup(access_key_id: str) -> AccessKey | SessionCredential | None:
    """The key a signed request names, with its user and account (one query), or None."""
    if access_key_id.startswith("ASIA"):
        model = SessionCredential
        related = ("user__account__organization", "parent")
    else:
        model = AccessKey
        related = ("user__account__organization",)
    return model.objects.select_related(*related).filter(access_key_id=access_key_id).first()
