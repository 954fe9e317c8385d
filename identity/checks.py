"""Start-up checks for combinations of settings that would be unsafe in production."""

from django.conf import settings
from django.core.checks import Error, Warning, register

ATOMIC_CACHES = {
    "django.core.cache.backends.redis.RedisCache",
    "identity.cache.SharedClientRedisCache",
}


@register(deploy=True)
def rate_limits_need_atomic_counters(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.RATELIMIT_ENABLED and backend not in ATOMIC_CACHES:
        return [
            Error(
                f"Rate limits need a cache with atomic increments; {backend} is not one.",
                hint="Set CACHE_URL=redis://... (several web processes share the counters there).",
                id="tobira.E001",
            )
        ]
    return []


@register(deploy=True)
def redis_never_evicts(app_configs, **kwargs):
    """Redis keeps the sessions and the rate-limit counters, all with an expiry: a memory policy
    that evicts (``volatile-*`` or ``allkeys-*``) would drop them, signing people out and giving
    attackers a fresh budget. With ``noeviction`` a full Redis refuses writes: sign-ins fail
    closed."""
    if settings.CACHES["default"]["BACKEND"] not in ATOMIC_CACHES:
        return []
    from django.core.cache import caches

    try:
        client = caches["default"]._cache.get_client(write=True)
        policy = client.config_get("maxmemory-policy").get("maxmemory-policy")
    except Exception as error:  # no CONFIG permission, a proxy: say so, do not fail the start
        policy = f"unknown ({type(error).__name__})"
    if policy == "noeviction":
        return []
    return [
        Warning(
            f"Redis's maxmemory-policy is {policy}, not noeviction.",
            hint="Set maxmemory-policy noeviction: sessions and rate-limit counters must never "
            "be evicted (docs/configuration.md).",
            id="tobira.W001",
        )
    ]
