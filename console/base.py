"""``ConsolePage``: the one shape of every administrator page.

Shaped like netbox's ``ObjectPermissionRequiredMixin``: a page *declares* what it needs and
``dispatch`` does the asking, before the page's own code runs:

1. ``load()``, the page's selector: it reaches the page's objects through ``identity.selectors``
   or ``sso.selectors`` (another tenant's object is a 404 here, before any policy question);
2. ``permission`` (an ``identity.authorization.Permission``: the IAM action, and how the
   resource ARN is built from the page's objects) is asked of the engine: a 403 when refused;
3. ``load_within()``: objects looked up only inside what the first question allowed (the SSO
   pages ask about the directory before they look inside it);
4. on POST, ``post_permission`` too (when it is one ``Permission``; an ``AnyOf`` is chosen by
   the page from what was posted, and asked there);
5. then ``get`` or ``post``. ``post`` is the form round trip, written once here: the form
   (``form_class``), ``form_permission`` when the resource depends on what was typed, the
   page's service (``perform``), its ``ValidationError`` put back on the form, the success
   message and the redirect (``succeeded``).

The declarations are plain ``Permission`` objects defined in ``identity.authorization``, so an
API operation can declare the same question; ``console.permissions_doc`` generates the table of
docs/permissions.md from them.

Methods are answered as the function views answered them: POST goes to ``post`` (a page
without a form shows itself, as for a GET), every other method to ``get``; a page with ``http_method_names = ["post"]`` answers
anything else with 405, before asking for a sign-in (as ``require_POST`` did).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from identity import arns, authorization, selectors
from identity.authorization import AnyOf, Permission

from .forms.common import apply_service_errors

PAGE_SIZE = 25


def page_of(request, queryset, per_page: int = PAGE_SIZE):
    """One page of a list, by the ``page`` parameter (the last page when it is out of range)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


