import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.registry import registry


def _moment(value):
    """--since: an ISO 8601 date or date-time; a naive one is Europe/Rome time."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        moment = timezone.datetime.combine(day, timezone.datetime.min.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    @property
    def help(self):
        names = ", ".join(name for name, _function in registry.export_files()) or "none"
        return (
            "Write the feed back to the billing system into DIR: one UTF-8 CSV file per kind "
            f"of event customers caused in the portal ({names}), each with a header row and, "
            "on every row, a stable id first (the same event always has the same id, so a "
            "file can be imported twice safely). Times are UTC, ISO 8601. --since limits the "
            "files to what happened after that moment. Files already in DIR are replaced. "
            "See docs/feed.md."
        )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="directory to write the CSV files to")
        parser.add_argument(
            "--since",
            metavar="DATETIME",
            help="only events after this moment: 2026-11-30 or 2026-11-30T18:00 (Europe/Rome, "
            "unless it carries an offset: 2026-11-30T17:00+00:00)",
        )

    def handle(self, *args, directory, since=None, **options):
        if since is not None:
            try:
                since = _moment(since)
            except ValueError:
                raise CommandError(f"--since {since!r}: not a date or date-time") from None
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        for name, function in registry.export_files():
            rows = 0
            partial = target / f".{name}.part"
            # Written aside and renamed: a reader never sees half a file.
            with open(partial, "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f)
                for row in function(since):
                    writer.writerow(row)
                    rows += 1
            partial.replace(target / name)
            self.stdout.write(f"{name}: {max(rows - 1, 0)} rows")
