"""Every administrator page, under /console/: ``console:*`` (the Identity Center's are
``console:sso_*``). Each view is a ``console.base.ConsolePage``: docs/permissions.md is
generated from their declarations (``manage.py permissions_doc``)."""

from django.urls import path

from . import converters  # noqa: F401 - registers account_id and iam_name
from .views import (
    accounts,
    assignments,
    credential_report,
    dashboard,
    events,
    exports,
    groups,
    home,
    organization,
    organization_units,
    password_policy,
    permission_sets,
    permissions,
    policies,
    scps,
    signin_settings,
    simulator,
    sso_applications,
    sso_groups,
    sso_home,
    sso_users,
    user_bulk,
    user_credentials,
    user_mfa,
    users,
)

app_name = "console"

ACCOUNT = "accounts/<account_id:account_id>/"
USER = ACCOUNT + "users/<iam_name:user_name>/"
POLICY = ACCOUNT + "policies/<iam_name:name>/"
GROUP = ACCOUNT + "groups/<iam_name:group_name>/"

urlpatterns = [
    path("", home.ConsoleHome.as_view(), name="home"),
    path("organization/accounts/new", organization.AccountCreate.as_view(), name="account_create"),
    path("organization/root-mfa", organization.RootMFA.as_view(), name="root_mfa"),
    path("organization/scps", scps.SCPList.as_view(), name="scp_list"),
    path("organization/scps/<scp_id:policy_id>", scps.SCPDetail.as_view(), name="scp_detail"),
    path(
        "organization/scps/<scp_id:policy_id>/detach/<scp_target_id:target_id>",
        scps.SCPDetach.as_view(),
        name="scp_detach",
    ),
    path(
        "organization/structure",
        organization_units.OrganizationStructure.as_view(),
        name="organization_structure",
    ),
    path(
        "organization/structure/<parent_id:parent_id>",
        organization_units.OrganizationParent.as_view(),
        name="organization_parent",
    ),
    path(
        "organization/structure/<parent_id:parent_id>/new-ou",
        organization_units.OrganizationalUnitCreate.as_view(),
        name="organizational_unit_create",
    ),
    path(
        "organization/ous/<ou_id:ou_id>/rename",
        organization_units.OrganizationalUnitRename.as_view(),
        name="organizational_unit_rename",
    ),
    path(
        "organization/ous/<ou_id:ou_id>/delete",
        organization_units.OrganizationalUnitDelete.as_view(),
        name="organizational_unit_delete",
    ),
    # The account is the organization's member here, not the account the page acts in: its id
    # is "member_id", so the navigation's IAM links stay on the principal's own account.
    path(
        "organization/accounts/<account_id:member_id>/move",
        organization_units.AccountMove.as_view(),
        name="account_move",
    ),
    path(
        "organization/root-access-keys",
        organization.RootAccessKeys.as_view(),
        name="root_access_keys",
    ),
    path(
        "organization/root-mfa/waves/<int:wave_id>/cancel",
        organization.RootMFAWaveCancel.as_view(),
        name="root_mfa_wave_cancel",
    ),
    path(ACCOUNT, accounts.AccountDetail.as_view(), name="account_detail"),
    path(ACCOUNT + "dashboard", dashboard.AccountDashboard.as_view(), name="account_dashboard"),
    path(
        ACCOUNT + "dashboard/<slug:recommendation>",
        dashboard.DashboardAffectedUsers.as_view(),
        name="dashboard_affected_users",
    ),
    path(
        ACCOUNT + "root-mfa/reset",
        accounts.AccountRootMFAReset.as_view(),
        name="account_root_mfa_reset",
    ),
    path(ACCOUNT + "users/", users.UserList.as_view(), name="user_list"),
    path(ACCOUNT + "users/new", users.UserCreate.as_view(), name="user_create"),
    path(
        ACCOUNT + "exports/<str:export_id>",
        exports.ExportDetail.as_view(),
        name="export_detail",
    ),
    path(ACCOUNT + "users/bulk", user_bulk.UserBulk.as_view(), name="user_bulk"),
    path(USER, users.UserDetail.as_view(), name="user_detail"),
    path(USER + "password", users.UserPasswordShown.as_view(), name="user_password_shown"),
    path(USER + "delete", users.UserDelete.as_view(), name="user_delete"),
    path(USER + "console-access", users.UserConsoleAccess.as_view(), name="user_console_access"),
    path(
        USER + "permissions-boundary",
        users.UserPermissionsBoundary.as_view(),
        name="user_permissions_boundary",
    ),
    path(
        USER + "permissions-boundary/delete",
        users.UserPermissionsBoundaryDelete.as_view(),
        name="user_permissions_boundary_delete",
    ),
    path(USER + "sessions/end", users.UserSessionsEnd.as_view(), name="user_sessions_end"),
    path(
        USER + "mfa/<int:device_id>/remove",
        user_mfa.UserMFARemove.as_view(),
        name="user_mfa_remove",
    ),
    path(USER + "mfa/hardware", user_mfa.UserMFAHardware.as_view(), name="user_mfa_hardware"),
    path(
        USER + "access-keys/new",
        user_credentials.UserAccessKeyCreate.as_view(),
        name="user_access_key_create",
    ),
    path(
        USER + "access-keys/created",
        user_credentials.UserAccessKeyCreated.as_view(),
        name="user_access_key_created",
    ),
    path(
        USER + "access-keys/<str:access_key_id>/status",
        user_credentials.UserAccessKeyStatus.as_view(),
        name="user_access_key_status",
    ),
    path(
        USER + "access-keys/<str:access_key_id>/delete",
        user_credentials.UserAccessKeyDelete.as_view(),
        name="user_access_key_delete",
    ),
    path(
        USER + "ssh-public-keys/upload",
        user_credentials.UserSSHPublicKeyUpload.as_view(),
        name="user_ssh_public_key_upload",
    ),
    path(
        USER + "ssh-public-keys/<str:ssh_public_key_id>/status",
        user_credentials.UserSSHPublicKeyStatus.as_view(),
        name="user_ssh_public_key_status",
    ),
    path(
        USER + "ssh-public-keys/<str:ssh_public_key_id>/delete",
        user_credentials.UserSSHPublicKeyDelete.as_view(),
        name="user_ssh_public_key_delete",
    ),
    path(
        USER + "signing-certificates/upload",
        user_credentials.UserSigningCertificateUpload.as_view(),
        name="user_signing_certificate_upload",
    ),
    path(
        USER + "signing-certificates/<str:certificate_id>/status",
        user_credentials.UserSigningCertificateStatus.as_view(),
        name="user_signing_certificate_status",
    ),
    path(
        USER + "signing-certificates/<str:certificate_id>/delete",
        user_credentials.UserSigningCertificateDelete.as_view(),
        name="user_signing_certificate_delete",
    ),
    path(ACCOUNT + "policies/", policies.PolicyList.as_view(), name="policy_list"),
    path(ACCOUNT + "policies/new", policies.PolicyCreate.as_view(), name="policy_create"),
    path(
        ACCOUNT + "policies/aws/<iam_name:name>",
        policies.AWSPolicyDetail.as_view(),
        name="aws_policy_detail",
    ),
    path(POLICY, policies.PolicyDetail.as_view(), name="policy_detail"),
    path(POLICY + "attach", policies.PolicyAttach.as_view(), name="policy_attach"),
    path(POLICY + "delete", policies.PolicyDelete.as_view(), name="policy_delete"),
    path(
        POLICY + "versions/<str:version_id>",
        policies.PolicyVersionAction.as_view(),
        name="policy_version_action",
    ),
    path(USER + "permissions", permissions.UserPermissions.as_view(), name="user_permissions"),
    path(
        USER + "permissions/detach",
        permissions.UserPolicyDetach.as_view(),
        name="user_policy_detach",
    ),
    path(
        USER + "inline/new",
        permissions.UserInlinePolicy.as_view(),
        name="user_inline_policy_new",
    ),
    path(
        USER + "inline/<iam_name:name>",
        permissions.UserInlinePolicy.as_view(),
        name="user_inline_policy",
    ),
    path(ACCOUNT + "groups/", groups.GroupList.as_view(), name="group_list"),
    path(GROUP, groups.GroupDetail.as_view(), name="group_detail"),
    path(
        GROUP + "inline/new",
        permissions.GroupInlinePolicy.as_view(),
        name="group_inline_policy_new",
    ),
    path(
        GROUP + "inline/<iam_name:name>",
        permissions.GroupInlinePolicy.as_view(),
        name="group_inline_policy",
    ),
    path(ACCOUNT + "simulator", simulator.Simulator.as_view(), name="simulator"),
    path(ACCOUNT + "events/", events.EventHistory.as_view(), name="audit_list"),
    path(
        ACCOUNT + "events/download.csv",
        events.EventDownload.as_view(),
        {"format": "csv"},
        name="event_download_csv",
    ),
    path(
        ACCOUNT + "events/download.json",
        events.EventDownload.as_view(),
        {"format": "json"},
        name="event_download_json",
    ),
    path(ACCOUNT + "events/<str:event_id>", events.EventDetail.as_view(), name="event_detail"),
    path(
        ACCOUNT + "credential-report",
        credential_report.CredentialReportPage.as_view(),
        name="credential_report",
    ),
    path(
        ACCOUNT + "password-policy",
        password_policy.PasswordPolicyPage.as_view(),
        name="password_policy",
    ),
    path(
        ACCOUNT + "signin-settings",
        signin_settings.SigninSettings.as_view(),
        name="signin_settings",
    ),
    path(
        ACCOUNT + "password-policy/delete",
        password_policy.PasswordPolicyDelete.as_view(),
        name="password_policy_delete",
    ),
    path(
        ACCOUNT + "credential-report/download",
        credential_report.CredentialReportDownload.as_view(),
        name="credential_report_download",
    ),
]

