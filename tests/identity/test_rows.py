"""identity.rows: hand-written SELECTs give the instances the ORM would, related objects too."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity import rows, services
from identity.models import Account, User

pytestmark = pytest.mark.django_db

RELATED = ("account", "account__organization", "account__password_policy")


def fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_select_related_matches_the_orm_and_costs_one_query(alice, management_root):
    services.password_policy_set(actor=management_root, account=alice.account, max_password_age=90)
    expected = User.objects.select_related(*RELATED).get(pk=alice.pk)
    with CaptureQueriesContext(connection) as queries:
        (found,) = rows.select_related(User, RELATED, '"identity_user"."id" = %s', [alice.pk])
        assert fields(found) == fields(expected)
        assert fields(found.account) == fields(expected.account)
        assert fields(found.account.organization) == fields(expected.account.organization)
        assert found.account.password_policy.max_password_age == 90
        assert found.account.password_policy.account is found.account
    assert len(queries) == 1


def test_a_missing_related_object_is_cached_as_missing(alice, management_root):
    with CaptureQueriesContext(connection) as queries:
        (found,) = rows.select_related(User, RELATED, '"identity_user"."id" = %s', [alice.pk])
        assert not hasattr(found.account, "password_policy")  # no policy: no row, no query
    assert len(queries) == 1


def test_nothing_found_and_bad_paths(alice):
    assert rows.select_related(User, RELATED, '"identity_user"."id" = %s', [-1]) == []
    with pytest.raises(ValueError):
        rows.select_related(Account, ("users",), '"identity_account"."id" = %s', ["x"])


def test_annotations_are_set_on_the_instances(alice):
    (found,) = rows.select_related(
        User,
        ("account",),
        '"identity_user"."id" = %s',
        [alice.pk],
        annotate={"twice": '"identity_user"."id" * 2'},
    )
    assert found.twice == alice.pk * 2 and found.account.pk == alice.account_id
