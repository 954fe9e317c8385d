from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from console.management.commands.demo_data import DEMO_PASSWORD, DEMO_ROOT_EMAIL
from identity.models import Account, User
from tests.conftest import signin_iam, signin_root

pytestmark = pytest.mark.django_db


def test_demo_data_is_idempotent_and_its_users_sign_in(client):
    out = StringIO()
    call_command("demo_data", stdout=out)
    assert "Demo data created." in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue() and DEMO_ROOT_EMAIL in out.getvalue()
    call_command("demo_data", stdout=StringIO())
    assert Account.objects.count() == 2
    assert User.objects.filter(kind="iam").count() == 32

    assert signin_root(client, DEMO_ROOT_EMAIL, DEMO_PASSWORD).status_code == 302
    client.post(reverse("accounts:signout"))
    assert signin_iam(client, "demo-corp", "alice", DEMO_PASSWORD)["Location"] == reverse(
        "console:home"
    )
    client.post(reverse("accounts:signout"))
    assert signin_iam(client, "demo-corp", "bob", DEMO_PASSWORD)["Location"] == reverse(
        "accounts:change_password"
    )
