"""The account password policy: the service, each rule's own refusal, reuse prevention."""

import pytest
from django.core.exceptions import ValidationError

from identity import passwords, services
from identity.audit_events import Event
from identity.models import AccountPasswordPolicy, AuditEvent, PasswordHistory

pytestmark = pytest.mark.django_db


def set_policy(root, **values):
    return services.password_policy_set(actor=root, account=root.account, **values)


def codes(error: ValidationError) -> list[str]:
    return [e.code for e in error.error_list]


def test_set_takes_aws_defaults_and_is_audited(management_root):
    policy = set_policy(management_root, require_numbers=True)
    assert policy.minimum_password_length == 8
    assert policy.require_numbers and not policy.require_symbols
    assert policy.max_password_age is None and policy.password_reuse_prevention is None
    event = AuditEvent.objects.get(event_name=Event.UPDATE_ACCOUNT_PASSWORD_POLICY.event_name)
    assert event.request_parameters["requireNumbers"] is True
    set_policy(management_root, minimum_password_length=20)
    policy = AccountPasswordPolicy.objects.get(account=management_root.account)
    assert policy.minimum_password_length == 20 and not policy.require_numbers  # replaced, as AWS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("minimum_password_length", 7),
        ("minimum_password_length", 129),
        ("max_password_age", 1096),
        ("password_reuse_prevention", 25),
    ],
)
def test_out_of_range_values_are_refused(management_root, field, value):
    with pytest.raises(ValidationError) as caught:
        set_policy(management_root, **{field: value})
    assert field in caught.value.message_dict
    assert caught.value.error_dict[field][0].code == "ValidationError"
    assert not AccountPasswordPolicy.objects.exists()


def test_delete_is_audited_and_a_missing_policy_is_no_such_entity(management_root):
    set_policy(management_root)
    services.password_policy_delete(actor=management_root, account=management_root.account)
    assert not AccountPasswordPolicy.objects.exists()
    assert AuditEvent.objects.filter(
        event_name=Event.DELETE_ACCOUNT_PASSWORD_POLICY.event_name
    ).exists()
    with pytest.raises(ValidationError) as caught:
        services.password_policy_delete(actor=management_root, account=management_root.account)
    assert caught.value.code == "NoSuchEntity"


@pytest.mark.parametrize(
    ("rule", "password", "code", "words"),
    [
        (
            {"minimum_password_length": 30},
            "Long-enough-but-29-characters",
            "password_policy_length",
            "at least 30 characters",
        ),
        (
            {"require_uppercase_characters": True},
            "all-lower-case-42!",
            "password_policy_uppercase",
            "uppercase letter",
        ),
        (
            {"require_lowercase_characters": True},
            "ALL-UPPER-CASE-42!",
            "password_policy_lowercase",
            "lowercase letter",
        ),
        (
            {"require_numbers": True},
            "No-Numbers-Here-At-All!",
            "password_policy_number",
            "one number",
        ),
        (
            {"require_symbols": True},
            "NoSymbolsHere2026abc",
            "password_policy_symbol",
            "one of these symbols",
        ),
    ],
)
def test_each_rule_is_refused_with_its_own_message(
    management_root, make_iam_user, rule, password, code, words
):
    alice = make_iam_user()
    set_policy(management_root, **rule)
    with pytest.raises(ValidationError) as caught:
        passwords.validate_password(password, alice)
    assert codes(caught.value) == [code]
    assert words in caught.value.messages[0]
    with pytest.raises(ValidationError):  # the administrator's reset too
        services.iam_user_console_access_set(actor=management_root, user=alice, password=password)


def test_tobira_rules_stay_and_the_policy_adds_to_them(management_root, make_iam_user):
    alice = make_iam_user()
    set_policy(management_root, require_symbols=True)
    with pytest.raises(ValidationError) as caught:
        passwords.validate_password("Short1", alice)
    assert "password_too_short" in codes(caught.value)
    assert "password_policy_symbol" in codes(caught.value)


def test_the_policy_binds_iam_users_not_root(management_root):
    set_policy(management_root, minimum_password_length=40, require_symbols=True)
    passwords.validate_password("A-root-password-2026", management_root)  # no error


def test_a_new_user_is_held_to_the_policy(management_root):
    set_policy(management_root, require_symbols=True)
    with pytest.raises(ValidationError):
        services.iam_user_create(
            actor=management_root,
            account=management_root.account,
            name="carol",
            password="NoSymbolsHere2026abc",
        )


def test_reuse_of_the_24th_last_is_refused_and_of_the_25th_accepted(
    management_root, make_iam_user, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 25 hashes
    alice = make_iam_user(password="Passphrase-number-01")
    for n in range(2, 26):
        services.iam_user_console_access_set(
            actor=management_root, user=alice, password=f"Passphrase-number-{n:02d}"
        )
    set_policy(management_root, password_reuse_prevention=24)
    assert PasswordHistory.objects.filter(user=alice).count() == 24
    for n in (2, 13, 25):  # the 24th-last, one between, the current one
        with pytest.raises(ValidationError) as caught:
            passwords.validate_password(f"Passphrase-number-{n:02d}", alice)
        assert codes(caught.value) == ["password_policy_reuse"]
        assert "last 24 passwords" in caught.value.messages[0]
    passwords.validate_password("Passphrase-number-01", alice)  # the 25th-last: accepted
    history = PasswordHistory.objects.filter(user=alice).values_list("password", flat=True)
    assert all(not h.startswith("Passphrase") for h in history)  # hashes, never the text


def test_requirements_are_listed_in_words(management_root):
    policy = set_policy(
        management_root, minimum_password_length=14, require_numbers=True, max_password_age=90
    )
    rules = passwords.requirements(policy)
    assert rules[0] == "At least 14 characters."
    assert "At least one number (0–9)." in rules
    assert "It expires after 90 days." in rules
    assert passwords.requirements(None) == []
