import json

import pytest
from django.urls import reverse

from identity import audit
from identity.audit_events import Event, Source
from identity.models import AuditEvent
from tests.conftest import PASSWORD, signin_iam, signin_root

pytestmark = pytest.mark.django_db


def test_audit_events_are_append_only(management_root):
    event = AuditEvent.objects.first()
    event.event_name = "Tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().update(event_name="Tampered")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


def test_every_event_name_is_unique_within_its_source():
    members = list(Event.__members__.values())  # aliases too: a duplicate value would be one
    pairs = [(m.event_name, m.source) for m in members]
    assert len(set(pairs)) == len(pairs) == len(Event)
    assert all(isinstance(m.source, Source) and m.event_name for m in members)


def test_record_takes_an_event_not_a_string(management_root):
    with pytest.raises(TypeError):
        audit.record("CreateUser", actor=management_root)
    assert not AuditEvent.objects.filter(event_name="CreateUser").exists()


def test_a_refusal_is_recorded_under_the_refused_action(management_root):
    event = audit.record_refusal(
        "organizations:CreateAccount", request=None, error_message="explicit deny"
    )
    assert (event.event_name, event.event_source, event.error_code) == (
        "CreateAccount",
        "organizations.tobira",
        "AccessDenied",
    )


def test_secret_looking_keys_never_reach_the_trail(management_root):
    event = audit.record(
        Event.CREATE_USER,
        actor=management_root,
        request_parameters={
            "userName": "alice",
            "newPassword": "hunter2",
            "password": "hunter2",
            "secret_access_key": "abc",
            "nested": [{"authCode": "123456", "deviceName": "phone"}],
            "passwordResetRequired": True,
        },
    )
    assert event.request_parameters == {
        "userName": "alice",
        "nested": [{"deviceName": "phone"}],
        "passwordResetRequired": True,
    }


def test_no_password_appears_anywhere_in_the_trail(client, management_root, make_iam_user):
    make_iam_user(name="alice")
    signin_root(client, "root@example.test")
    client.post(
        reverse("console:user_create", args=[management_root.account_id]),
        {
            "name": "carol",
            "path": "/",
            "console_access": "on",
            "password_kind": "custom",
            "password": "Carol-Secret-9a!x",
        },
    )
    client.post(reverse("accounts:signout"))
    signin_iam(client, "example-corp", "alice", "Wrong-Guess-1234")
    signin_iam(client, "example-corp", "alice")
    client.post(
        reverse("accounts:change_password"),
        {
            "old_password": PASSWORD,
            "new_password1": "Alice-New-Pass-77",
            "new_password2": "Alice-New-Pass-77",
        },
    )
    trail = json.dumps(
        list(
            AuditEvent.objects.values(
                "request_parameters", "response_elements", "additional_event_data", "error_message"
            )
        )
    )
    assert AuditEvent.objects.count() >= 8
    for secret in (PASSWORD, "Carol-Secret-9a!x", "Wrong-Guess-1234", "Alice-New-Pass-77"):
        assert secret not in trail
