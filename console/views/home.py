"""The site's front door (``/``), sign-up, and the console's landing page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.debug import sensitive_post_parameters

from identity import arns, browser_sessions, ratelimit, selectors, services
from identity.authorization import Permission

from ..base import ConsolePage
from ..forms.common import apply_service_errors
from ..forms.organization import SignUpForm
from ..lists import Column, ListPage


def home(request):
    if not request.user.is_authenticated:
        return redirect("accounts:signin")
    return redirect("console:home")


@sensitive_post_parameters("password1", "password2")
def signup(request):
    """Create an organization: its management account and that account's root user.

    Not a console page: nobody is signed in yet, and it asks the engine nothing."""
    if not settings.SIGNUP_ENABLED:
        raise Http404
    status = 200
    if request.method == "POST":
        form = SignUpForm(request.POST)
        # Every attempt counts, failed ones too: the answers say which emails are taken.
        if not ratelimit.attempt("signup", request=request).allowed:
            form.is_valid()
            form.add_error(None, _("Too many attempts from your address. Try again later."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                organization = services.organization_create(
                    name=data["organization_name"],
                    account_name=data["account_name"],
                    root_email=data["root_email"],
                    root_password=data["password1"],
                    alias=data["alias"],
                    request=request,
                )
            except ValidationError as error:
                apply_service_errors(
                    form, error, bare_errors_to="password1", rename={"password": "password1"}
                )
            else:
                root = selectors.account_root_user(organization.management_account)
                login(request, root, backend="accounts.backends.ConsoleSignInBackend")
                browser_sessions.browser_session_signed_in(request, user=root)
                messages.success(
                    request,
                    _(
                        "Organization %(org)s created. You are signed in as the root user of account %(account)s."
                    )
                    % {"org": organization.id, "account": organization.management_account_id},
                )
                return redirect("console:home")
    else:
        form = SignUpForm()
    return render(request, "console/signup.html", {"form": form}, status=status)


ACCOUNT_COLUMNS = (
    Column("account_name", _l("Account name"), (Lower("name"),), lambda account: account.name),
    Column("account_id", _l("Account ID"), ("id",), lambda account: account.id),
    Column("alias", _l("Alias"), ("alias",), lambda account: account.alias),
    Column("iam_users", _l("IAM users"), ("user_count",), lambda account: account.user_count),
    Column("created", _l("Created"), ("created",), lambda account: account.created),
    Column("role", _l("Role"), (), lambda account: account.is_management_account),
    Column("security", _l("Security"), (), None),
)


class ConsoleHome(ListPage, ConsolePage):
    """The landing page asks too: what it lists depends on what the principal may see. A
    refusal is no 403 here: the page says the summary is not shown."""

    permission = Permission(
        "iam:GetAccountSummary",
        lambda page: arns.root(page.request.user.account_id),
        "`arn:aws:iam::ACCOUNT:root`",
        note="(the summary is shown only if allowed)",
    )
    template_name = "console/home.html"
    columns = ACCOUNT_COLUMNS
    default_sort = "created"
    csv_name = "accounts"

    @property
    def authorization_account(self):
        return self.request.user.account

    def authorize(self) -> None:
        self.restricted = not self.permission.allowed(
            self.request, self, account=self.authorization_account
        )

    def rows(self):
        return selectors.organization_accounts(self.request.user)

    def get(self, request, *args, **kwargs):
        if self.restricted:
            return self.render_page(restricted=True, listing=None)
        return super().get(request, *args, **kwargs)

    def list_context(self, page) -> dict:
        principal = self.request.user
        return {
            "organization": selectors.organization_of(principal),
            "can_add_account": principal.is_root and principal.account.is_management_account,
        }
