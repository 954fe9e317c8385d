"""Every event the audit trail records: its CloudTrail event name and its event source.

``audit.record(Event.X, ...)`` takes one of these; the name and the source written to the
trail come from the member, so a call site cannot misspell either. The strings are what the
trail (and whoever queries it) has always stored: change one and old and new events part.
A refusal by the policy engine is the one event outside this list: it carries the refused
action's own name and service (``audit.record_refusal``).
"""

from __future__ import annotations

import enum

# CloudTrail's ``readOnly``: an event that only reads. Tobira's trail names reads the way AWS
# does (GetSessionToken, ListUsers refused...), so the verb at the head of the name decides.
# ConsoleLogin, GenerateCredentialReport and every sign-in step change state (a session, a
# report, a counter): they are writes, as CloudTrail records ConsoleLogin (readOnly false).
READ_ONLY_VERBS = ("Get", "List", "Describe", "Lookup", "Simulate", "Search", "BatchGet")


def is_read_only(event_name: str) -> bool:
    """Whether ``event_name`` (any name: an ``Event``'s or a refused action's) only reads."""
    return any(
        event_name.startswith(verb) and event_name[len(verb) : len(verb) + 1].isupper()
        for verb in READ_ONLY_VERBS
    )


class Source(enum.StrEnum):
    SIGNIN = "signin.tobira"
    IAM = "iam.tobira"
    ORGANIZATIONS = "organizations.tobira"
    SSO = "sso.tobira"
    IDENTITYSTORE = "identitystore.tobira"
    STS = "sts.tobira"


