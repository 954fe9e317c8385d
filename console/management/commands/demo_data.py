"""Create a demo organization to try the console with; prints how to sign in."""

import json
import os

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from identity import arns, organization_units, services
from identity.models import Account, User
from identity.policies import catalog
from identity.policies import services as policy_services
from sso.applications import services as applications
from sso.applications.models import Application, SAMLServiceProvider
from sso.models import SSOGroup

DEMO_ROOT_EMAIL = "root@demo.tobira.localhost"
DEMO_MEMBER_EMAIL = "member-root@demo.tobira.localhost"
DEMO_PASSWORD = "Tobira-demo-2026!"


# The AWS documentation's policy that seed 003 adapts, with ${aws:username} for any user.
FORCED_MFA_SELF_MANAGE = json.loads((catalog.DATA_DIR / "forced_mfa_self_manage.json").read_text())


class Command(BaseCommand):
    help = (
        "Create a demo organization (management + member account, root and IAM users). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rp-env-file",
            help="rotate the demo OpenID Connect application's client secret and write the "
            "relying party's settings, the new secret included, and the demo SAML service "
            "provider's to this file (mode 0600), for bin/demo",
        )
        parser.add_argument(
            "--rp-port", type=int, default=8001, help="the demo relying party's port (8001)"
        )
        parser.add_argument(
            "--sp-port",
            type=int,
            default=8002,
            help="the demo SAML service provider's port (8002)",
        )

    def handle(self, *args, rp_env_file=None, rp_port=8001, sp_port=8002, **options):
        with transaction.atomic():
            management = Account.objects.filter(root_email__iexact=DEMO_ROOT_EMAIL).first()
            if management is None:
                organization = services.organization_create(
                    name="Demo Corp",
                    account_name="Demo Corp management",
                    root_email=DEMO_ROOT_EMAIL,
                    root_password=DEMO_PASSWORD,
                    alias="demo-corp",
                    contact_phone="+81312345678",
                )
                management = organization.management_account
                root = User.objects.get(account=management, kind=User.Kind.ROOT)
                production = services.account_create(
                    actor=root,
                    organization=organization,
                    name="Demo Corp production",
                    root_email=DEMO_MEMBER_EMAIL,
                    alias="demo-corp-prod",
                    root_password=DEMO_PASSWORD,
                )
                forced_mfa = policy_services.customer_policy_create(
                    actor=root,
                    account=management,
                    name="forced-mfa-self-manage",
                    description="Seed 003: manage your own credentials; nothing else without MFA.",
                    document=json.dumps(FORCED_MFA_SELF_MANAGE, indent=2),
                )
                for name, reset in (("alice", False), ("bob", True)):
                    user = services.iam_user_create(
                        actor=root,
                        account=management,
                        name=name,
                        password=DEMO_PASSWORD,
                        password_reset_required=reset,
                        contact_email=f"{name}@demo.tobira.localhost",
                    )
                    for arn in (forced_mfa.arn, arns.aws_managed_policy("IAMReadOnlyAccess")):
                        policy_services.policy_attach(
                            actor=root, account=management, policy_arn=arn, user=user
                        )
                for index in range(1, 31):
                    services.iam_user_create(
                        actor=root,
                        account=management,
                        name=f"ci-robot-{index:02d}",
                        path="/robots/",
                    )
                _sso_demo(root, organization, management, production)
                _demo_structure(root, organization, production)
                created = True
            else:
                created = False
            organization_id = management.organization_id
            client = _demo_applications(management.organization, rp_port)
            _demo_saml_application(management.organization, sp_port)
            if rp_env_file:
                _write_rp_env(rp_env_file, client)
        base = settings.TOBIRA_BASE_URL
        self.stdout.write(
            self.style.SUCCESS("Demo data created." if created else "Demo data already present.")
        )
        self.stdout.write(
            f"""
  Console:        {base}/signin
  Root user:      {DEMO_ROOT_EMAIL} / {DEMO_PASSWORD}
  IAM user:       {base}/signin/demo-corp  user alice / {DEMO_PASSWORD}
                  (forced-mfa-self-manage + IAMReadOnlyAccess: assign an MFA device, then sign in with it)
  IAM user (must change password at first sign-in): bob / {DEMO_PASSWORD}
  Member account root: {DEMO_MEMBER_EMAIL} / {DEMO_PASSWORD}
                  (in OU Workloads > Production: SCP protect-password-policy on Workloads)
  SSO access portal (recommended for people): {base}/start/{organization_id}
                  user sora / {DEMO_PASSWORD} (registers an MFA device at first sign-in;
                  AdministratorAccess in production, ReadOnly everywhere through group Engineers)
  Applications (group Engineers): the portal's "Demo wiki" tile opens the demo relying party,
                  http://localhost:{rp_port}/ (bin/demo starts it), which shows the claims
                  Tobira sends. Issuer: {base}/o/{organization_id}
                  client id {client.client_id}
                  The "Demo SAML app" tile signs in to the demo SAML service provider,
                  http://localhost:{sp_port}/ (bin/demo starts it), which shows the NameID and
                  the attributes. IdP metadata: {base}/o/{organization_id}/saml/metadata
  IAM and STS APIs (aws CLI, boto3; docs/api.md walks through a session with MFA):
                  export AWS_ENDPOINT_URL_IAM={base}/iam/ AWS_ENDPOINT_URL_STS={base}/sts/
                  access keys: the root user creates alice's on IAM → Users → alice
"""
        )


