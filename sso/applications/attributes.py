"""What an application is told about a person: the standard OpenID Connect claims by scope, the
SAML attributes, and the administrator's custom mappings, from one set of sources.

``sub`` (and the SAML persistent NameID) is the user's ``unique_id``: random, stable for the
user within the organization, never the database id, and never reused.
"""

from __future__ import annotations

from identity.models import User
from sso.models import SSOGroup


def group_names(user: User) -> list[str]:
    return sorted(SSOGroup.objects.filter(members=user).values_list("name", flat=True))


class Attributes:
    """The sources of one user's claims, each read at most once."""

    def __init__(self, user: User):
        self.user = user
        self._groups: list[str] | None = None

    @property
    def groups(self) -> list[str]:
        if self._groups is None:
            self._groups = group_names(self.user)
        return self._groups

    def value(self, source: str):
        user = self.user
        if source == "user_name":
            return user.name
        if source == "email":
            return user.contact_email
        if source == "user_id":
            return user.unique_id
        if source == "groups":
            return self.groups
        if source == "organization_id":
            return user.account.organization_id
        raise KeyError(source)

    def standard_claims(self, scopes) -> dict:
        """OpenID Connect Core 5.4: the claims of each requested scope."""
        user = self.user
        claims: dict = {"sub": user.unique_id}
        if "profile" in scopes:
            claims["name"] = user.name
            claims["preferred_username"] = user.name
        if "email" in scopes and user.contact_email:
            claims["email"] = user.contact_email
            # The directory's administrator set the address; Tobira has not proven the person
            # reads it.
            claims["email_verified"] = False
        if "groups" in scopes:
            claims["groups"] = self.groups
        return claims

    def mapped(self, mappings: dict) -> dict:
        return {name: self.value(source) for name, source in (mappings or {}).items()}
