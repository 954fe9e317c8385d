"""The signed-in person's own credentials for programs, from the *Security credentials* page:
access keys (create, shown once; activate or deactivate; delete after deactivating and typing
the id), SSH public keys for CodeCommit and X.509 signing certificates (upload, activate or
deactivate, delete).

Each page asks the engine about the person's own ARN (``require_own``), reaches the key
through a selector that starts from the person (another user's key id is a 404), calls one
service and redirects back to the Security credentials page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from identity.authorization import allowed, require_own
from identity.credentials import selectors as credential_selectors
from identity.credentials import services as credential_services
from identity.credentials.models import MAX_ACCESS_KEYS_PER_USER

from . import program_access
from .forms import (
    AccessKeyCreateForm,
    SigningCertificateUploadForm,
    SSHPublicKeyUploadForm,
    StatusForm,
    TypedConfirmationForm,
)

BACK = "mfa:security_credentials"


def _posted(request):
    """The form's data on a POST (an empty POST too: a form of one button), else None."""
    return request.POST if request.method == "POST" else None


def _refuse_sso(user) -> None:
    if user.is_sso:
        raise PermissionDenied(
            _("IAM Identity Center users have no access keys, SSH public keys or certificates.")
        )


# --- Access keys -------------------------------------------------------------------------


