"""moto's server mode, answered by Tobira: the conformance mount (``TOBIRA_MOTO_COMPAT``).

moto's own IAM and STS tests (``tests/conformance/run_moto.py``) call one endpoint URL for every
service, and before and after each test ``POST {endpoint}/moto-api/reset``. This module is that
endpoint, mounted at ``/moto/`` by ``api.urls`` only when the setting is on (the settings refuse
it in production):

- ``/moto/``: the IAM or STS API, whichever service the request's credential scope names
  (``api.views.dispatch`` with no fixed service). Every request is verified and authorized as
  on ``/iam/`` and ``/sts/``; nothing here relaxes a check.
- ``/moto/moto-api/reset``: wipe the fixture tenant and create it again (moto calls it before
  and after each test; when no API request came through the mount since the last reset, the
  tenant is as that reset left it and nothing is done). moto's tests sign with
  the fixed key ``FOOBARKEY`` / ``FOOBARSECRET`` of account ``123456789012`` (moto's
  ``DEFAULT_ACCOUNT_ID``), so the fixture is an organization whose management account has that
  id and whose root user holds that key, stored like any key (the secret encrypted). Real keys
  are ``AKIA…`` ids from ``identity.ids``; this one is created through the model because its id
  is moto's. Only the fixture organization is touched.
- ``/moto/moto-api/reset-auth``: moto's switch for its own IAM enforcement; Tobira always
  enforces, which is what ``"inf"`` (no free unauthenticated actions) reports.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from identity import arns, crypto
from identity.credentials.models import AccessKey
from identity.models import Account, Organization, User

from .views import dispatch

ACCOUNT_ID = "123456789012"
ACCESS_KEY_ID = "FOOBARKEY"
SECRET_ACCESS_KEY = "FOOBARSECRET"  # noqa: S105 - moto's published fixture, never a real secret
ROOT_EMAIL = "moto-root@conformance.invalid"
# The fixture organization's id while the tenant is as the last reset left it; every request
# through the mount removes it. Kept in the shared cache, so all the server's processes agree.
_PRISTINE = "moto_compat:pristine"


@transaction.atomic
def reset() -> Account:
    """The fixture tenant, new: its previous organization, accounts and everything in them gone."""
    for organization in Organization.objects.select_for_update().filter(
        management_account_id=ACCOUNT_ID
    ):
        organization.management_account = None
        organization.save(update_fields=["management_account"])
        Account.objects.filter(organization=organization).delete()
        organization.delete()
    organization = Organization.objects.create(name="moto conformance")
    account = Account.objects.create(
        id=ACCOUNT_ID, organization=organization, name="moto", root_email=ROOT_EMAIL
    )
    organization.management_account = account
    organization.save(update_fields=["management_account"])
    root = User(
        kind=User.Kind.ROOT,
        account=account,
        name="root",
        arn=arns.root(account.id),
        unique_id=account.id,
    )
    root.set_unusable_password()
    root.save(force_insert=True)
    AccessKey.objects.create(
        access_key_id=ACCESS_KEY_ID,
        user=root,
        account=account,
        secret_encrypted=crypto.encrypt(SECRET_ACCESS_KEY.encode("ascii")),
    )
    return account


@csrf_exempt
def endpoint(request):
    cache.delete(_PRISTINE)
    return dispatch(request, None)


@csrf_exempt
def reset_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    current = (
        Organization.objects.filter(management_account_id=ACCOUNT_ID)
        .values_list("id", flat=True)
        .first()
    )
    if current is None or cache.get(_PRISTINE) != current:
        account = reset()
        cache.set(_PRISTINE, account.organization_id, 3600)
    return JsonResponse({"status": "ok"})


@csrf_exempt
def reset_auth_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return JsonResponse({"PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT": "inf"})
