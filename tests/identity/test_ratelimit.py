import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from identity import ratelimit


def test_rules_parse():
    assert ratelimit.parse("20/m/ip, 5/5m/user") == (
        ratelimit.Rule(20, 60, "ip"),
        ratelimit.Rule(5, 300, "user"),
    )
    assert ratelimit.parse("1/2h/user") == (ratelimit.Rule(1, 7200, "user"),)


@pytest.mark.parametrize("spec", ["5/m", "x/m/ip", "5/w/ip", "5/m/host"])
def test_bad_rules_are_refused_at_start(spec):
    ratelimit.parse.cache_clear()
    with pytest.raises(ImproperlyConfigured):
        ratelimit.parse(spec)


@pytest.fixture
def limits(settings):
    settings.RATELIMIT_ENABLED = True

    def set_rules(spec):
        settings.RATELIMITS = {"t": spec}

    return set_rules


def test_attempts_count_per_key_and_take_back_undoes_one(limits):
    limits("2/m/user")
    request = RequestFactory().get("/")
    first = ratelimit.attempt("t", request=request, user_key="a")
    second = ratelimit.attempt("t", request=request, user_key="a")
    third = ratelimit.attempt("t", request=request, user_key="a")
    fourth = ratelimit.attempt("t", request=request, user_key="a")
    assert (first.allowed, second.allowed, third.allowed, fourth.allowed) == (
        True,
        True,
        False,
        False,
    )
    assert (third.just_tripped, fourth.just_tripped) == (True, False)
    assert ratelimit.attempt("t", request=request, user_key="b").allowed

    for _ in range(3):
        ratelimit.take_back("t", request=request, user_key="a")
    assert ratelimit.attempt("t", request=request, user_key="a").allowed


def test_window_expires(limits, time_machine):
    limits("1/m/ip")
    request = RequestFactory().get("/")
    time_machine.move_to("2026-01-01T00:00:10Z", tick=False)
    assert ratelimit.attempt("t", request=request).allowed
    assert not ratelimit.attempt("t", request=request).allowed
    time_machine.move_to("2026-01-01T00:01:05Z", tick=False)
    assert ratelimit.attempt("t", request=request).allowed


def test_parallel_attempts_cannot_overshoot_the_limit(limits):
    """Counting comes before judging, atomically: 40 racing attempts, exactly 5 allowed."""
    limits("5/m/user")
    barrier = threading.Barrier(40)
    results = []

    def one():
        request = RequestFactory().get("/")
        barrier.wait()
        results.append(ratelimit.attempt("t", request=request, user_key="victim").allowed)

    threads = [threading.Thread(target=one) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 5


@pytest.mark.parametrize(
    ("first", "second", "same_bucket"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),  # one /64
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("::ffff:192.0.2.1", "192.0.2.1", True),  # IPv4-mapped is the IPv4 address
        ("192.0.2.1", "192.0.2.2", False),
        (
            "not-an-address",
            "also/not",
            True,
        ),  # unreadable addresses share one bucket: never fail open
    ],
)
def test_ip_buckets(limits, first, second, same_bucket):
    limits("1/m/ip")
    assert ratelimit.attempt("t", request=RequestFactory().get("/", REMOTE_ADDR=first)).allowed
    again = ratelimit.attempt("t", request=RequestFactory().get("/", REMOTE_ADDR=second)).allowed
    assert again is not same_bucket


def test_unknown_limit_name_is_a_configuration_error(settings):
    settings.RATELIMIT_ENABLED = True
    with pytest.raises(ImproperlyConfigured):
        ratelimit.attempt("nope", request=RequestFactory().get("/"))


def test_on_redis_each_limit_is_one_round_trip_and_every_counter_expires(limits):
    """All the rules of a limit are counted, and given back, by one script each; a counter never
    outlives its window, and giving back never takes it under zero."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.skip("the script runs on Redis only (CI's cache)")
    limits("3/m/ip,2/5m/user")
    request = RequestFactory().get("/")
    client = backend._cache.get_client(write=True)
    sent = []
    original = type(client).execute_command

    def execute(self, *args, **kwargs):
        sent.append(args[0])
        return original(self, *args, **kwargs)

    type(client).execute_command = execute
    try:
        assert ratelimit.attempt("t", request=request, user_key="a").allowed
        assert sent == ["EVALSHA"]
        sent.clear()
        ratelimit.take_back("t", request=request, user_key="a")
        ratelimit.take_back("t", request=request, user_key="a")  # more than was counted
        assert sent == ["EVALSHA", "EVALSHA"]
    finally:
        type(client).execute_command = original
    keys = [backend.make_and_validate_key(key) for key, _rule in ratelimit._keys("t", request, "a")]
    assert [int(client.get(key)) for key in keys] == [0, 0]
    ttls = [client.ttl(key) for key in keys]
    assert 0 < ttls[0] <= 61 and 60 < ttls[1] <= 301, ttls


def test_giving_back_what_was_never_counted_creates_nothing(limits):
    from django.core.cache import caches

    limits("3/m/ip,2/5m/user")
    request = RequestFactory().get("/")
    ratelimit.take_back("t", request=request, user_key="nobody")
    keys = [key for key, _rule in ratelimit._keys("t", request, "nobody")]
    assert caches["default"].get_many(keys) == {}


def test_deploy_check_warns_unless_redis_never_evicts(monkeypatch):
    from django.core.cache import caches

    from identity.cache import SharedClientRedisCache
    from identity.checks import redis_never_evicts

    backend = caches["default"]
    if not isinstance(backend, SharedClientRedisCache):
        pytest.skip("Redis only")
    client = backend._cache.get_client(write=True)
    monkeypatch.setattr(type(client), "config_get", lambda self, name: {name: "volatile-lru"})
    (warning,) = redis_never_evicts(None)
    assert warning.id == "tobira.W001" and "volatile-lru" in warning.msg
    monkeypatch.setattr(type(client), "config_get", lambda self, name: {name: "noeviction"})
    assert redis_never_evicts(None) == []
