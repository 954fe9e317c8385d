"""The generation: every write to what the API caches moves it, whatever made the write; nothing
else does; and what the cached lookups read is all watched."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from identity import arns, generation, organization_units, services
from identity.credentials import selectors as credential_selectors
from identity.credentials import services as credential_services
from identity.credentials.models import AccessKey, SessionCredential, Status
from identity.models import AuditEvent, Group, User
from identity.policies import loading
from identity.policies import services as policies

UPDATE_LAST_USED = (
    'UPDATE "credentials_accesskey" SET "last_used_at" = %s, "last_used_service" = %s, '
    '"last_used_region" = %s WHERE ("credentials_accesskey"."id" = %s AND '
    '("credentials_accesskey"."last_used_at" IS NULL OR "credentials_accesskey"."last_used_at" < %s))'
)


@pytest.mark.parametrize(
    ("sql", "moves"),
    [
        ('SELECT "identity_user"."id" FROM "identity_user"', False),
        ('INSERT INTO "identity_user" ("name") VALUES (%s)', True),
        ('INSERT OR IGNORE INTO "identity_groupmembership" ("group_id") VALUES (%s)', True),
        ('DELETE FROM "credentials_sessioncredential" WHERE "id" IN (%s)', True),
        ('UPDATE "credentials_accesskey" SET "status" = %s WHERE "id" = %s', True),
        ('UPDATE "identity_user" SET "is_active" = %s WHERE "identity_user"."id" = %s', True),
        # Stamps of "last used" alone move nothing; with anything else they do.
        (UPDATE_LAST_USED, False),
        ('UPDATE "identity_user" SET "last_login" = %s WHERE "identity_user"."id" = %s', False),
        (
            'UPDATE "identity_user" SET "password_last_used" = %s, "last_login" = %s '
            'WHERE "identity_user"."id" = %s',
            False,
        ),
        (
            'UPDATE "identity_user" SET "last_login" = %s, "is_active" = %s WHERE "id" = %s',
            True,
        ),
        # Other tables: no.
        ('INSERT INTO "identity_auditevent" ("event_name") VALUES (%s)', False),
        ('UPDATE "tobira_cache" SET "value" = %s WHERE "cache_key" = %s', False),
        ('DELETE FROM "django_session" WHERE "session_key" = %s', False),
        # Whatever empties a watched table; any write that names one, in whatever shape.
        ('TRUNCATE "identity_auditevent", "identity_user", "django_session"', True),
        ('TRUNCATE "identity_auditevent", "django_session"', False),
        ('UPDATE identity_user SET is_active = false WHERE "identity_user".id = 1', True),
        ("update identity_user set is_active = false", True),
        ("update IDENTITY_USER set last_login = now()", True),  # unquoted: not read, so moved
        ('UPDATE "public"."identity_user" SET "last_login" = %s', True),  # schema: likewise
        ('/* tag */ UPDATE "credentials_accesskey" SET "status" = %s WHERE "id" = %s', True),
        ('WITH x AS (SELECT 1) DELETE FROM "identity_groupmembership" WHERE "user_id" = %s', True),
        # An ignored column set from a subquery, beside one that matters: the subquery's WHERE
        # does not end the SET list.
        (
            'UPDATE "credentials_accesskey" SET "last_used_at" = (SELECT U0."created" FROM '
            '"credentials_accesskey" U0 WHERE U0."id" = ("credentials_accesskey"."id") LIMIT 1), '
            '"status" = %s WHERE "credentials_accesskey"."id" = %s',
            True,
        ),
        (
            'UPDATE "credentials_accesskey" SET "last_used_at" = (SELECT U0."created" FROM '
            '"credentials_accesskey" U0 WHERE U0."id" = 1 LIMIT 1) WHERE "id" = %s',
            False,
        ),
        # A table whose name starts like a watched one is not it.
        ('INSERT INTO "identity_usertag" ("key") VALUES (%s)', False),
        ("BEGIN", False),
        ('SAVEPOINT "s1"', False),
        ('SELECT * FROM "identity_user" FOR UPDATE', False),
    ],
)
def test_which_statements_move_the_generation(sql, moves):
    assert generation.moves_generation(sql) is moves


@pytest.fixture
def watching():
    """Counts the moves of the generation during the test."""
    moves = []
    original = generation.bump

    def counting():
        moves.append(1)
        original()

    generation.bump = counting
    yield moves
    generation.bump = original


@pytest.mark.django_db
def test_writes_that_bypass_the_models_signals_move_it_too(watching, management_root):
    user = services.iam_user_create(actor=None, account=management_root.account, name="bob")
    key, _secret = credential_services.access_key_create(actor=None, user=user)
    before = generation.current()

    del watching[:]
    AccessKey.objects.filter(pk=key.pk).update(status=Status.INACTIVE)  # no signal sent
    assert watching
    after = generation.current()
    assert after != before

    del watching[:]
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert watching

    del watching[:]
    with connection.cursor() as cursor:  # raw SQL through Django
        cursor.execute('DELETE FROM "identity_groupmembership" WHERE "user_id" = %s', [user.pk])
    assert watching


@pytest.mark.django_db
def test_stamps_of_last_use_and_the_audit_trail_do_not_move_it(watching, management_root):
    user = services.iam_user_create(actor=None, account=management_root.account, name="bob")
    key, _secret = credential_services.access_key_create(actor=None, user=user)
    del watching[:]
    before = generation.current()
    credential_services.access_key_mark_used(key, service="iam", region="us-east-1")
    assert AccessKey.objects.get(pk=key.pk).last_used_service == "iam"
    User.objects.filter(pk=user.pk).update(last_login=user.created)
    assert AuditEvent.objects.exists()
    assert not watching
    assert generation.current() == before


@pytest.mark.django_db(transaction=True)
def test_it_moves_again_when_the_writing_transaction_commits(watching, management_root):
    account = management_root.account
    del watching[:]
    with transaction.atomic():
        Group.objects.create(
            account=account, name="ops", arn=arns.group(account.id, "/", "ops"), path="/"
        )
        Group.objects.filter(account=account).update(path="/x/")
        during = len(watching)
        assert during == 2  # at once, each statement
    assert len(watching) == during + 1  # and once more on commit, once per transaction


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_does_not_move_it_on_commit(watching, management_root):
    account = management_root.account
    del watching[:]
    with pytest.raises(RuntimeError), transaction.atomic():
        Group.objects.filter(account=account).update(path="/x/")
        raise RuntimeError
    assert len(watching) == 1  # the statement's; no commit
    with transaction.atomic():
        Group.objects.filter(account=account).update(path="/y/")
    assert len(watching) == 3  # the next transaction still queues its own


def _tables(sql: str) -> set[str]:
    return set(re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', sql))


@pytest.mark.django_db
def test_what_the_api_caches_is_read_only_from_watched_tables(
    make_iam_user, member_account, member_root
):
    """Loading a signing key and a principal's policies, in their widest form (a member account
    in an OU, with custom SCPs on both, a user in a group, inline, AWS managed and customer managed policies, a
    session credential), reads no table that ``WATCHED`` leaves out: a new table read there
    must be watched too, or the cache would keep what it says."""
    organization = member_account.organization
    user = make_iam_user(account=member_account, name="wide")
    group = services.group_create(actor=None, account=member_account, name="team")
    services.group_member_set(actor=None, group=group, user=user, member=True)
    document = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}'
    policies.inline_policy_put(actor=None, group=group, name="GroupInline", document=document)
    customer = policies.customer_policy_create(
        actor=None, account=member_account, name="Custom", document=document
    )
    for arn in (customer.arn, arns.aws_managed_policy("IAMReadOnlyAccess")):
        policies.policy_attach(actor=None, account=member_account, policy_arn=arn, user=user)
    scp = policies.scp_create(
        actor=None, organization=organization, name="Guard", document=document
    )
    policies.scp_attach(
        actor=None, organization=organization, policy_arn=scp.arn, account=member_account
    )
    unit = organization_units.organizational_unit_create(
        actor=None, organization=organization, parent=None, name="Engineering"
    )
    policies.scp_attach(
        actor=None, organization=organization, policy_arn=scp.arn, organizational_unit=unit
    )
    organization_units.account_move(actor=None, account=member_account, destination=unit)
    key, _secret = credential_services.access_key_create(actor=None, user=user)
    session = SessionCredential.objects.create(
        access_key_id="ASIA" + "T" * 16,
        user=user,
        account_id=user.account_id,
        parent=key,
        secret_encrypted=key.secret_encrypted,
        token_sha256="0" * 64,
        expires_at=key.created,
    )

    with CaptureQueriesContext(connection) as captured:
        found = credential_selectors.signing_key_lookup(key.access_key_id)
        assert credential_selectors.signing_key_lookup(session.access_key_id).parent == key
        loaded = loading.principal_policies(found.user)
    assert len(loaded.identity) == 5  # the baseline, SelfService and GroupInline, two attached
    assert [name for name, _policies in loaded.scp_levels] == [
        "organization root",
        f"OU Engineering ({unit.pk})",
        "account",
    ]
    read = set().union(*(_tables(query["sql"]) for query in captured.captured_queries))
    assert read, "no query was captured"
    assert read <= set(generation.WATCHED), read - set(generation.WATCHED)


def test_the_process_cache_trusts_an_entry_only_under_its_generation(monkeypatch):
    cache = generation.ProcessCache(size=2)
    assert cache.get("k", "g1") is None
    cache.put("k", "g1", "v")
    assert cache.get("k", "g1") == "v"
    assert cache.get("k", "g2") is None  # another generation: not this entry
    assert cache.get("k", None) is None  # no generation (no shared cache): never
    cache.put("other", "g2", "w")  # a new generation starts afresh
    assert cache.get("k", "g1") is None and cache.get("other", "g2") == "w"
    cache.put("a", "g2", 1)
    cache.put("b", "g2", 2)  # past its size, it starts afresh too
    assert cache.get("other", "g2") is None and cache.get("b", "g2") == 2
    now = generation.time.monotonic()
    monkeypatch.setattr(generation.time, "monotonic", lambda: now + generation.MAX_AGE + 1)
    assert cache.get("b", "g2") is None  # and it trusts nothing longer than MAX_AGE
    loads = []
    assert cache.get_or_load("c", "g3", lambda: loads.append(1) or "x") == "x"
    assert cache.get_or_load("c", "g3", lambda: loads.append(1) or "y") == "x"
    assert loads == [1]


def test_without_a_shared_cache_nothing_is_cached(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert generation.current() is None


@pytest.mark.django_db(transaction=True)
def test_with_the_database_cache_a_transaction_moves_it_on_commit_only(
    watching, management_root, monkeypatch
):
    """Django's database cache keeps the generation in a row: written inside the writer's
    transaction it would be a lock two writers could take in opposite orders."""
    monkeypatch.setattr(generation, "_in_database", lambda: True)
    account = management_root.account
    del watching[:]
    with transaction.atomic():
        Group.objects.filter(account=account).update(path="/x/")
        assert watching == []
    assert len(watching) == 1
    Group.objects.filter(account=account).update(path="/y/")  # autocommit: committed at once
    assert len(watching) == 2


def test_the_database_cache_is_told_apart(monkeypatch):
    assert not generation._in_database()  # the tests' Redis
    database = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache"}}
    monkeypatch.setattr(generation, "settings", SimpleNamespace(CACHES=database))
    assert generation._in_database()
