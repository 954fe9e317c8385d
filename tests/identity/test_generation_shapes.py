"""Writes to watched tables in shapes the first pattern of identity.generation did not read (it
failed open, and the API kept serving a deactivated key or user until MAX_AGE; a security
review found them). Each statement below changes what a signed call is allowed, and moves the
generation; and GetUser of the caller shows its row as it is now."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.db.models.sql.subqueries import UpdateQuery

from identity import generation
from identity.credentials.models import AccessKey, Status
from identity.models import User
from tests.support import aws


def _update_sql(queryset, **values) -> str:
    """The SQL ``queryset.update(**values)`` sends (the execute wrapper sees this text)."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    return query.get_compiler(connection=connection).as_sql()[0]


def _last_used_from_a_subquery():
    return Subquery(AccessKey.objects.filter(pk=OuterRef("pk")).values("created")[:1])


@pytest.mark.django_db
def test_an_orm_update_that_stamps_last_use_from_a_subquery_and_deactivates_moves_it():
    # The SET list must not end at the subquery's " WHERE ": "status" is set too.
    sql = _update_sql(
        AccessKey.objects.filter(pk=1),
        last_used_at=_last_used_from_a_subquery(),
        status=Status.INACTIVE,
    )
    assert '"status" = %s' in sql
    assert generation.moves_generation(sql)


@pytest.mark.parametrize(
    "sql",
    [
        # Schema-qualified.
        'UPDATE "public"."identity_user" SET "is_active" = false WHERE "id" = %s',
        'DELETE FROM "public"."identity_groupmembership" WHERE "user_id" = %s',
        # A leading comment (query tagging, an operator's annotated script).
        '/* disable */ UPDATE "credentials_accesskey" SET "status" = %s WHERE "id" = %s',
        # A CTE in front of the write.
        'WITH x AS (SELECT 1) DELETE FROM "identity_groupmembership" WHERE "user_id" = %s',
    ],
)
def test_writes_to_watched_tables_in_other_shapes_move_it(sql):
    assert generation.moves_generation(sql)


def _call(client, keys, action="GetUser"):
    return aws.signed_client_call(client, keys, action)


@pytest.mark.django_db
def test_a_key_deactivated_by_such_an_update_stops_working(client, management_root):
    keys = aws.access_key(management_root)
    assert _call(client, keys).status_code == 200  # the key is now in the process's cache
    AccessKey.objects.filter(access_key_id=keys[0]).update(
        last_used_at=_last_used_from_a_subquery(), status=Status.INACTIVE
    )
    assert AccessKey.objects.get(access_key_id=keys[0]).status == Status.INACTIVE
    response = _call(client, keys)
    assert response.status_code == 403, response.content[:200]  # InvalidClientTokenId


@pytest.mark.django_db
def test_a_user_deactivated_by_such_an_update_stops_working(client, make_iam_user):
    user = make_iam_user(name="leaver")
    keys = aws.access_key(user)
    assert _call(client, keys).status_code == 200  # the key is now in the process's cache
    User.objects.filter(pk=user.pk).update(
        last_login=Subquery(User.objects.filter(pk=OuterRef("pk")).values("created")[:1]),
        is_active=False,
    )
    response = _call(client, keys)
    assert response.status_code == 403, response.content[:200]  # InvalidClientTokenId


@pytest.mark.django_db
def test_get_user_without_a_name_shows_the_password_last_used_now(client, make_iam_user):
    """``WATCHED`` ignores ``password_last_used`` (a sign-in must not empty every cache); GetUser
    without UserName reads the caller's row again rather than the key's cached copy."""
    from datetime import UTC, datetime

    from api.protocol import _timestamp

    user = make_iam_user(name="reader")
    keys = aws.access_key(user)
    assert b"PasswordLastUsed" not in _call(client, keys).content  # cached, never signed in
    signed_in = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    user.password_last_used = user.last_login = signed_in
    user.save(update_fields=["password_last_used", "last_login"])  # accounts.flows' sign-in
    assert _timestamp(signed_in).encode() in _call(client, keys).content
