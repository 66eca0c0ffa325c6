"""Counters for guards that must hold under concurrency and when the cache is down.

django-ratelimit suits the general limits, which fail open (RATELIMIT_FAIL_OPEN). A guard
in front of something guessable (the codes printed on a bill) must instead count the attempt
before trying it, so that concurrent requests cannot all slip through, and refuse when it
cannot count. Counts live in fixed windows of `period` seconds in the rate-limit cache.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)

# Entries outlive their window a little, so a count is never lost at the edge.
EXPIRY_MARGIN = 60


def _cache():
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


def _cache_key(group, key, period):
    window = int(time.time() // period)
    digest = hashlib.sha256(f"{group}\0{key}".encode()).hexdigest()[:32]
    return f"limit:{group}:{period}:{window}:{digest}"


def consume(*, group, key, limit, period, fail_closed=True):
    """Count one attempt for `key` in `group`; True when it goes over `limit` attempts in
    the current window of `period` seconds (the attempt must then not be made).

    The count is taken before the caller acts, so N concurrent attempts get at most `limit`
    through. When the cache cannot count (an error, or None from django-redis with
    IGNORE_EXCEPTIONS) the answer is `fail_closed`. Side effect: the counter in the cache.
    """
    cache = _cache()
    cache_key = _cache_key(group, key, period)
    count = None
    try:
        for _ in range(2):  # a second round only when the entry expired under our feet
            added = cache.add(cache_key, 1, period + EXPIRY_MARGIN)
            if added is None:  # django-redis with IGNORE_EXCEPTIONS: Redis is down
                break
            if added:
                count = 1
                break
            try:
                count = cache.incr(cache_key)
                break
            except ValueError:  # expired between add() and incr()
                continue
    except Exception:
        logger.exception("limits: cannot count %s", group)
        count = None
    if count is None or count is False:
        logger.warning("limits: no count for %s, %s", group, "refused" if fail_closed else "let in")
        return fail_closed
    return count > limit


def refund(*, group, key, period):
    """Give back an attempt that `consume` counted (one that must not count, such as a
    successful link). Best effort: a failure leaves the count one higher, never lower."""
    cache, cache_key = _cache(), _cache_key(group, key, period)
    try:
        # Never below zero: an attempt counted just before the window turned is refunded in
        # the next window, whose counter must not go negative (extra guesses).
        if (cache.get(cache_key) or 0) > 0:
            cache.decr(cache_key)
    except Exception:  # a missing key (ValueError), a cache error: nothing to give back
        logger.info("limits: nothing to refund for %s", group)
