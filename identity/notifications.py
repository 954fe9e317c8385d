"""Notices sent to a person about their own credentials. Called by tasks."""

from __future__ import annotations

from datetime import datetime

from identity.models import User

from .mail import get_adapter


def send(template: str, *, user_id: int, changed_at: str, language: str, **context) -> bool:
    """Mail ``template`` to the user. False when there is nobody to tell."""
    return _notify(template, user_id=user_id, changed_at=changed_at, language=language, **context)


def _notify(template: str, *, user_id: int, changed_at: str, language: str, **context) -> bool:
    user = User.objects.select_related("account").filter(pk=user_id).first()
    if user is None or not user.email:
        return False
    get_adapter().send_mail(
        template,
        user.email,
        {
            "user": user,
            "account": user.account,
            "changed_at": datetime.fromisoformat(changed_at),
            **context,
        },
        language=language,
    )
    return True


def password_changed(*, user_id: int, changed_at: str, language: str) -> bool:
    """Tell the user their console password changed. False when there is nobody to tell."""
    return _notify(
        "emails/password_changed", user_id=user_id, changed_at=changed_at, language=language
    )


def mfa_device_changed(
    *, user_id: int, device_arn: str, added: bool, changed_at: str, language: str
) -> bool:
    """Tell the user an MFA device was added to or removed from their user."""
    template = "emails/mfa_device_added" if added else "emails/mfa_device_removed"
    return _notify(
        template, user_id=user_id, changed_at=changed_at, language=language, device_arn=device_arn
    )
