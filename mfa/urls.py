"""Every MFA page, each factor's from its own package. The paths are the ones AWS's console
users know (``/security-credentials/...``, the sign-in's ``/mfa``)."""

from django.urls import path

from .base import views as base
from .credentials import keys, sessions
from .credentials import views as credentials
from .enforcement import views as enforcement
from .recovery_codes import views as recovery_codes
from .signin import views as signin
from .totp import views as totp
from .webauthn import views as webauthn

app_name = "mfa"

urlpatterns = [
    # The sign-in's MFA step, between the password and the session.
    path("mfa", signin.signin_mfa, name="signin"),
    path("mfa/webauthn-options", signin.signin_mfa_options, name="signin_options"),
    path("mfa/troubleshoot", signin.signin_troubleshoot, name="troubleshoot"),
    path("mfa/required", enforcement.root_mfa_prompt, name="root_prompt"),
    # Signing in with a passkey alone (no user name, no password), where allowed.
    path("passkey/signin", signin.passkey_signin, name="passkey_signin"),
    path("passkey/options", signin.passkey_options, name="passkey_signin_options"),
    # Security credentials: the signed-in person's own devices and recovery codes.
    path("security-credentials", credentials.security_credentials, name="security_credentials"),
    path("security-credentials/mfa/assign", credentials.mfa_assign, name="assign"),
    path("security-credentials/mfa/passkey", webauthn.mfa_passkey, name="passkey"),
    path(
        "security-credentials/mfa/passkey/options",
        webauthn.mfa_passkey_options,
        name="passkey_options",
    ),
    path("security-credentials/mfa/<int:device_id>/rename", base.mfa_rename, name="rename"),
    path("security-credentials/mfa/<int:device_id>/enable", totp.mfa_enable, name="enable"),
    path("security-credentials/mfa/<int:device_id>/remove", base.mfa_remove, name="remove"),
    path("security-credentials/mfa/<int:device_id>/resync", totp.mfa_resync, name="resync"),
    path(
        "security-credentials/recovery-codes",
        recovery_codes.recovery_codes_page,
        name="recovery_codes",
    ),
    # Signed-in sessions: sign out one of them, or all the others.
    path(
        "security-credentials/sessions/sign-out-others",
        sessions.sessions_end_others,
        name="sessions_end_others",
    ),
    path(
        "security-credentials/sessions/<str:session_id>/sign-out",
        sessions.session_end,
        name="session_end",
    ),
    # Credentials for programs: access keys, SSH public keys, signing certificates.
    path("security-credentials/access-keys/new", keys.access_key_create, name="access_key_create"),
    path(
        "security-credentials/access-keys/created",
        keys.access_key_created,
        name="access_key_created",
    ),
    path(
        "security-credentials/access-keys/<str:access_key_id>/status",
        keys.access_key_status,
        name="access_key_status",
    ),
    path(
        "security-credentials/access-keys/<str:access_key_id>/delete",
        keys.access_key_delete,
        name="access_key_delete",
    ),
    path(
        "security-credentials/ssh-public-keys/upload",
        keys.ssh_public_key_upload,
        name="ssh_public_key_upload",
    ),
    path(
        "security-credentials/ssh-public-keys/<str:ssh_public_key_id>/status",
        keys.ssh_public_key_status,
        name="ssh_public_key_status",
    ),
    path(
        "security-credentials/ssh-public-keys/<str:ssh_public_key_id>/delete",
        keys.ssh_public_key_delete,
        name="ssh_public_key_delete",
    ),
    path(
        "security-credentials/signing-certificates/upload",
        keys.signing_certificate_upload,
        name="signing_certificate_upload",
    ),
    path(
        "security-credentials/signing-certificates/<str:certificate_id>/status",
        keys.signing_certificate_status,
        name="signing_certificate_status",
    ),
    path(
        "security-credentials/signing-certificates/<str:certificate_id>/delete",
        keys.signing_certificate_delete,
        name="signing_certificate_delete",
    ),
]
