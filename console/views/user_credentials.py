"""An administrator's hand on an IAM user's credentials for programs: access keys (create for
the user, shown once; activate or deactivate; delete after deactivating and typing the id), SSH
public keys and X.509 signing certificates (upload, activate or deactivate, delete).

Each page is a ``UserPage`` (another tenant's account or user is a 404), finds the key among
the user's own (another user's key id is a 404 too), asks the engine for its IAM action on the
user's ARN, and calls one service of ``identity.credentials.services``. The forms and the page
bodies are the Security credentials page's (``mfa.credentials``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from identity.authorization import AnyOf, Permission
from identity.credentials import selectors as credential_selectors
from identity.credentials import services as credential_services
from identity.credentials.models import MAX_ACCESS_KEYS_PER_USER
from mfa.credentials import program_access
from mfa.credentials.forms import (
    AccessKeyCreateForm,
    SigningCertificateUploadForm,
    SSHPublicKeyUploadForm,
    StatusForm,
    TypedConfirmationForm,
)

from ..base import UserPage, user_arn


def _on_user(action: str, note: str = "") -> Permission:
    return Permission(action, user_arn, "`USER`", note=note)


class _UserCredentialPage(UserPage):
    """Back to the user's page when done."""

    def back_url(self) -> str:
        return reverse("console:user_detail", args=[self.account.id, self.user.name])

    def success_url(self, result) -> str:
        return self.back_url()

    def get_context_data(self, **context):
        return super().get_context_data(back_url=self.back_url(), **context)


