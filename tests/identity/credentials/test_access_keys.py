"""Access keys (identity/credentials/services.py): the service that creates them locks the user."""

import pytest
from django.core.exceptions import ValidationError

from identity.credentials import services as access_keys
from identity.credentials.models import AccessKey

pytestmark = pytest.mark.django_db


def test_a_user_has_at_most_two_keys(alice):
    # The user row is locked while the slots are counted: on PostgreSQL a FOR UPDATE over the
    # outer join to the account was refused outright, so no key could be created at all.
    first, secret = access_keys.access_key_create(actor=None, user=alice)
    assert first.access_key_id.startswith("AKIA") and len(secret) == 40
    access_keys.access_key_create(actor=None, user=alice)
    with pytest.raises(ValidationError) as error:
        access_keys.access_key_create(actor=None, user=alice)
    assert error.value.code == "LimitExceeded"
    assert AccessKey.objects.filter(user=alice).count() == 2
