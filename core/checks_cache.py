"""System checks about the cache that rate limits count in."""

# django_ratelimit is not an installed app, so its own cache check (E003: a per-process or
# non-atomic cache) would never run; importing its module registers it.
import django_ratelimit.checks  # noqa: F401
from django.conf import settings
from django.core import checks

DATABASE_CACHE = "core.cache.DatabaseCache"


@checks.register(checks.Tags.caches, deploy=True)
def database_cache_in_deploy(app_configs, **kwargs):
    """Without REDIS_URL the cache is a database table: exact for every worker and server on
    that database, but each rate-limited request writes to it."""
    cache_name = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    backend = settings.CACHES.get(cache_name, {}).get("BACKEND")
    if backend != DATABASE_CACHE:
        return []
    return [
        checks.Warning(
            "The cache (rate-limit counters) is a table in the database.",
            hint=(
                "It is shared by every worker and server on this database, so limits are "
                "exact; with several app servers set REDIS_URL so counting does not load "
                "the database."
            ),
            id="sportello.W010",
        )
    ]