class ConsolePage(View):
    # --- Declarations -------------------------------------------------------------------
    permission: Permission | AnyOf | None = None  # asked for every method
    post_permission: Permission | AnyOf | None = None  # asked, besides, for POST
    form_permission: Permission | None = None  # asked once the form is valid (POST)
    template_name = ""
    form_class = None
    # Where a service's bare errors go (a field's name, or None: the top of the form), and the
    # service's field names the form names otherwise.
    bare_errors_to: str | None = None
    service_fields: dict | None = None
    # The IAM pages' services name the password "password", whatever the form names it: its
    # errors go with the bare ones.
    password_errors_with_bare = False
    sensitive_post_parameters: tuple[str, ...] = ()
    never_cache = False

    status = 200  # the page's status when it renders (a refused form may change it)
    form = None

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        if cls.never_cache:
            view = never_cache(view)
        if cls.sensitive_post_parameters:
            view = sensitive_post_parameters(*cls.sensitive_post_parameters)(view)
        return view

    # --- Where the engine is asked ------------------------------------------------------
    @property
    def authorization_account(self):
        """The account the engine is asked in: the page's account (or management account)."""
        return self.account

    def require(self, permission: Permission):
        return permission.require(self.request, self, account=self.authorization_account)

    def permitted(self, questions: dict) -> dict[str, bool]:
        """Which of the page's offered actions the principal may take (to show only those)."""
        return authorization.permitted(self.request, questions, account=self.authorization_account)

    # --- The page's selector --------------------------------------------------------------
    def load(self) -> None:
        """Reach the page's objects (``Http404`` for another tenant's), before any question."""

    def load_within(self) -> None:
        """Objects looked up after ``permission`` was asked (inside what it allowed)."""

    # --- Dispatch ------------------------------------------------------------------------
    def dispatch(self, request, *args, **kwargs):
        if self.http_method_names == ["post"] and request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.load()
        self.authorize()
        if request.method == "POST":
            return self.post(request, *args, **kwargs)
        return self.get(request, *args, **kwargs)

    def authorize(self) -> None:
        if isinstance(self.permission, Permission):
            self.require(self.permission)
        self.load_within()
        if self.request.method == "POST" and isinstance(self.post_permission, Permission):
            self.require(self.post_permission)

    # --- Rendering -------------------------------------------------------------------
    def get_context_data(self, **context) -> dict:
        return context

    def render_page(self, **context):
        return render(
            self.request, self.template_name, self.get_context_data(**context), status=self.status
        )

    def get(self, request, *args, **kwargs):
        if self.form_class is None:
            return self.render_page()
        return self.render_page(form=self.get_form())

    # --- The form round trip -------------------------------------------------------------
    def form_args(self) -> tuple:
        """Positional arguments of ``form_class`` before the data."""
        return ()

    def form_kwargs(self) -> dict:
        return {}

    def get_initial(self) -> dict | None:
        return None

    def get_form(self, data=None):
        kwargs = self.form_kwargs()
        if data is None:
            initial = self.get_initial()
            if initial is not None:
                kwargs["initial"] = initial
            return self.form_class(*self.form_args(), **kwargs)
        return self.form_class(*self.form_args(), data, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.form_class is None:  # a page that only shows: a POST is answered as a GET
            return self.get(request, *args, **kwargs)
        self.form = form = self.get_form(request.POST)
        if form.is_valid():
            response = self.form_valid(form)
            if response is not None:
                return response
        return self.render_page(form=form)

    def form_valid(self, form):
        """The service, then the success; None (the form shown again) when it refused."""
        if self.form_permission is not None:
            self.require(self.form_permission)
        try:
            result = self.perform(form.cleaned_data)
        except ValidationError as error:
            self.service_refused(form, error)
            return None
        return self.succeeded(result)

    def service_refused(self, form, error: ValidationError) -> None:
        """Put a service's errors on the form's fields."""
        rename = dict(self.service_fields or {})
        if self.password_errors_with_bare:
            rename["password"] = self.bare_errors_to
        apply_service_errors(form, error, bare_errors_to=self.bare_errors_to, rename=rename)

    def perform(self, data: dict):
        """Call the page's service with the form's data; may raise ``ValidationError``."""
        raise NotImplementedError

    def succeeded(self, result):
        """The success message, and the redirect."""
        message = self.success_message(result)
        if message:
            messages.success(self.request, message)
        return redirect(self.success_url(result))

    def success_message(self, result) -> str:
        return ""

    def success_url(self, result) -> str:
        raise NotImplementedError


# --- What a page acts in: an account, or the organization ---------------------------------


class AccountPage(ConsolePage):
    """A page of one account (``account_id`` in the URL): reached through
    ``identity.selectors.account_get``, so another tenant's account is a 404."""

    password_errors_with_bare = True

    def load(self) -> None:
        self.account = selectors.account_get(self.request.user, self.kwargs["account_id"])

    def get_context_data(self, **context) -> dict:
        return {"account": self.account, **context}


class UserPage(AccountPage):
    """A page of one IAM user of the account (``user_name`` in the URL)."""

    def load(self) -> None:
        super().load()
        self.user = selectors.account_user_get(
            account=self.account, user_name=self.kwargs["user_name"]
        )

    def get_context_data(self, **context) -> dict:
        return super().get_context_data(user=self.user, **context)


class OrganizationPage(ConsolePage):
    """A page of the principal's organization, asked in its management account."""

    password_errors_with_bare = True

    def load(self) -> None:
        self.organization = selectors.organization_of(self.request.user)

    @property
    def authorization_account(self):
        return self.organization.management_account

    def get_context_data(self, **context) -> dict:
        return {"organization": self.organization, **context}


def organization_arn(page) -> str:
    return page.organization.arn


def account_root_arn(page) -> str:
    return arns.root(page.account.id)


def user_arn(page) -> str:
    return page.user.arn


def any_user_arn(page) -> str:
    return arns.user(page.account.id, "/", "*")
