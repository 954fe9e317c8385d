"""Named rate limits kept in the shared cache.

A limit is named in ``settings.RATELIMITS`` as comma-separated rules
``N/period/scope``: ``"20/m/ip,5/5m/user"`` allows 20 hits a minute from one
address and 5 hits in five minutes for one user key. Periods are ``s``, ``m``,
``h`` or ``d`` with an optional multiplier (``5m``). Scopes are ``ip`` (the
client address) and ``user`` (whatever key the caller names: the identifier
typed into a form, so unknown users are limited exactly like known ones).

Counters are fixed windows in the cache (Redis in production), so every web
process sees the same counts. Every attempt is counted before it is judged,
with Redis's atomic INCR; production refuses to start on a cache without
atomic increments (``identity.checks``). On Redis, all the rules of one limit
are counted (or given back) by one Lua script: one round trip, not three
commands per rule (docs/performance.md). Keys hold a hash of the value, never the value:
an email address typed into the sign-in form does not end up in Redis.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import time
from dataclasses import dataclass
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache, caches
from django.core.exceptions import ImproperlyConfigured

from . import metrics
from .cache import SharedClientRedisCache
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


def _ip_bucket(request) -> str:
    """One bucket per IPv4 address and per IPv6 /64 (what one subscriber gets).

    An address that cannot be read shares a single "unknown" bucket: a limit
    must never fail open.
    """
    address = client_ip(request)
    if address is None:
        return "unknown"
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


def _keys(
    name: str, request, user_key: str | None, device_key: str | None = None
) -> list[tuple[str, Rule]]:
    now = int(time.time())
    keys = []
    for rule in _rules(name):
        value = _ip_bucket(request) if rule.scope == "ip" else (device_key or user_key)
        if not value:
            continue
        digest = hashlib.sha256(f"{rule.scope}:{value}".encode()).hexdigest()[:32]
        window = now // rule.period
        keys.append((f"rl:{name}:{rule.limit}/{rule.period}:{digest}:{window}", rule))
    return keys


# KEYS: the counters; ARGV: each one's lifetime in seconds. Each counter goes up by one (a new
# one starts at 1 and gets its lifetime); the counts come back in order.
_COUNT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if redis.call('TTL', key) == -1 then redis.call('EXPIRE', key, ARGV[i]) end
end
return counts
"""
# Each counter that still exists goes down by one, never under zero, keeping its lifetime.
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 and redis.call('DECR', key) < 0 then
    redis.call('SET', key, 0, 'KEEPTTL')
  end
end
return 0
"""
_scripts: dict[tuple[int, str], object] = {}


def _script(source: str):
    """``source`` registered with the Redis client of the default cache, or None when the cache
    is not Redis (then each rule is counted with the cache's own add and incr)."""
    backend = caches["default"]
    if not isinstance(backend, SharedClientRedisCache):  # one client per pool: scripts kept once
        return None
    client = backend._cache.get_client(write=True)
    script = _scripts.get((id(client), source))
    if script is None:
        script = _scripts[(id(client), source)] = client.register_script(source)
    return script


def _cache_keys(keys: list[tuple[str, Rule]]) -> list[str]:
    return [caches["default"].make_and_validate_key(key) for key, _rule in keys]


@dataclass(frozen=True)
class Attempt:
    allowed: bool
    just_tripped: bool = False  # the first refusal in this window: worth one audit event


_ALLOWED = Attempt(allowed=True)


def attempt(
    name: str, *, request, user_key: str | None = None, device_key: str | None = None
) -> Attempt:
    """Count this attempt against every rule of ``name``, then decide from the counts.

    ``device_key`` (a trusted browser's, ``accounts.device_cookies``) takes the place of
    ``user_key`` in the ``user`` rules: that browser's failures and the user's are counted apart.

    Counting comes first and is atomic (Redis INCR), so parallel requests
    cannot all slip past a check made before any of them was counted. A caller
    whose attempt turned out to be legitimate gives it back with ``take_back``.
    """
    if not settings.RATELIMIT_ENABLED:
        return _ALLOWED
    allowed, just_tripped = True, False
    keys = _keys(name, request, user_key, device_key)
    script = _script(_COUNT) if keys else None
    if script is not None:
        counts = script(keys=_cache_keys(keys), args=[rule.period + 1 for _key, rule in keys])
    else:
        counts = [_count_one(key, rule) for key, rule in keys]
    for (_key, rule), count in zip(keys, counts, strict=True):
        if count > rule.limit:
            allowed = False
            just_tripped = just_tripped or count == rule.limit + 1
    if not allowed:
        metrics.ratelimit(name, tripped=just_tripped)
    return Attempt(allowed=allowed, just_tripped=just_tripped)


def _count_one(key: str, rule: Rule) -> int:
    cache.add(key, 0, timeout=rule.period + 1)  # a no-op when the key exists
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=rule.period + 1)
        return 1


def exceeded(name: str, *, request, user_key: str | None = None) -> bool:
    """Whether ``name``'s limits are already used up (the next ``attempt`` would be refused),
    without counting one: a caller refuses early, or reads a budget it charges only later."""
    if not settings.RATELIMIT_ENABLED:
        return False
    keys = _keys(name, request, user_key)
    values = cache.get_many([key for key, _rule in keys])
    return any((values.get(key) or 0) >= rule.limit for key, rule in keys)


def exceeded_reading(
    name: str, *, request, user_key: str | None = None, also: tuple[str, ...] = ()
) -> tuple[bool, dict]:
    """``exceeded``, and the cache's values of the keys ``also``, read in the same round trip."""
    keys = _keys(name, request, user_key) if settings.RATELIMIT_ENABLED else []
    wanted = [key for key, _rule in keys] + list(also)
    values = cache.get_many(wanted) if wanted else {}
    return any((values.get(key) or 0) > rule.limit for key, rule in keys), values


def take_back(
    name: str, *, request, user_key: str | None = None, device_key: str | None = None
) -> None:
    """Undo one's own attempt (after a success), never anybody else's."""
    if not settings.RATELIMIT_ENABLED:
        return
    keys = _keys(name, request, user_key, device_key)
    script = _script(_GIVE_BACK) if keys else None
    if script is not None:
        script(keys=_cache_keys(keys))
        return
    for key, _rule in keys:
        try:
            if cache.decr(key) < 0:
                cache.set(key, 0)
        except ValueError:
            pass
