"""Shared fixtures. State is built through services, as the code builds it."""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse
from django.utils import translation

from config.celery import app as celery_app
from identity import services
from identity.models import User

PASSWORD = "Correct-Horse-42!battery"

# pytest-xdist workers share one Redis database: each gets keys of its own (and so do the Celery
# workers and servers its tests start, through the environment), and clears only those.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _XDIST_WORKER and "KEY_PREFIX" in django_settings.CACHES["default"]:
    _prefix = f"{django_settings.CACHES['default']['KEY_PREFIX']}-{_XDIST_WORKER}"
    django_settings.CACHES["default"]["KEY_PREFIX"] = os.environ["CACHE_KEY_PREFIX"] = _prefix


def clear_cache() -> None:
    """Empty this test run's cache, not another worker's (RedisCache.clear() is FLUSHDB)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{backend.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        backend.clear()


@pytest.fixture(autouse=True)
def _test_defaults(settings):
    """Rate limits off (tests that need them switch them on); tasks run inline."""
    settings.RATELIMIT_ENABLED = False
    settings.HEALTH_READYZ_CACHE_SECONDS = 0  # each test's /readyz asks again (one test asks not)
    # A request in Japanese leaves Japanese active in the thread (LocaleMiddleware activates,
    # nothing deactivates); the next test in the worker must start in the default language.
    translation.deactivate()
    clear_cache()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager
    clear_cache()


def make_organization(name="Example", email="root@example.test", alias=None, password=PASSWORD):
    return services.organization_create(
        name=name,
        account_name=f"{name} management",
        root_email=email,
        root_password=password,
        alias=alias,
    )


def root_of(account) -> User:
    return User.objects.get(account=account, kind=User.Kind.ROOT)


@pytest.fixture
def organization(db):
    return make_organization(alias="example-corp")


@pytest.fixture
def management_account(organization):
    return organization.management_account


@pytest.fixture
def management_root(management_account):
    return root_of(management_account)


@pytest.fixture
def member_account(organization, management_root):
    return services.account_create(
        actor=management_root,
        organization=organization,
        name="Example production",
        root_email="member-root@example.test",
        alias="example-prod",
        root_password=PASSWORD,
    )


@pytest.fixture
def member_root(member_account):
    return root_of(member_account)


@pytest.fixture
def other_organization(db):
    return make_organization(name="Other", email="root@other.test", alias="other-corp")


@pytest.fixture
def other_root(other_organization):
    return root_of(other_organization.management_account)


# What most tests' IAM users hold: their own password and MFA devices, nothing else.
SELF_SERVICE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ManageOwnCredentials",
                "Effect": "Allow",
                "Action": [
                    "iam:GetUser",
                    "iam:ChangePassword",
                    "iam:ListMFADevices",
                    "iam:EnableMFADevice",
                    "iam:ResyncMFADevice",
                    "iam:DeactivateMFADevice",
                ],
                "Resource": "arn:aws:iam::*:user/${aws:username}",
            },
            {
                "Sid": "ManageOwnMFADevices",
                "Effect": "Allow",
                "Action": ["iam:CreateVirtualMFADevice", "iam:TagMFADevice"],
                "Resource": "arn:aws:iam::*:mfa/*",
            },
        ],
    }
)


@pytest.fixture
def make_iam_user(management_root):
    def make(
        account=None,
        name="alice",
        password=PASSWORD,
        self_service=True,
        managed=(),
        inline=None,
        **kwargs,
    ):
        """An IAM user; ``managed``: policy ARNs to attach, ``inline``: {name: document}."""
        from identity.policies import services as policies

        account = account or management_root.account
        user = services.iam_user_create(
            actor=None, account=account, name=name, password=password, **kwargs
        )
        if self_service:
            policies.inline_policy_put(
                actor=None, user=user, name="SelfService", document=SELF_SERVICE_POLICY
            )
        for arn in managed:
            policies.policy_attach(actor=None, account=account, policy_arn=arn, user=user)
        for policy_name, document in (inline or {}).items():
            policies.inline_policy_put(actor=None, user=user, name=policy_name, document=document)
        return user

    return make


@pytest.fixture
def alice(make_iam_user):
    return make_iam_user(name="alice", contact_email="alice@example.test")


def signin_root(client, email, password=PASSWORD, **extra):
    return client.post(
        reverse("accounts:signin"), {"mode": "root", "email": email, "password": password}, **extra
    )


def signin_iam(client, account, user_name, password=PASSWORD, **extra):
    return client.post(
        reverse("accounts:signin"),
        {"mode": "iam", "account": account, "user_name": user_name, "password": password},
        **extra,
    )


def scp_detach_url(policy_arn: str, target_id: str) -> str:
    """The console's page that confirms and makes the detach of an SCP from a target."""
    return reverse("console:scp_detach", args=[policy_arn.rsplit("/", 1)[-1], target_id])


_ARN_MARKUP = re.compile(r'<span class="arn">((?:<span>[^<]*</span>(?:<wbr>)?)+)</span>')


def unwrap_arns(html: str) -> str:
    """A page's HTML with each ARN as plain text again (the |arn filter marks where it may wrap)."""
    return _ARN_MARKUP.sub(lambda m: re.sub(r"</?span>|<wbr>", "", m.group(1)), html)


def error_text(response) -> str:
    """The text of the page's error alert (non-field errors)."""
    match = re.search(
        r'<div class="alert alert-error" role="alert">(.*?)</div>', response.content.decode(), re.S
    )
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


T0 = 1_900_000_020  # a moment on a TOTP step boundary (step 63333334, second 0)


@pytest.fixture
def ratelimits_on(settings, time_machine):
    """Rate limits on, from the start of a window: they count in fixed windows (of a minute, 5
    minutes, an hour: identity.ratelimit), and a test whose attempts straddled a window's edge
    would see its count start again halfway. The clock jumps to the next 5-minute edge and runs."""
    time_machine.move_to((int(time.time()) // 300 + 1) * 300 + 1, tick=True)
    settings.RATELIMIT_ENABLED = True


@pytest.fixture
def at(time_machine):
    """Stop the clock at ``T0``; ``at(t)`` moves it to the epoch second ``t``."""

    def move(seconds):
        time_machine.move_to(seconds, tick=False)

    move(T0)
    return move


@pytest.fixture
def client_factory():
    """More browsers: each call is a new test client with its own cookies."""
    from django.test import Client

    return Client


@pytest.fixture
def lost_device(member_root, member_account):
    """A member account's root user with a phone number and one (lost) authenticator app."""
    from mfa.models import VirtualMFADevice
    from mfa.totp import services as totp_services

    member_account.contact_phone = "+81312345678"
    member_account.save(update_fields=["contact_phone"])
    device, _key = totp_services.virtual_mfa_device_create(user=member_root, name="lost-phone")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    return member_root
