"""Start-up checks for combinations of settings that would be unsafe in production."""

from django.conf import settings
from django.core.checks import Error, register

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
