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


def test_hits_count_per_key_and_take_back_undoes_one(settings):
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMITS = {"t": "2/m/user"}
    request = RequestFactory().get("/")
    for _ in range(2):
        assert not ratelimit.is_limited("t", request=request, user_key="a")
        ratelimit.hit("t", request=request, user_key="a")
    assert ratelimit.is_limited("t", request=request, user_key="a")
    assert not ratelimit.is_limited("t", request=request, user_key="b")
    ratelimit.take_back("t", request=request, user_key="a")
    assert not ratelimit.is_limited("t", request=request, user_key="a")


def test_window_expires(settings, time_machine):
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMITS = {"t": "1/m/ip"}
    request = RequestFactory().get("/")
    time_machine.move_to("2026-01-01T00:00:10Z", tick=False)
    ratelimit.hit("t", request=request)
    assert ratelimit.is_limited("t", request=request)
    time_machine.move_to("2026-01-01T00:01:05Z", tick=False)
    assert not ratelimit.is_limited("t", request=request)


def test_unknown_limit_name_is_a_configuration_error(settings):
    settings.RATELIMIT_ENABLED = True
    with pytest.raises(ImproperlyConfigured):
        ratelimit.is_limited("nope", request=RequestFactory().get("/"))
