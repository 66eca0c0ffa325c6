"""core.cache.DatabaseCache: the cache every worker shares when REDIS_URL is unset."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections
from django.test import RequestFactory, override_settings
from django.utils import timezone
from django_ratelimit.core import get_usage

from core.cache import TABLE

DATABASE_CACHE = {
    "default": {
        "BACKEND": "core.cache.DatabaseCache",
        "LOCATION": TABLE,
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    }
}


@pytest.fixture
def cache(db):
    with override_settings(CACHES=DATABASE_CACHE):
        yield caches["default"]


def _expires(key):
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM sportello_cache WHERE cache_key = %s", [f":1:{key}"])
        return cursor.fetchone()[0]


def _expire(key):
    past = timezone.now() - datetime.timedelta(minutes=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sportello_cache SET expires = %s WHERE cache_key = %s",
            [connection.ops.adapt_datetimefield_value(past), f":1:{key}"],
        )


def test_migrate_creates_the_table_whatever_the_cache_settings(db):
    # pytest's test database is migrated with the local-memory cache configured
    assert TABLE in connection.introspection.table_names()
    call_command("createcachetable", TABLE, verbosity=0)  # again: nothing happens


def test_incr_adds_and_keeps_the_expiry(cache):
    cache.add("counter", 1, 3600)
    before = _expires("counter")
    assert cache.incr("counter") == 2
    assert cache.incr("counter", 3) == 5
    assert cache.decr("counter") == 4
    assert cache.get("counter") == 4
    # Django's own incr is get-then-set, which moves the expiry to the default 300 s: an
    # hourly counter would start again after five quiet minutes.
    assert _expires("counter") == before


def test_incr_of_a_missing_or_expired_entry_is_a_value_error(cache):
    with pytest.raises(ValueError):
        cache.incr("missing")
    cache.set("old", 1, 3600)
    _expire("old")
    with pytest.raises(ValueError):
        cache.incr("old")


def test_django_ratelimit_counts_exactly_in_it(cache):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    counts = [
        get_usage(request, group="t", key="ip", rate="3/h", increment=True)["count"]
        for _ in range(5)
    ]
    assert counts == [1, 2, 3, 4, 5]


def test_delete_expired_leaves_live_entries(cache):
    cache.set("live", 1, 3600)
    cache.set("dead", 1, 3600)
    _expire("dead")
    assert cache.delete_expired() == 1
    assert cache.get("live") == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_are_never_lost_on_postgresql():
    """Threads, each on its own connection, as workers would be. SQLite's in-memory test
    database cannot take concurrent writers; test_workers covers SQLite across processes."""
    if connection.vendor != "postgresql":
        pytest.skip("threads against the in-memory SQLite test database")
    with override_settings(CACHES=DATABASE_CACHE):
        cache = caches["default"]
        cache.add("shared", 0, 3600)

        def work(_):
            try:
                for _ in range(25):
                    cache.incr("shared")
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(work, range(6)))
        assert cache.get("shared") == 150
        cache.delete("shared")


def test_a_full_table_never_loses_a_live_counter(db):
    """Past MAX_ENTRIES Django would delete a third of the live rows, the alphabetically
    first: an attacker filling the table from many addresses reset the Aggancio counter."""
    small = {"default": {**DATABASE_CACHE["default"], "OPTIONS": {"MAX_ENTRIES": 5}}}
    with override_settings(CACHES=small):
        cache = caches["default"]
        cache.add("a-counter", 4, 3600)
        for n in range(20):
            cache.add(f"z-filler-{n}", 1, 3600)
        assert cache.get("a-counter") == 4
        cache.add("old", 1, 3600)
        _expire("old")
        cache.add("z-one-more", 1, 3600)  # over MAX_ENTRIES: expired rows go
        assert cache.get("a-counter") == 4
        assert not cache.has_key("old")
