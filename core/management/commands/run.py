import contextlib
import os
import signal
import subprocess
import sys
import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

HOUSEKEEPING_EVERY = 24 * 60 * 60  # seconds
GRACE = 10  # seconds the children get to finish what they are doing when asked to stop
FORCE_GRACE = 5  # after the second request (db_worker then stops its task at once)


class Stop(Exception):
    """SIGTERM, SIGINT (Ctrl-C) or SIGHUP reached the command."""


class Command(BaseCommand):
    help = (
        "Serve the portal (gunicorn) and run its two workers together: one for the "
        '"default" queue (mail, notifications) and one for the "imports" queue, so a long '
        "import never delays a mail. Runs `manage.py housekeeping` at start-up and every "
        "24 hours. Ctrl-C, SIGTERM (kill PID), SIGINT or SIGHUP stop all of it. The children "
        "get PORT in their environment, so the default PUBLIC_URL follows --port. `make run` "
        "calls this after migrating."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")

    def handle(self, *args, port, host, workers, **options):
        python = sys.executable
        # settings.PUBLIC_URL defaults to http://127.0.0.1:$PORT: the children compute theirs
        # from this, so links in mail follow --port.
        env = {**os.environ, "PORT": str(port)}
        commands = {
            "web server": [
                python, "-m", "gunicorn", "sportello.wsgi:application",
                "--bind", f"{host}:{port}", "--workers", str(workers),
                "--access-logfile", "-", "--graceful-timeout", "5",
            ],
            "mail worker": [
                python, "manage.py", "db_worker", "--queue-name", "default", "--interval", "1",
            ],
            "import worker": [
                python, "manage.py", "db_worker", "--queue-name", "imports", "--interval", "2",
            ],
        }  # fmt: skip
        self.stop_requests = 0
        self.spawning = False
        previous = {
            number: signal.signal(number, self._on_signal)
            for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
        }
        children = {}
        self.housekeeping = None
        reason = "stopped"
        try:
            self.spawning = True
            for name, command in commands.items():
                children[name] = self._spawn(command, env)
            self.spawning = False
            if self.stop_requests:
                raise Stop
            self._banner(host, port, env)
            reason = self._supervise(children, python, env)
        except Stop:
            pass
        finally:
            if self.housekeeping is not None:
                children["housekeeping"] = self.housekeeping
            self._stop(children)
            for number, handler in previous.items():
                signal.signal(number, handler)
        self.stdout.write(f"Sportello {reason}.")

    def _on_signal(self, signum, frame):
        self.stop_requests += 1
        # Not while a child is being started: it would be left running, unrecorded.
        if self.stop_requests == 1 and not self.spawning:
            raise Stop(signum)

    def _spawn(self, command, env):
        # A process group of its own: Ctrl-C in the terminal reaches this command only, which
        # then asks each child once to stop (a second signal would make db_worker abandon
        # its task at once).
        return subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, process_group=0)

    def _supervise(self, children, python, env):
        """Until a child ends (or a signal raises Stop); runs the housekeeping meanwhile.
        Returns why the portal stops."""
        next_housekeeping = time.monotonic()
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    return f"stopped: the {name} exited with status {child.returncode}"
            if self.housekeeping is not None and self.housekeeping.poll() is not None:
                if self.housekeeping.returncode:
                    self.stderr.write(
                        f"housekeeping exited with status {self.housekeeping.returncode} "
                        "(its output is above); the portal goes on, it runs again in 24 hours"
                    )
                self.housekeeping = None
            if time.monotonic() >= next_housekeeping and self.housekeeping is None:
                self.spawning = True
                self.housekeeping = self._spawn(
                    [python, "manage.py", "housekeeping", "--verbosity", "0"], env
                )
                self.spawning = False
                if self.stop_requests:
                    raise Stop
                next_housekeeping = time.monotonic() + HOUSEKEEPING_EVERY
            time.sleep(0.5)

    def _stop(self, children):
        """Ask every child to stop (SIGTERM), give them GRACE seconds; ask again (a db_worker
        then interrupts its task: an import is recorded as interrupted), FORCE_GRACE seconds
        more; then kill what is left, with its own children."""
        alive = [child for child in children.values() if child.poll() is None]
        for grace in (GRACE, FORCE_GRACE):
            for child in alive:
                child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + grace
            while alive and time.monotonic() < deadline:
                time.sleep(0.1)
                alive = [child for child in alive if child.poll() is None]
            if not alive:
                return
        for child in alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()

    def _banner(self, host, port, env):
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
        base = f"http://{shown_host}:{port}"
        public_url = env.get("PUBLIC_URL") or f"http://127.0.0.1:{port}"
        lines = [
            "",
            f"Sportello is running at {base}/",
            f"(Ctrl-C, or `kill {os.getpid()}`, stops the portal and its workers)",
            f"Links in e-mails point to {public_url}/",
        ]
        # The demo app (installed with DEBUG or DEMO=1) says what its logins are; core does
        # not import it.
        if apps.is_installed("demo"):
            lines += ["", *apps.get_app_config("demo").banner()]
        if settings.EMAIL_URL:
            lines.append("\nMail is sent through EMAIL_URL.")
        else:
            lines.append(
                f"\nNo EMAIL_URL: mail stays on this machine. Read it at {base}/posta/ "
                "(log in as diana or charlie)."
            )
        self.stdout.write("\n".join(lines) + "\n")
