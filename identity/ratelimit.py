"""Named rate limits kept in the shared cache.

A limit is named in ``settings.RATELIMITS`` as comma-separated rules
``N/period/scope``: ``"20/m/ip,5/5m/user"`` allows 20 hits a minute from one
address and 5 hits in five minutes for one user key. Periods are ``s``, ``m``,
``h`` or ``d`` with an optional multiplier (``5m``). Scopes are ``ip`` (the
client address) and ``user`` (whatever key the caller names: the identifier
typed into a form, so unknown users are limited exactly like known ones).

Counters are fixed windows in the cache (Redis in production), so every web
process sees the same counts. Keys hold a hash of the value, never the value:
an email address typed into the sign-in form does not end up in Redis.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from .requestinfo import client_ip

_RULE = re.compile(r"^(\d+)/(\d*)([smhd])/(ip|user)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rule:
    limit: int
    period: int
    scope: str


@memoize
def parse(spec: str) -> tuple[Rule, ...]:
    rules = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        match = _RULE.match(part)
        if not match:
            raise ImproperlyConfigured(
                f"bad rate limit rule {part!r}: use N/period/scope, e.g. 5/5m/user"
            )
        count, multiplier, unit, scope = match.groups()
        rules.append(Rule(int(count), int(multiplier or 1) * _SECONDS[unit], scope))
    return tuple(rules)


def _rules(name: str) -> tuple[Rule, ...]:
    try:
        return parse(settings.RATELIMITS[name])
    except KeyError:
        raise ImproperlyConfigured(f"no rate limit named {name!r} in settings.RATELIMITS") from None


def _keys(name: str, request, user_key: str | None) -> list[tuple[str, Rule]]:
    now = int(time.time())
    keys = []
    for rule in _rules(name):
        value = client_ip(request) if rule.scope == "ip" else user_key
        if not value:
            continue
        digest = hashlib.sha256(f"{rule.scope}:{value}".encode()).hexdigest()[:32]
        window = now // rule.period
        keys.append((f"rl:{name}:{rule.limit}/{rule.period}:{digest}:{window}", rule))
    return keys


def is_limited(name: str, *, request, user_key: str | None = None) -> bool:
    """True when any rule of ``name`` has used up its window. Counts nothing."""
    if not settings.RATELIMIT_ENABLED:
        return False
    keys = _keys(name, request, user_key)
    counts = cache.get_many([key for key, _ in keys])
    return any(counts.get(key, 0) >= rule.limit for key, rule in keys)


def hit(name: str, *, request, user_key: str | None = None) -> None:
    """Count one attempt against every rule of ``name``."""
    if not settings.RATELIMIT_ENABLED:
        return
    for key, rule in _keys(name, request, user_key):
        # add() is a no-op when the key exists; incr() is atomic in Redis.
        cache.add(key, 0, timeout=rule.period + 1)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=rule.period + 1)


def take_back(name: str, *, request, user_key: str | None = None) -> None:
    """Undo one's own earlier hit (after a success), never anybody else's."""
    if not settings.RATELIMIT_ENABLED:
        return
    for key, _rule in _keys(name, request, user_key):
        try:
            if cache.decr(key) < 0:
                cache.set(key, 0)
        except ValueError:
            pass