class _StatusChange(_UserCredentialPage):
    """The Activate and Deactivate buttons (POST only): ``change`` calls the service."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = StatusForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Choose Active or Inactive."))
        status = form.cleaned_data["status"]
        key_id = self.change(status)
        messages.success(request, program_access.status_message(self.kind, key_id, status))
        return redirect(self.after(form.cleaned_data["then"]))

    def change(self, status: str) -> str:
        raise NotImplementedError

    def after(self, then: str) -> str:
        return self.back_url()


# --- Access keys -------------------------------------------------------------------------


class UserAccessKeyCreate(_UserCredentialPage):
    permission = _on_user("iam:CreateAccessKey")
    template_name = "console/user_access_key_create.html"
    form_class = AccessKeyCreateForm

    def perform(self, data):
        return credential_services.access_key_create(
            actor=self.request.user, user=self.user, request=self.request
        )

    def succeeded(self, result):
        key, _secret = result
        program_access.show_once(self.request, key)
        return redirect(
            "console:user_access_key_created", account_id=self.account.id, user_name=self.user.name
        )

    def get_context_data(self, **context):
        return super().get_context_data(
            at_limit=credential_selectors.user_access_keys(self.user).count()
            >= MAX_ACCESS_KEYS_PER_USER,
            limit=MAX_ACCESS_KEYS_PER_USER,
            **context,
        )


class UserAccessKeyCreated(_UserCredentialPage):
    """The one time the new key's secret is shown, to the administrator who created it.

    Asks ``iam:CreateAccessKey`` when a key waits to be shown (from the session), else
    ``iam:ListAccessKeys`` to say it was already shown; the response is never stored.
    """

    permission = AnyOf(
        {
            "create": _on_user("iam:CreateAccessKey"),
            "list": _on_user("iam:ListAccessKeys"),
        },
        doc="`iam:CreateAccessKey` when the new key's secret is shown (once, named by the "
        "session), else `iam:ListAccessKeys`",
        resource_doc="`USER`",
    )
    template_name = "console/user_access_key_created.html"
    never_cache = True

    def authorize(self):
        if program_access.is_pending(self.request, self.user):
            self.require(self.permission["create"])
            self.shown = program_access.take(self.request, self.user)
        else:
            self.require(self.permission["list"])
            self.shown = None

    def get(self, request, *args, **kwargs):
        context = {
            "create_url": reverse(
                "console:user_access_key_create", args=[self.account.id, self.user.name]
            )
        }
        if self.shown:
            key, secret = self.shown
            context |= {
                "key": key,
                "secret": secret,
                "csv_url": program_access.csv_data_url(key, secret),
                "csv_name": program_access.csv_file_name(self.user),
            }
        return self.render_page(**context)


class _AccessKeyPage(_UserCredentialPage):
    def load(self):
        super().load()
        self.key = credential_selectors.user_access_key_get(self.user, self.kwargs["access_key_id"])


class UserAccessKeyStatus(_StatusChange, _AccessKeyPage):
    permission = _on_user("iam:UpdateAccessKey")
    kind = "access_key"

    def change(self, status):
        credential_services.access_key_status_set(
            actor=self.request.user, key=self.key, status=status, request=self.request
        )
        return self.key.access_key_id

    def after(self, then):
        if then == "delete":
            return reverse(
                "console:user_access_key_delete",
                args=[self.account.id, self.user.name, self.key.access_key_id],
            )
        return self.back_url()


class UserAccessKeyDelete(_AccessKeyPage):
    """Deactivate first, then type the key's id: as AWS's console asks."""

    permission = _on_user("iam:DeleteAccessKey")
    template_name = "console/user_access_key_delete.html"
    form_class = TypedConfirmationForm

    def form_args(self):
        return (self.key.access_key_id,)

    def form_valid(self, form):
        if self.key.is_active:
            form.add_error(None, _("Deactivate the access key before you delete it."))
            self.status = 409
            return None
        return super().form_valid(form)

    def perform(self, data):
        credential_services.access_key_delete(
            actor=self.request.user, key=self.key, request=self.request
        )

    def success_message(self, result):
        return _("Access key %(id)s was deleted.") % {"id": self.key.access_key_id}

    def get_context_data(self, **context):
        can = self.permitted({"update": ("iam:UpdateAccessKey", self.user.arn)})
        return super().get_context_data(
            key=self.key,
            can_update=can["update"],
            status_url=reverse(
                "console:user_access_key_status",
                args=[self.account.id, self.user.name, self.key.access_key_id],
            ),
            **context,
        )


# --- SSH public keys and signing certificates ----------------------------------------------


class _Upload(_UserCredentialPage):
    """A pasted key or certificate: a refused paste is never shown back (it may be a private
    key pasted by mistake), nor kept in error reports."""

    bare_errors_to = "body"
    sensitive_post_parameters = ("body",)

    def service_refused(self, form, error):
        super().service_refused(form, error)
        form.forget_body()


class UserSSHPublicKeyUpload(_Upload):
    permission = _on_user("iam:UploadSSHPublicKey")
    template_name = "console/user_ssh_public_key_upload.html"
    form_class = SSHPublicKeyUploadForm

    def perform(self, data):
        return credential_services.ssh_public_key_upload(
            actor=self.request.user, user=self.user, body=data["body"], request=self.request
        )

    def success_message(self, key):
        return _("SSH public key %(id)s was uploaded.") % {"id": key.ssh_public_key_id}


class _SSHPublicKeyPage(_UserCredentialPage):
    def load(self):
        super().load()
        self.key = credential_selectors.user_ssh_public_key_get(
            self.user, self.kwargs["ssh_public_key_id"]
        )


class UserSSHPublicKeyStatus(_StatusChange, _SSHPublicKeyPage):
    permission = _on_user("iam:UpdateSSHPublicKey")
    kind = "ssh_key"

    def change(self, status):
        credential_services.ssh_public_key_status_set(
            actor=self.request.user, key=self.key, status=status, request=self.request
        )
        return self.key.ssh_public_key_id


class UserSSHPublicKeyDelete(_SSHPublicKeyPage):
    permission = _on_user("iam:DeleteSSHPublicKey")
    template_name = "console/user_ssh_public_key_delete.html"

    def get(self, request, *args, **kwargs):
        return self.render_page(key=self.key)

    def post(self, request, *args, **kwargs):
        credential_services.ssh_public_key_delete(actor=request.user, key=self.key, request=request)
        messages.success(
            request, _("SSH public key %(id)s was deleted.") % {"id": self.key.ssh_public_key_id}
        )
        return redirect(self.back_url())


class UserSigningCertificateUpload(_Upload):
    permission = _on_user("iam:UploadSigningCertificate")
    template_name = "console/user_signing_certificate_upload.html"
    form_class = SigningCertificateUploadForm

    def perform(self, data):
        return credential_services.signing_certificate_upload(
            actor=self.request.user, user=self.user, body=data["body"], request=self.request
        )

    def success_message(self, certificate):
        return _("Signing certificate %(id)s was uploaded.") % {"id": certificate.certificate_id}


class _CertificatePage(_UserCredentialPage):
    def load(self):
        super().load()
        self.certificate = credential_selectors.user_signing_certificate_get(
            self.user, self.kwargs["certificate_id"]
        )


class UserSigningCertificateStatus(_StatusChange, _CertificatePage):
    permission = _on_user("iam:UpdateSigningCertificate")
    kind = "certificate"

    def change(self, status):
        credential_services.signing_certificate_status_set(
            actor=self.request.user,
            certificate=self.certificate,
            status=status,
            request=self.request,
        )
        return self.certificate.certificate_id


class UserSigningCertificateDelete(_CertificatePage):
    permission = _on_user("iam:DeleteSigningCertificate")
    template_name = "console/user_signing_certificate_delete.html"

    def get(self, request, *args, **kwargs):
        return self.render_page(certificate=self.certificate)

    def post(self, request, *args, **kwargs):
        credential_services.signing_certificate_delete(
            actor=request.user, certificate=self.certificate, request=request
        )
        messages.success(
            request,
            _("Signing certificate %(id)s was deleted.") % {"id": self.certificate.certificate_id},
        )
        return redirect(self.back_url())
