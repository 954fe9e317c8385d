"""An account's IAM dashboard (as AWS's IAM console dashboard): its counts, its security
recommendations with what each one concerns and where it is fixed, and, on the management
account's dashboard of the management account's root user, the organization's roll-up.

The facts come from ``mfa.credentials.dashboard`` (a constant number of queries); this module
only says them in words and picks, per recommendation, the page where the principal can fix it
(a page it may not open is not linked).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from identity import arns, selectors
from identity.authorization import Permission
from mfa.credentials import dashboard
from sso import selectors as sso_selectors

from ..base import AccountPage, account_root_arn, any_user_arn, page_of

ANY_USER = "`arn:aws:iam::ACCOUNT:user/*`"

# What each recommendation says: its title while open, its line once done, and why it matters.
TEXTS = {
    "root-mfa": (
        _("Add MFA for the root user"),
        _("The root user has MFA"),
        _(
            "The root user can do anything in the account, close it included. With MFA, a "
            "stolen password alone cannot sign in as root."
        ),
    ),
    "root-access-keys": (
        _("Delete the root user's access keys"),
        _("The root user has no access keys"),
        _(
            "An access key of the root user is a permanent secret with every permission of the "
            "account, and no policy can limit it. Programs should use an IAM user's key, or "
            "better, temporary credentials."
        ),
    ),
    "use-sso": (
        _("Use IAM Identity Center for people"),
        _("No IAM user has a console password"),
        _(
            "People who sign in with an IAM user's password keep one more long-term password "
            "per account. With IAM Identity Center (single sign-on) they sign in once, with "
            "MFA, and open the accounts they are assigned to with temporary credentials."
        ),
    ),
    "console-without-mfa": (
        _("Require MFA for IAM users with a console password"),
        _("Every IAM user with a console password has MFA"),
        _(
            "A password alone can be guessed, phished or reused from another site. An MFA "
            "device is needed as well as the password at every sign-in."
        ),
    ),
    "unused-passwords": (
        _("Remove console passwords unused for 90 days"),
        _("No console password has gone unused for 90 days"),
        _(
            "A password nobody uses is one nobody would notice being used by someone else. "
            "Remove console access from users who do not sign in; it can be given back."
        ),
    ),
    "unused-access-keys": (
        _("Deactivate access keys unused for 90 days"),
        _("No active access key has gone unused for 90 days"),
        _(
            "An active key that no program uses any more is still a working secret, in some "
            "file or script. Deactivate it, then delete it once nothing breaks."
        ),
    ),
    "old-access-keys": (
        _("Rotate active access keys older than 90 days"),
        _("No active access key is older than 90 days"),
        _(
            "The longer a key lives, the more places it has been copied to. Create a second "
            "key, move the program to it, then deactivate and delete the old one."
        ),
    ),
    "password-policy": (
        _("Set a password policy"),
        _("The account has a password policy"),
        _(
            "A password policy sets the length and the kinds of characters of IAM users' "
            "passwords, how long they last and whether old ones may be used again."
        ),
    ),
}


@dataclass(frozen=True)
class RecommendationLine:
    key: str
    subject: str
    count: int
    title: str
    why: str
    fix_url: str | None
    fix_label: str
    list_url: str | None

    @property
    def done(self) -> bool:
        return self.count == 0


class DashboardPage(AccountPage):
    permission = Permission(
        "iam:GetAccountSummary", account_root_arn, "`arn:aws:iam::ACCOUNT:root`"
    )


class AccountDashboard(DashboardPage):
    template_name = "console/account_dashboard.html"

    def shows_rollup(self) -> bool:
        """The organization's roll-up: on the management account's dashboard, for a principal
        that reaches every account of the organization (its root user)."""
        principal = self.request.user
        return (
            self.account.is_management_account
            and principal.is_root
            and principal.account_id == self.account.pk
        )

    def get(self, request, *args, **kwargs):
        account = self.account
        if self.shows_rollup():
            accounts = selectors.reachable_accounts(request.user)
            facts = dashboard.accounts_facts(accounts)
            rollup = [
                (member, facts[member.pk])
                for member in selectors.organization_accounts_by_age(account.organization)
                if member.pk in facts
            ]
            own = facts[account.pk]
        else:
            rollup = None
            own = dashboard.account_facts(account)
        can = self.permitted(
            {
                "list_users": ("iam:ListUsers", any_user_arn(self)),
                "groups": ("iam:ListGroups", arns.group(account.id, "/", "*")),
                "policies": ("iam:ListPolicies", arns.policy(account.id, "/", "*")),
                "password_policy": ("iam:GetAccountPasswordPolicy", "*"),
                "sso": ("sso:DescribeInstance", sso_selectors.instance_arn(account.organization)),
                "root_mfa": ("organizations:DescribeRootMFAEnforcement", account.organization.arn),
            }
        )
        return self.render_page(
            facts=own,
            permission_sets=sso_selectors.account_permission_set_count(account),
            recommendations=self.lines(own, can),
            rollup=rollup,
            rollup_totals=dashboard.totals(f for _member, f in rollup) if rollup else None,
            rollup_keys=[r.key for r in dashboard.RECOMMENDATIONS],
            rollup_titles=[TEXTS[r.key][0] for r in dashboard.RECOMMENDATIONS],
            unused_days=dashboard.UNUSED_DAYS,
            can=can,
        )

    def lines(self, facts, can) -> list[RecommendationLine]:
        lines = []
        for recommendation in dashboard.RECOMMENDATIONS:
            key = recommendation.key
            count = (facts.affected or {}).get(key, 0)
            open_title, done_title, why = TEXTS[key]
            fix_url, fix_label = self.fix(key, can)
            list_url = None
            if recommendation.lists_users and can["list_users"]:
                list_url = reverse("console:dashboard_affected_users", args=[self.account.id, key])
            lines.append(
                RecommendationLine(
                    key=key,
                    subject=recommendation.subject,
                    count=count,
                    title=str(open_title if count else done_title),
                    why=str(why),
                    fix_url=fix_url,
                    fix_label=str(fix_label),
                    list_url=list_url,
                )
            )
        # Open recommendations first, in their order; then what is done.
        return [line for line in lines if not line.done] + [line for line in lines if line.done]

    def fix(self, key: str, can) -> tuple[str | None, str]:
        """Where the principal fixes ``key``: (URL or None, the link's words or the hint)."""
        principal = self.request.user
        account = self.account
        is_this_root = principal.is_root and principal.account_id == account.pk
        in_management = principal.account_id == account.organization.management_account_id
        if key == "root-mfa":
            if is_this_root:
                return reverse("mfa:security_credentials"), _("Assign an MFA device")
            if in_management and can["root_mfa"]:
                return reverse("console:root_mfa"), _("Require MFA of root users")
            return None, _("Sign in as the root user to assign an MFA device.")
        if key == "root-access-keys":
            if is_this_root:
                return reverse("mfa:security_credentials"), _("Delete them")
            if principal.is_root and in_management:
                return reverse("console:root_access_keys"), _(
                    "Forbid root user access keys in the organization"
                )
            return None, _("Only the root user can delete them: sign in as the root user.")
        if key == "use-sso":
            if in_management and can["sso"]:
                return reverse("console:sso_home"), _("Open IAM Identity Center")
            return None, _("IAM Identity Center is managed from the management account.")
        if key == "password-policy":
            if can["password_policy"]:
                return reverse("console:password_policy", args=[account.id]), _(
                    "Set the password policy"
                )
            return None, ""
        return None, ""


# The columns of each affected-users list, besides the user's name.
LIST_COLUMNS = {
    "use-sso": ("last_signin", "mfa", "created"),
    "console-without-mfa": ("last_signin", "password_set", "created"),
    "unused-passwords": ("last_signin", "password_set", "created"),
    "unused-access-keys": ("keys",),
    "old-access-keys": ("keys",),
}
LIST_HINTS = {
    "use-sso": _(
        "Give each of these people an IAM Identity Center user and an account assignment, "
        "then remove the IAM user's console password (or the IAM user)."
    ),
    "console-without-mfa": _(
        "Each user can assign a device on their Security credentials page; an administrator "
        "can import a hardware token on the user's page, or remove the console password."
    ),
    "unused-passwords": _(
        "On the user's page, remove console access (Manage console access). It can be given "
        "back with a new password."
    ),
    "unused-access-keys": _(
        "On the user's page, deactivate the key, and delete it once nothing is using it."
    ),
    "old-access-keys": _(
        "Create a second key, move the program to it, then deactivate and delete the old one."
    ),
}


class DashboardAffectedUsers(AccountPage):
    """The IAM users one recommendation concerns, with a link to each user's page."""

    permission = Permission("iam:ListUsers", any_user_arn, ANY_USER)
    template_name = "console/dashboard_affected_users.html"

    def load(self) -> None:
        super().load()
        key = self.kwargs["recommendation"]
        recommendation = dashboard.BY_KEY.get(key)
        if recommendation is None or not recommendation.lists_users:
            raise Http404
        self.key = key

    def get(self, request, *args, **kwargs):
        page = page_of(request, dashboard.affected_users(self.account, self.key))
        columns = LIST_COLUMNS[self.key]
        keys = dashboard.active_access_keys_of(page.object_list) if "keys" in columns else {}
        rows = [(user, keys.get(user.pk, [])) for user in page.object_list]
        return self.render_page(
            page=page,
            rows=rows,
            columns=columns,
            title=TEXTS[self.key][0],
            why=TEXTS[self.key][2],
            hint=LIST_HINTS[self.key],
            unused_days=dashboard.UNUSED_DAYS,
        )