# The organization's IAM Identity Center (the SSO directory): console:sso_* pages.
SSO = "organization/sso/"
SSO_USER = SSO + "users/<str:unique_id>/"
SSO_GROUP = SSO + "groups/<str:group_id>/"
PERMISSION_SET = SSO + "permission-sets/<str:permission_set_id>/"
APPLICATION = SSO + "applications/<str:application_id>/"

urlpatterns += [
    path(SSO, sso_home.SSOHome.as_view(), name="sso_home"),
    path(SSO + "settings", sso_home.SSOSettings.as_view(), name="sso_settings"),
    path(SSO + "identity-provider", sso_home.SSOIdentityProvider.as_view(), name="sso_idp"),
    path(SSO + "users/", sso_users.SSOUserList.as_view(), name="sso_user_list"),
    path(SSO + "users/new", sso_users.SSOUserCreate.as_view(), name="sso_user_create"),
    path(SSO_USER, sso_users.SSOUserDetail.as_view(), name="sso_user_detail"),
    path(SSO_USER + "delete", sso_users.SSOUserDelete.as_view(), name="sso_user_delete"),
    path(SSO_USER + "status", sso_users.SSOUserStatus.as_view(), name="sso_user_status"),
    path(
        SSO_USER + "mfa/<int:device_id>/remove",
        sso_users.SSOUserMFARemove.as_view(),
        name="sso_user_mfa_remove",
    ),
    path(
        SSO_USER + "identities/<int:identity_id>/unlink",
        sso_users.SSOUserIdentityUnlink.as_view(),
        name="sso_user_identity_unlink",
    ),
    path(SSO + "groups/", sso_groups.SSOGroupList.as_view(), name="sso_group_list"),
    path(SSO_GROUP, sso_groups.SSOGroupDetail.as_view(), name="sso_group_detail"),
    path(SSO_GROUP + "delete", sso_groups.SSOGroupDelete.as_view(), name="sso_group_delete"),
    path(
        SSO_GROUP + "members/<str:unique_id>/remove",
        sso_groups.SSOGroupMemberRemove.as_view(),
        name="sso_group_member_remove",
    ),
    path(
        SSO + "permission-sets/",
        permission_sets.PermissionSetList.as_view(),
        name="sso_permission_set_list",
    ),
    path(
        SSO + "permission-sets/new",
        permission_sets.PermissionSetCreate.as_view(),
        name="sso_permission_set_create",
    ),
    path(
        PERMISSION_SET,
        permission_sets.PermissionSetDetail.as_view(),
        name="sso_permission_set_detail",
    ),
    path(
        PERMISSION_SET + "delete",
        permission_sets.PermissionSetDelete.as_view(),
        name="sso_permission_set_delete",
    ),
    path(SSO + "accounts/", assignments.AssignmentList.as_view(), name="sso_assignment_list"),
    path(
        SSO + "accounts/assignments/<int:assignment_id>/delete",
        assignments.AssignmentDelete.as_view(),
        name="sso_assignment_delete",
    ),
    path(
        SSO + "applications/",
        sso_applications.ApplicationList.as_view(),
        name="sso_application_list",
    ),
    path(
        SSO + "applications/new/oidc",
        sso_applications.OIDCApplicationCreate.as_view(),
        name="sso_application_create_oidc",
    ),
    path(
        SSO + "applications/new/saml",
        sso_applications.SAMLApplicationCreate.as_view(),
        name="sso_application_create_saml",
    ),
    path(APPLICATION, sso_applications.ApplicationDetail.as_view(), name="sso_application_detail"),
    path(
        APPLICATION + "edit",
        sso_applications.ApplicationEdit.as_view(),
        name="sso_application_edit",
    ),
    path(
        APPLICATION + "delete",
        sso_applications.ApplicationDelete.as_view(),
        name="sso_application_delete",
    ),
    path(
        APPLICATION + "secret/rotate",
        sso_applications.ClientSecretRotate.as_view(),
        name="sso_application_secret_rotate",
    ),
    path(
        APPLICATION + "assignments/<int:assignment_id>/remove",
        sso_applications.ApplicationAssignmentRemove.as_view(),
        name="sso_application_assignment_remove",
    ),
]
