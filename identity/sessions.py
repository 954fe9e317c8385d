"""Sessions in Redis (the default cache) that an update cannot bring back once ended.

Django's cache session store saves an existing session with a plain SET. A request of a session
that was ended meanwhile (*End session*, *Sign out other sessions*, a password change) would then
write it back when it finishes, signed in and with no row in ``identity.browser_sessions`` to end
it by. Here an update is ``SET … XX``: it writes only a session that still exists, and otherwise
fails the way Django's database store does (``UpdateError``: the middleware answers that the
session was deleted while the request ran). A new session (``create``, ``cycle_key``) is still an
``add``, which never overwrites one.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore

from .cache import SharedClientRedisCache


class SessionStore(CacheSessionStore):
    def save(self, must_create=False):
        backend = self._cache
        if (
            must_create
            or self.session_key is None
            or not isinstance(backend, SharedClientRedisCache)
        ):
            return super().save(must_create=must_create)
        client = backend._cache.get_client(write=True)
        data = backend._cache._serializer.dumps(self._get_session())
        if not client.set(
            backend.make_and_validate_key(self.cache_key), data, xx=True, ex=self.get_expiry_age()
        ):
            raise UpdateError
