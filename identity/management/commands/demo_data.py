"""Create a demo organization to try the console with; prints how to sign in."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from identity import services
from identity.models import Account, User

DEMO_ROOT_EMAIL = "root@demo.tobira.localhost"
DEMO_MEMBER_EMAIL = "member-root@demo.tobira.localhost"
DEMO_PASSWORD = "Tobira-demo-2026!"


class Command(BaseCommand):
    help = (
        "Create a demo organization (management + member account, root and IAM users). Idempotent."
    )

    def handle(self, *args, **options):
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
                services.account_create(
                    actor=root,
                    organization=organization,
                    name="Demo Corp production",
                    root_email=DEMO_MEMBER_EMAIL,
                    alias="demo-corp-prod",
                    root_password=DEMO_PASSWORD,
                )
                for name, reset in (("alice", False), ("bob", True)):
                    services.iam_user_create(
                        actor=root,
                        account=management,
                        name=name,
                        password=DEMO_PASSWORD,
                        password_reset_required=reset,
                        contact_email=f"{name}@demo.tobira.localhost",
                    )
                for index in range(1, 31):
                    services.iam_user_create(
                        actor=root,
                        account=management,
                        name=f"ci-robot-{index:02d}",
                        path="/robots/",
                    )
                created = True
            else:
                created = False
        base = settings.TOBIRA_BASE_URL
        self.stdout.write(
            self.style.SUCCESS("Demo data created." if created else "Demo data already present.")
        )
        self.stdout.write(
            f"""
  Console:        {base}/signin
  Root user:      {DEMO_ROOT_EMAIL} / {DEMO_PASSWORD}
  IAM user:       {base}/signin/demo-corp  user alice / {DEMO_PASSWORD}
  IAM user (must change password at first sign-in): bob / {DEMO_PASSWORD}
  Member account root: {DEMO_MEMBER_EMAIL} / {DEMO_PASSWORD}
"""
        )