@login_required
def access_key_create(request):
    """What an access key is for, AWS's warning for a root user, and the Create button."""
    user = request.user
    _refuse_sso(user)
    require_own(request, "iam:CreateAccessKey")
    form = AccessKeyCreateForm(_posted(request), root=user.is_root)
    if request.method == "POST" and form.is_valid():
        try:
            key, _secret = credential_services.access_key_create(
                actor=user, user=user, request=request
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            program_access.show_once(request, key)
            return redirect("mfa:access_key_created")
    return render(
        request,
        "mfa/access_key_create.html",
        {
            "form": form,
            "forbidden_for_root": user.is_root
            and not user.account.organization.root_access_keys_allowed,
            "at_limit": credential_selectors.user_access_keys(user).count()
            >= MAX_ACCESS_KEYS_PER_USER,
            "limit": MAX_ACCESS_KEYS_PER_USER,
            "back_url": reverse(BACK),
        },
    )


@never_cache
@login_required
def access_key_created(request):
    """The one time the new key's secret is shown (``no-store``); afterwards, that it is gone."""
    user = request.user
    _refuse_sso(user)
    if program_access.is_pending(request, user):
        require_own(request, "iam:CreateAccessKey")
        shown = program_access.take(request, user)
    else:
        require_own(request, "iam:ListAccessKeys")
        shown = None
    context = {"back_url": reverse(BACK), "create_url": reverse("mfa:access_key_create")}
    if shown:
        key, secret = shown
        context |= {
            "key": key,
            "secret": secret,
            "csv_url": program_access.csv_data_url(key, secret),
            "csv_name": program_access.csv_file_name(user),
        }
    return render(request, "mfa/access_key_created.html", context)


@require_POST
@login_required
def access_key_status(request, access_key_id: str):
    key = credential_selectors.user_access_key_get(request.user, access_key_id)
    return _status_change(
        request,
        "iam:UpdateAccessKey",
        "access_key",
        key.access_key_id,
        lambda status: credential_services.access_key_status_set(
            actor=request.user, key=key, status=status, request=request
        ),
        then_delete=lambda: redirect("mfa:access_key_delete", access_key_id=key.access_key_id),
    )


def _status_change(request, action, kind, public_id, change, then_delete=None):
    """The Activate and Deactivate buttons of an access key, SSH key or certificate."""
    require_own(request, action)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose Active or Inactive."))
    status = form.cleaned_data["status"]
    change(status)
    messages.success(request, program_access.status_message(kind, public_id, status))
    if then_delete is not None and form.cleaned_data["then"] == "delete":
        return then_delete()
    return redirect(BACK)


@login_required
def access_key_delete(request, access_key_id: str):
    """Delete a key: deactivate it first (and see that nothing broke), then type its id."""
    user = request.user
    key = credential_selectors.user_access_key_get(user, access_key_id)
    require_own(request, "iam:DeleteAccessKey")
    form = TypedConfirmationForm(key.access_key_id, _posted(request))
    status = 200
    if request.method == "POST":
        if key.is_active:
            form.is_valid()
            form.add_error(None, _("Deactivate the access key before you delete it."))
            status = 409
        elif form.is_valid():
            credential_services.access_key_delete(actor=user, key=key, request=request)
            messages.success(
                request, _("Access key %(id)s was deleted.") % {"id": key.access_key_id}
            )
            return redirect(BACK)
    return render(
        request,
        "mfa/access_key_delete.html",
        {
            "form": form,
            "key": key,
            "back_url": reverse(BACK),
            "status_url": reverse("mfa:access_key_status", args=[key.access_key_id]),
            "can_update": allowed(request, "iam:UpdateAccessKey", user.arn, account=user.account),
        },
        status=status,
    )


# --- SSH public keys and signing certificates ----------------------------------------------


def _upload(request, *, action, form_class, service, template, success):
    user = request.user
    _refuse_sso(user)
    require_own(request, action)
    form = form_class(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            uploaded = service(
                actor=user, user=user, body=form.cleaned_data["body"], request=request
            )
        except ValidationError as error:
            form.add_error("body", error.messages)
            form.forget_body()
        else:
            messages.success(request, success(uploaded))
            return redirect(BACK)
    elif request.method == "POST":
        form.forget_body()
    return render(request, template, {"form": form, "back_url": reverse(BACK)})


@sensitive_post_parameters("body")
@login_required
def ssh_public_key_upload(request):
    if request.user.is_root:
        raise PermissionDenied(_("SSH public keys belong to IAM users: root users have none."))
    return _upload(
        request,
        action="iam:UploadSSHPublicKey",
        form_class=SSHPublicKeyUploadForm,
        service=credential_services.ssh_public_key_upload,
        template="mfa/ssh_public_key_upload.html",
        success=lambda key: (
            _("SSH public key %(id)s was uploaded.") % {"id": key.ssh_public_key_id}
        ),
    )


@require_POST
@login_required
def ssh_public_key_status(request, ssh_public_key_id: str):
    key = credential_selectors.user_ssh_public_key_get(request.user, ssh_public_key_id)
    return _status_change(
        request,
        "iam:UpdateSSHPublicKey",
        "ssh_key",
        key.ssh_public_key_id,
        lambda status: credential_services.ssh_public_key_status_set(
            actor=request.user, key=key, status=status, request=request
        ),
    )


@login_required
def ssh_public_key_delete(request, ssh_public_key_id: str):
    key = credential_selectors.user_ssh_public_key_get(request.user, ssh_public_key_id)
    require_own(request, "iam:DeleteSSHPublicKey")
    if request.method == "POST":
        credential_services.ssh_public_key_delete(actor=request.user, key=key, request=request)
        messages.success(
            request, _("SSH public key %(id)s was deleted.") % {"id": key.ssh_public_key_id}
        )
        return redirect(BACK)
    return render(
        request, "mfa/ssh_public_key_delete.html", {"key": key, "back_url": reverse(BACK)}
    )


@sensitive_post_parameters("body")
@login_required
def signing_certificate_upload(request):
    return _upload(
        request,
        action="iam:UploadSigningCertificate",
        form_class=SigningCertificateUploadForm,
        service=credential_services.signing_certificate_upload,
        template="mfa/signing_certificate_upload.html",
        success=lambda certificate: (
            _("Signing certificate %(id)s was uploaded.") % {"id": certificate.certificate_id}
        ),
    )


@require_POST
@login_required
def signing_certificate_status(request, certificate_id: str):
    certificate = credential_selectors.user_signing_certificate_get(request.user, certificate_id)
    return _status_change(
        request,
        "iam:UpdateSigningCertificate",
        "certificate",
        certificate.certificate_id,
        lambda status: credential_services.signing_certificate_status_set(
            actor=request.user, certificate=certificate, status=status, request=request
        ),
    )


@login_required
def signing_certificate_delete(request, certificate_id: str):
    certificate = credential_selectors.user_signing_certificate_get(request.user, certificate_id)
    require_own(request, "iam:DeleteSigningCertificate")
    if request.method == "POST":
        credential_services.signing_certificate_delete(
            actor=request.user, certificate=certificate, request=request
        )
        messages.success(
            request,
            _("Signing certificate %(id)s was deleted.") % {"id": certificate.certificate_id},
        )
        return redirect(BACK)
    return render(
        request,
        "mfa/signing_certificate_delete.html",
        {"certificate": certificate, "back_url": reverse(BACK)},
    )
