"""Signing in is a list of stages, the shape of django-allauth's ``LoginStage``.

The password step (``accounts.flows.signin``) comes first. Then each stage of
``settings.SIGNIN_STAGES`` (dotted paths, so that accounts never imports the apps above it) is
asked, in order, whether this person needs it:

- a stage ``before_login`` (MFA) holds the sign-in pending: nobody is signed in until it is done;
- the others (a password change, the root MFA prompt, SSO MFA registration) run in a signed-in
  session: until each is done, only its own pages and ``ALWAYS_OPEN`` open.
  ``accounts.middleware.StageMiddleware`` enforces that, for every stage, in one place.
"""

from __future__ import annotations

from functools import cache
from typing import LiteralString

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.module_loading import import_string

from identity import authn_state, passwords

# Pages no stage ever closes, so that nobody is locked out: changing the password, signing out,
# switching the language; and the health probes (config.health), which show nothing.
ALWAYS_OPEN = frozenset(
    {"accounts:change_password", "accounts:signout", "set_language", "healthz", "readyz"}
)


class Stage:
    key: str = ""  # also what the top bar is told (``request.signin_step_pending``)
    url_name: str = ""  # the page that completes the stage
    open_pages: frozenset[str] = frozenset()  # besides ALWAYS_OPEN, while the stage is pending
    before_login: bool = False  # runs between the password and the session
    keeps_next: bool = False  # the stage's page takes ?next= to go on to afterwards
    about_password: bool = False  # not started by a sign-in that used no password (a passkey)

    def candidate_columns(self) -> dict[str, LiteralString]:
        """Columns for the password step's user look-up, so ``needed`` costs no query: attribute
        name to an SQL expression over the ``identity_user`` table (a literal of the stage's)."""
        return {}

    def needed(self, request, user) -> bool:
        """Asked once, right after the password step (before or after ``login()``)."""
        return False

    def start(self, request, user) -> None:
        """A signed-in stage that is ``needed``: remember it for this session."""
        authn_state.require_stage(request, self.key)

    def is_pending(self, request, user) -> bool:
        """Asked on every request of a signed-in session; may mark the stage done."""
        return authn_state.stage_required(request, self.key)

    def url(self, request, user) -> str:
        return reverse(self.url_name)

    def redirect(self, request, user, *, next_url: str = ""):
        target = self.url(request, user)
        if next_url and self.keeps_next:
            target += "?" + urlencode({"next": next_url})
        return redirect(target)


class PasswordChange(Stage):
    """A user whose password must change (a new user, an administrator's reset, a password older
    than the account policy's MaxPasswordAge) does that first."""

    key = "change_password"
    url_name = "accounts:change_password"
    about_password = True

    def needed(self, request, user) -> bool:
        return user.password_reset_required or passwords.expired(user)

    def start(self, request, user) -> None:
        # The user row says it: every session of the user is held, not only this one. An expired
        # password becomes a required change, so no request after this one reads the policy.
        if not user.password_reset_required:
            passwords.require_change(user)

    def is_pending(self, request, user) -> bool:
        return bool(user.password_reset_required)


@cache
def _load(paths: tuple[str, ...]) -> tuple[Stage, ...]:
    return tuple(import_string(path)() for path in paths)


def all_stages() -> tuple[Stage, ...]:
    return _load(tuple(settings.SIGNIN_STAGES))


def before_login() -> tuple[Stage, ...]:
    return tuple(stage for stage in all_stages() if stage.before_login)


def after_login() -> tuple[Stage, ...]:
    return tuple(stage for stage in all_stages() if not stage.before_login)


def get(key: str) -> Stage:
    return next(stage for stage in all_stages() if stage.key == key)


def candidate_columns() -> dict[str, LiteralString]:
    columns: dict[str, LiteralString] = {}
    for stage in before_login():
        columns.update(stage.candidate_columns())
    return columns