def _demo_structure(root, organization, production) -> None:
    """A small OU tree: Workloads > Production (the production account, under an SCP that keeps
    its password policy as the organization set it) and an empty Sandbox."""
    workloads = organization_units.organizational_unit_create(
        actor=root, organization=organization, parent=None, name="Workloads"
    )
    prod = organization_units.organizational_unit_create(
        actor=root, organization=organization, parent=workloads, name="Production"
    )
    organization_units.organizational_unit_create(
        actor=root, organization=organization, parent=None, name="Sandbox"
    )
    organization_units.account_move(actor=root, account=production, destination=prod)
    guard = policy_services.scp_create(
        actor=root,
        organization=organization,
        name="protect-password-policy",
        description="Member accounts keep the password policy the organization gave them.",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "KeepPasswordPolicy",
                        "Effect": "Deny",
                        "Action": [
                            "iam:UpdateAccountPasswordPolicy",
                            "iam:DeleteAccountPasswordPolicy",
                        ],
                        "Resource": "*",
                    }
                ],
            },
            indent=2,
        ),
    )
    policy_services.scp_attach(
        actor=root, organization=organization, policy_arn=guard.arn, organizational_unit=workloads
    )


DEMO_APPLICATION = "Demo wiki"


def _demo_applications(organization, rp_port: int):
    """The demo OpenID Connect application (assigned to group Engineers); its client."""
    existing = Application.objects.filter(organization=organization, name=DEMO_APPLICATION).first()
    if existing is not None:
        return existing.oidc
    root = User.objects.get(account=organization.management_account, kind=User.Kind.ROOT)
    rp = f"http://localhost:{rp_port}"
    application, client, _secret = applications.oidc_application_create(
        actor=root,
        organization=organization,
        name=DEMO_APPLICATION,
        description="The demo relying party: shows the claims Tobira sends.",
        redirect_uris=[f"{rp}/callback"],
        post_logout_redirect_uris=[f"{rp}/"],
        grant_types=["authorization_code", "refresh_token"],
        skip_authorization=True,
        start_url=f"{rp}/login",
        claim_mappings={"organization": "organization_id"},
    )
    engineers = SSOGroup.objects.get(organization=organization, name="Engineers")
    applications.assignment_add(actor=root, application=application, group=engineers)
    return client


DEMO_SAML_APPLICATION = "Demo SAML app"


def _demo_saml_application(organization, sp_port: int):
    """The demo SAML 2.0 application (assigned to group Engineers): bin/demo_sp.py's settings."""
    existing = Application.objects.filter(
        organization=organization, name=DEMO_SAML_APPLICATION
    ).first()
    if existing is not None:
        return existing
    root = User.objects.get(account=organization.management_account, kind=User.Kind.ROOT)
    sp = f"http://localhost:{sp_port}"
    application, _provider = applications.saml_application_create(
        actor=root,
        organization=organization,
        name=DEMO_SAML_APPLICATION,
        description="The demo SAML service provider: shows the NameID and attributes Tobira sends.",
        entity_id=f"{sp}/metadata",
        acs_urls=[f"{sp}/acs"],
        name_id_format=SAMLServiceProvider.NameIDFormat.PERSISTENT,
        attribute_mappings={"email": "email", "username": "user_name", "groups": "groups"},
        # Its AuthnRequests are unsigned (a key made when it starts would be unknown here);
        # the response and the assertion are signed.
        allow_unsigned_requests=True,
        default_relay_state="/",
    )
    engineers = SSOGroup.objects.get(organization=organization, name="Engineers")
    applications.assignment_add(actor=root, application=application, group=engineers)
    return application


def _write_rp_env(path: str, client) -> None:
    """The demo relying party's settings, with a new secret, and the demo service provider's
    (the IdP metadata URL) into ``path`` only (never printed)."""
    root = User.objects.get(account=client.organization.management_account, kind=User.Kind.ROOT)
    secret = applications.client_secret_rotate(actor=root, client=client)
    issuer = f"{settings.TOBIRA_BASE_URL}/o/{client.organization_id}"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(
            f"TOBIRA_RP_ISSUER={issuer}\nTOBIRA_RP_CLIENT_ID={client.client_id}\n"
            f"TOBIRA_RP_SECRET={secret}\nTOBIRA_SP_IDP_METADATA_URL={issuer}/saml/metadata\n"
        )


def _sso_demo(root, organization, management, production) -> None:
    """The organization's SSO directory: a user, a group, two permission sets, assignments."""
    from sso import services as sso
    from sso.models import PermissionSet

    sora = sso.sso_user_create(
        actor=root,
        organization=organization,
        name="sora",
        email="sora@demo.tobira.localhost",
        password=DEMO_PASSWORD,
    )
    sora.password_reset_required = False
    sora.save(update_fields=["password_reset_required"])
    engineers = sso.sso_group_create(
        actor=root, organization=organization, name="Engineers", description="Everyone who builds"
    )
    sso.sso_group_membership_set(actor=root, group=engineers, user=sora, member=True)
    read_only = sso.permission_set_save(
        actor=root,
        permission_set=PermissionSet(
            organization=organization,
            name="ReadOnly",
            description="Look, do not touch.",
            managed_policy_arns=[arns.aws_managed_policy("IAMReadOnlyAccess")],
        ),
    )
    admin = sso.permission_set_save(
        actor=root,
        permission_set=PermissionSet(
            organization=organization,
            name="AdministratorAccess",
            description="Full access, for 4 hours at a time.",
            session_duration_hours=4,
            managed_policy_arns=[arns.aws_managed_policy("AdministratorAccess")],
        ),
    )
    for account in (management, production):
        sso.assignment_create(
            actor=root, account=account, permission_set=read_only, group=engineers
        )
    sso.assignment_create(actor=root, account=production, permission_set=admin, user=sora)
