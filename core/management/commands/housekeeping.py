from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.cache import DatabaseCache
from core.signals import housekeeping


class Command(BaseCommand):
    help = (
        "Daily pruning; run it once a day from cron (docs/operations.md). Deletes expired "
        "sessions (Django's clearsessions) and the expired rows of the database cache "
        "(rate-limit counters, when REDIS_URL is unset), then lets every app do its own daily "
        "work through the core.signals.housekeeping signal (accounts: forgets the address and "
        "device of sessions that have ended). Safe to run at any time and more than once; "
        "exits non-zero when a part failed, after running the others."
    )

    def handle(self, *args, verbosity=1, **options):
        call_command("clearsessions", verbosity=verbosity)
        self._report(verbosity, "expired sessions", None)
        for alias in caches:
            cache = caches[alias]
            if isinstance(cache, DatabaseCache):
                self._report(verbosity, f"expired cache rows ({alias})", cache.delete_expired())
        failed = []
        for receiver, result in housekeeping.send_robust(
            sender=self.__class__, verbosity=verbosity
        ):
            name = f"{receiver.__module__}.{receiver.__qualname__}"
            if isinstance(result, Exception):
                # One app's failure must not stop the others' pruning.
                self.stderr.write(f"{name}: {result!r}")
                failed.append(name)
            else:
                self._report(verbosity, name, result)
        if failed:
            raise CommandError(f"housekeeping failed in: {', '.join(failed)}")

    def _report(self, verbosity, what, deleted):
        if verbosity >= 1:
            done = "done" if deleted is None else f"{deleted} deleted"
            self.stdout.write(f"{what}: {done}")
