"""core.limits: count first, then decide; refuse when the count cannot be taken."""

import pytest
from django.test import override_settings

from conftest import free_port
from core import limits

from .servers import unreachable_redis_caches


def consume(key="alice", **kwargs):
    return limits.consume(group="test", key=key, limit=3, period=3600, **kwargs)


def test_the_attempt_over_the_limit_is_refused():
    assert [consume() for _ in range(5)] == [False, False, False, True, True]
    assert consume(key="bob") is False


def test_a_refund_gives_an_attempt_back():
    for _ in range(3):
        assert consume() is False
    limits.refund(group="test", key="alice", period=3600)
    assert consume() is False
    assert consume() is True


def test_a_refund_never_goes_below_zero(monkeypatch):
    """An attempt counted just before the hour turned and refunded after it must not give
    the new window extra attempts."""
    clock = [1_000 * 3600 - 1]
    monkeypatch.setattr(limits.time, "time", lambda: clock[0])
    for _ in range(3):
        assert consume() is False
    clock[0] += 2  # the next window
    for _ in range(3):
        limits.refund(group="test", key="alice", period=3600)
    assert [consume() for _ in range(4)] == [False, False, False, True]


def test_refunding_nothing_is_harmless():
    limits.refund(group="test", key="nobody", period=3600)
    assert consume(key="nobody") is False


@pytest.fixture
def redis_down():
    with override_settings(CACHES=unreachable_redis_caches(free_port())):
        yield


def test_with_the_cache_down_it_fails_closed_unless_told_otherwise(redis_down):
    assert consume() is True
    assert consume(fail_closed=False) is False
    limits.refund(group="test", key="alice", period=3600)  # no error either
