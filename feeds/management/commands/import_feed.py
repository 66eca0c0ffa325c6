import argparse
import resource
import signal
import sys
import threading
import time

from django.core.management.base import BaseCommand

from feeds import services
from feeds.importer import DEFAULT_BATCH_SIZE, Interrupted, handled_files, later_files
from feeds.models import ImportJob


class Command(BaseCommand):
    @property
    def help(self):
        # A property: the files are those the installed apps register (core.registry).
        later = later_files()
        return (
            "Import the billing-system feed in DIR: "
            f"{' then '.join(handled_files())}, whichever DIR holds"
            + (f"; {', '.join(later)} are recognised and skipped for now" if later else "")
            + ". UTF-8 CSV with a header row; columns and checks of each file are in "
            "docs/feed.md. Each rejected row is printed on stderr as file:line: reason (in "
            "Italian, with the feed's column names) and kept on the import job; every good row "
            "is applied; re-running the same feed changes nothing. Exit status: 0 no row "
            "failed, 1 some rows failed, 2 the input could not be read (nothing applied), 3 the "
            "import stopped half-way (run it again), 4 another import was running (nothing "
            "done: run it again once that one ends). See docs/feed.md."
        )

    def add_arguments(self, parser):
        def positive(value):
            number = int(value)
            if number < 1:
                raise argparse.ArgumentTypeError("must be at least 1")
            return number

        parser.add_argument("directory", metavar="DIR", help="directory holding the CSV files")
        parser.add_argument(
            "--batch-size",
            type=positive,
            default=DEFAULT_BATCH_SIZE,
            help=f"rows written per transaction (default {DEFAULT_BATCH_SIZE})",
        )
        parser.add_argument(
            "--writer",
            choices=["auto", "orm"],
            default="auto",
            help="auto: the fastest writer for the database (default); orm: Django's "
            "bulk_create, the baseline docs/performance.md compares against",
        )

    def handle(self, *args, directory, batch_size, writer, **options):
        started = time.monotonic()
        # SIGTERM (systemd stop, kill) and Ctrl-C stop the run before the next row, outside
        # any transaction, so the job is recorded as interrupted instead of staying "running";
        # a second signal acts at once.
        stop = threading.Event()
        received = []
        previous = {}

        def request_stop(signum, frame):
            received.append(signum)
            stop.set()
            for number, handler in previous.items():
                signal.signal(number, handler)

        for number in (signal.SIGTERM, signal.SIGINT):
            previous[number] = signal.signal(number, request_stop)
        try:
            job = services.run_import(
                directory=directory,
                source=ImportJob.Source.COMMAND,
                stdout=self.stdout,
                stderr=self.stderr,
                batch_size=batch_size,
                writer=writer,
                stop=stop,
            )
        except services.ImportBusy as exc:
            self.stderr.write(f"not started: {exc}; run it again once that one ends")
            sys.exit(4)
        except Interrupted:
            signum = received[0]
            self.stderr.write(
                f"import stopped by {signal.Signals(signum).name}: the rows applied so far are "
                "kept, run the same feed again"
            )
            sys.exit(128 + signum)
        except Exception as exc:
            # Database gone, disk full, a bug: the batches committed so far stay, and running
            # the same feed again applies the rest. Not 1 or 2, which describe the feed.
            self.stderr.write(f"import interrupted: {exc.__class__.__name__}: {exc}")
            self.stderr.write("the rows applied so far are kept: run the same feed again")
            sys.exit(3)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        elapsed = time.monotonic() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        errors = job.error_count
        if job.state == ImportJob.State.FAILED:
            self.stderr.write(f"input not readable, nothing applied (job {job.uid})")
            sys.exit(2)
        self.stdout.write(
            f"done in {elapsed:.1f} s, {errors} rows rejected, peak memory {peak_mb:.0f} MB "
            f"(job {job.uid})"
        )
        if errors:
            sys.exit(1)
