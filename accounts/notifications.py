"""Notices sent to a person about their own credentials. Called by tasks."""

from __future__ import annotations

from datetime import datetime

from identity.models import User

from .adapter import get_adapter


def password_changed(*, user_id: int, changed_at: str, language: str) -> bool:
    """Tell the user their console password changed. False when there is nobody to tell."""
    user = User.objects.select_related("account").filter(pk=user_id).first()
    if user is None or not user.email:
        return False
    get_adapter().send_mail(
        "emails/password_changed",
        user.email,
        {"user": user, "account": user.account, "changed_at": datetime.fromisoformat(changed_at)},
        language=language,
    )
    return True
