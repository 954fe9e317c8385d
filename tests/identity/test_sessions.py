"""identity.sessions: a session ended while one of its requests ran is not written back."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.core.cache import caches

from identity import sessions
from identity.cache import SharedClientRedisCache

pytestmark = pytest.mark.skipif(
    not isinstance(caches["default"], SharedClientRedisCache),
    reason="the sessions of the Redis cache (CI's); other caches keep Django's stores",
)


def test_redis_is_the_session_store():
    assert settings.SESSION_ENGINE == "identity.sessions"


def test_an_ended_session_is_not_brought_back_by_a_request_that_was_running():
    running = sessions.SessionStore()
    running["_auth_user_id"] = "1"
    running.save()
    key = running.session_key
    sessions.SessionStore(key).delete()  # ended elsewhere: End session, a password change
    running["seen"] = True  # the running request changed its session, and saves it at the end
    with pytest.raises(UpdateError):
        running.save()
    assert not sessions.SessionStore(key).exists(key)


def test_updates_keep_the_data_and_the_expiry():
    store = sessions.SessionStore()
    store["a"] = 1
    store.save()
    store["b"] = 2
    store.save()
    again = sessions.SessionStore(store.session_key)
    assert again.load() == {"a": 1, "b": 2}
    client = caches["default"]._cache.get_client(write=True)
    ttl = client.ttl(caches["default"].make_and_validate_key(store.cache_key))
    assert settings.SESSION_COOKIE_AGE - 5 < ttl <= settings.SESSION_COOKIE_AGE


def test_cycling_the_key_makes_a_new_session_and_ends_the_old():
    store = sessions.SessionStore()
    store["a"] = 1
    store.save()
    old = store.session_key
    store.cycle_key()
    store.save()
    assert store.session_key != old
    assert not sessions.SessionStore(old).exists(old)
    assert sessions.SessionStore(store.session_key).load() == {"a": 1}