@enum.unique
class Event(enum.Enum):
    """``(event name, event source)``. A name may recur under another source (CreateUser)."""

    def __init__(self, event_name: str, source: Source):
        self.event_name = event_name
        self.source = source
        self.read_only = is_read_only(event_name)

    # --- Signing in and out, account recovery (signin.tobira) ---------------------------
    CONSOLE_LOGIN = ("ConsoleLogin", Source.SIGNIN)
    CONSOLE_SIGN_OUT = ("ConsoleSignOut", Source.SIGNIN)
    USER_AUTHENTICATION = ("UserAuthentication", Source.SIGNIN)  # the access portal's failures
    MFA_DEVICE_POSSIBLY_CLONED = ("MFADevicePossiblyCloned", Source.SIGNIN)
    ROOT_MFA_ENFORCEMENT_PROMPT = ("RootMFAEnforcementPrompt", Source.SIGNIN)
    ROOT_MFA_ENFORCEMENT_REMIND_LATER = ("RootMFAEnforcementRemindLater", Source.SIGNIN)
    RECOVERY_STARTED = ("RecoveryStarted", Source.SIGNIN)
    RECOVERY_EMAIL_SENT = ("RecoveryEmailSent", Source.SIGNIN)
    RECOVERY_EMAIL_VERIFIED = ("RecoveryEmailVerified", Source.SIGNIN)
    RECOVERY_CALL_REQUESTED = ("RecoveryCallRequested", Source.SIGNIN)
    RECOVERY_CALL_PLACED = ("RecoveryCallPlaced", Source.SIGNIN)
    RECOVERY_CALL_FAILED = ("RecoveryCallFailed", Source.SIGNIN)
    RECOVERY_PHONE_VERIFIED = ("RecoveryPhoneVerified", Source.SIGNIN)
    RECOVERY_COMPLETED = ("RecoveryCompleted", Source.SIGNIN)
    # Signed-in browser sessions ended by their owner (Security credentials, a password change).
    END_SESSION = ("EndSession", Source.SIGNIN)
    END_OTHER_SESSIONS = ("EndOtherSessions", Source.SIGNIN)

    # --- IAM users, groups, passwords, MFA devices (iam.tobira) -------------------------
    CREATE_USER = ("CreateUser", Source.IAM)
    DELETE_USER = ("DeleteUser", Source.IAM)
    CREATE_LOGIN_PROFILE = ("CreateLoginProfile", Source.IAM)
    UPDATE_LOGIN_PROFILE = ("UpdateLoginProfile", Source.IAM)
    DELETE_LOGIN_PROFILE = ("DeleteLoginProfile", Source.IAM)
    CHANGE_PASSWORD = ("ChangePassword", Source.IAM)
    # Every signed-in session of a user ended: by an administrator, or with a password reset
    # or the user's deletion.
    END_USER_SESSIONS = ("EndUserSessions", Source.IAM)
    CREATE_GROUP = ("CreateGroup", Source.IAM)
    ADD_USER_TO_GROUP = ("AddUserToGroup", Source.IAM)
    REMOVE_USER_FROM_GROUP = ("RemoveUserFromGroup", Source.IAM)
    ENABLE_MFA_DEVICE = ("EnableMFADevice", Source.IAM)
    UPDATE_MFA_DEVICE = ("UpdateMFADevice", Source.IAM)
    RESYNC_MFA_DEVICE = ("ResyncMFADevice", Source.IAM)
    DEACTIVATE_MFA_DEVICE = ("DeactivateMFADevice", Source.IAM)
    CREATE_RECOVERY_CODES = ("CreateRecoveryCodes", Source.IAM)
    CREATE_VIRTUAL_MFA_DEVICE = ("CreateVirtualMFADevice", Source.IAM)
    DELETE_VIRTUAL_MFA_DEVICE = ("DeleteVirtualMFADevice", Source.IAM)
    UPDATE_USER = ("UpdateUser", Source.IAM)
    TAG_USER = ("TagUser", Source.IAM)
    UNTAG_USER = ("UntagUser", Source.IAM)
    UPDATE_GROUP = ("UpdateGroup", Source.IAM)
    DELETE_GROUP = ("DeleteGroup", Source.IAM)
    CREATE_ACCOUNT_ALIAS = ("CreateAccountAlias", Source.IAM)
    DELETE_ACCOUNT_ALIAS = ("DeleteAccountAlias", Source.IAM)
    UPDATE_ACCOUNT_PASSWORD_POLICY = ("UpdateAccountPasswordPolicy", Source.IAM)
    DELETE_ACCOUNT_PASSWORD_POLICY = ("DeleteAccountPasswordPolicy", Source.IAM)
    UPDATE_ACCOUNT_SIGNIN_SETTINGS = ("UpdateAccountSigninSettings", Source.IAM)  # Tobira's own

    # --- Credentials for programs (iam.tobira, sts.tobira) -------------------------------
    CREATE_ACCESS_KEY = ("CreateAccessKey", Source.IAM)
    UPDATE_ACCESS_KEY = ("UpdateAccessKey", Source.IAM)
    DELETE_ACCESS_KEY = ("DeleteAccessKey", Source.IAM)
    UPLOAD_SSH_PUBLIC_KEY = ("UploadSSHPublicKey", Source.IAM)
    UPDATE_SSH_PUBLIC_KEY = ("UpdateSSHPublicKey", Source.IAM)
    DELETE_SSH_PUBLIC_KEY = ("DeleteSSHPublicKey", Source.IAM)
    UPLOAD_SIGNING_CERTIFICATE = ("UploadSigningCertificate", Source.IAM)
    UPDATE_SIGNING_CERTIFICATE = ("UpdateSigningCertificate", Source.IAM)
    DELETE_SIGNING_CERTIFICATE = ("DeleteSigningCertificate", Source.IAM)
    GENERATE_CREDENTIAL_REPORT = ("GenerateCredentialReport", Source.IAM)
    START_EXPORT = ("StartExport", Source.IAM)  # a long list prepared as a file (Tobira's own)
    UPDATE_ROOT_ACCESS_KEYS_SETTING = ("UpdateRootAccessKeysSetting", Source.ORGANIZATIONS)
    GET_SESSION_TOKEN = ("GetSessionToken", Source.STS)
    SIGNATURE_FAILURE = ("SignatureDoesNotMatch", Source.STS)  # failed SigV4 past the limit

    # --- Policies (iam.tobira, service control policies included) -----------------------
    CREATE_POLICY = ("CreatePolicy", Source.IAM)
    DELETE_POLICY = ("DeletePolicy", Source.IAM)
    TAG_POLICY = ("TagPolicy", Source.IAM)
    UNTAG_POLICY = ("UntagPolicy", Source.IAM)
    CREATE_POLICY_VERSION = ("CreatePolicyVersion", Source.IAM)
    SET_DEFAULT_POLICY_VERSION = ("SetDefaultPolicyVersion", Source.IAM)
    DELETE_POLICY_VERSION = ("DeletePolicyVersion", Source.IAM)
    ATTACH_USER_POLICY = ("AttachUserPolicy", Source.IAM)
    ATTACH_GROUP_POLICY = ("AttachGroupPolicy", Source.IAM)
    DETACH_USER_POLICY = ("DetachUserPolicy", Source.IAM)
    DETACH_GROUP_POLICY = ("DetachGroupPolicy", Source.IAM)
    PUT_USER_POLICY = ("PutUserPolicy", Source.IAM)
    PUT_GROUP_POLICY = ("PutGroupPolicy", Source.IAM)
    DELETE_USER_POLICY = ("DeleteUserPolicy", Source.IAM)
    DELETE_GROUP_POLICY = ("DeleteGroupPolicy", Source.IAM)
    PUT_USER_PERMISSIONS_BOUNDARY = ("PutUserPermissionsBoundary", Source.IAM)
    DELETE_USER_PERMISSIONS_BOUNDARY = ("DeleteUserPermissionsBoundary", Source.IAM)
    ATTACH_POLICY = ("AttachPolicy", Source.IAM)  # a service control policy to a target
    DETACH_POLICY = ("DetachPolicy", Source.IAM)

    # --- Organizations (organizations.tobira) -------------------------------------------
    CREATE_ORGANIZATION = ("CreateOrganization", Source.ORGANIZATIONS)
    CREATE_ACCOUNT = ("CreateAccount", Source.ORGANIZATIONS)
    ENABLE_ROOT_MFA_ENFORCEMENT = ("EnableRootMFAEnforcement", Source.ORGANIZATIONS)
    CANCEL_ROOT_MFA_ENFORCEMENT = ("CancelRootMFAEnforcement", Source.ORGANIZATIONS)
    RESET_ROOT_USER_MFA = ("ResetRootUserMFA", Source.ORGANIZATIONS)
    CREATE_ORGANIZATIONAL_UNIT = ("CreateOrganizationalUnit", Source.ORGANIZATIONS)
    UPDATE_ORGANIZATIONAL_UNIT = ("UpdateOrganizationalUnit", Source.ORGANIZATIONS)
    DELETE_ORGANIZATIONAL_UNIT = ("DeleteOrganizationalUnit", Source.ORGANIZATIONS)
    MOVE_ACCOUNT = ("MoveAccount", Source.ORGANIZATIONS)

    # --- IAM Identity Center (sso.tobira) ------------------------------------------------
    UPDATE_SSO_CONFIGURATION = ("UpdateSSOConfiguration", Source.SSO)
    CREATE_TRUSTED_TOKEN_ISSUER = ("CreateTrustedTokenIssuer", Source.SSO)
    UPDATE_TRUSTED_TOKEN_ISSUER = ("UpdateTrustedTokenIssuer", Source.SSO)
    CREATE_PERMISSION_SET = ("CreatePermissionSet", Source.SSO)
    UPDATE_PERMISSION_SET = ("UpdatePermissionSet", Source.SSO)
    DELETE_PERMISSION_SET = ("DeletePermissionSet", Source.SSO)
    CREATE_ACCOUNT_ASSIGNMENT = ("CreateAccountAssignment", Source.SSO)
    DELETE_ACCOUNT_ASSIGNMENT = ("DeleteAccountAssignment", Source.SSO)
    FEDERATE = ("Federate", Source.SSO)  # a role session opens
    LOGOUT = ("Logout", Source.SSO)  # a role session ends

    # --- The Identity Center directory (identitystore.tobira) ---------------------------
    DIRECTORY_CREATE_USER = ("CreateUser", Source.IDENTITYSTORE)
    DIRECTORY_DELETE_USER = ("DeleteUser", Source.IDENTITYSTORE)
    DIRECTORY_ENABLE_USER = ("EnableUser", Source.IDENTITYSTORE)
    DIRECTORY_DISABLE_USER = ("DisableUser", Source.IDENTITYSTORE)
    DIRECTORY_CREATE_GROUP = ("CreateGroup", Source.IDENTITYSTORE)
    DIRECTORY_DELETE_GROUP = ("DeleteGroup", Source.IDENTITYSTORE)
    DIRECTORY_CREATE_GROUP_MEMBERSHIP = ("CreateGroupMembership", Source.IDENTITYSTORE)
    DIRECTORY_DELETE_GROUP_MEMBERSHIP = ("DeleteGroupMembership", Source.IDENTITYSTORE)
    # The signing keys of an organization's applications (issue 15).
    CREATE_SIGNING_KEY = ("CreateSigningKey", Source.SSO)
    ROTATE_SIGNING_KEY = ("RotateSigningKey", Source.SSO)
    # Applications (issue 15): the software the organization's people sign in to.
    CREATE_APPLICATION = ("CreateApplication", Source.SSO)
    UPDATE_APPLICATION = ("UpdateApplication", Source.SSO)
    DELETE_APPLICATION = ("DeleteApplication", Source.SSO)
    ROTATE_CLIENT_SECRET = ("RotateApplicationClientSecret", Source.SSO)
    CREATE_APPLICATION_ASSIGNMENT = ("CreateApplicationAssignment", Source.SSO)
    DELETE_APPLICATION_ASSIGNMENT = ("DeleteApplicationAssignment", Source.SSO)
    APPLICATION_SIGNIN_REFUSED = ("ApplicationSignInRefused", Source.SSO)
    TOKEN_ISSUED = ("TokenIssued", Source.SSO)
    TOKEN_REVOKED = ("TokenRevoked", Source.SSO)
    AUTHORIZATION_CODE_REUSED = ("AuthorizationCodeReused", Source.SSO)
    SAML_ASSERTION_ISSUED = ("SAMLAssertionIssued", Source.SSO)
    CREATE_SAML_CERTIFICATE = ("CreateSAMLCertificate", Source.SSO)
    ROTATE_SAML_CERTIFICATE = ("RotateSAMLCertificate", Source.SSO)
    LINK_EXTERNAL_IDENTITY = ("LinkExternalIdentity", Source.IDENTITYSTORE)
    UNLINK_EXTERNAL_IDENTITY = ("UnlinkExternalIdentity", Source.IDENTITYSTORE)
