import contextlib
import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from core.personas import PERSONAS


class Command(BaseCommand):
    help = (
        "Serve the portal (gunicorn) and run its worker (mail, background tasks) together "
        "until Ctrl-C, which stops both. `make run` calls this after migrating."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, port, host, workers, **options):
        python = sys.executable
        base = f"http://{host}:{port}"
        web = subprocess.Popen(
            [
                python, "-m", "gunicorn", "sportello.wsgi:application",
                "--bind", f"{host}:{port}", "--workers", str(workers),
                "--access-logfile", "-", "--graceful-timeout", "5",
            ]
        )  # fmt: skip
        worker = subprocess.Popen([python, "manage.py", "db_worker", "--interval", "1"])
        self._banner(base)
        children = [web, worker]
        try:
            # Either child ending (or Ctrl-C) ends the whole portal.
            while all(child.poll() is None for child in children):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    children[0].wait(timeout=1)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        self.stdout.write("Sportello stopped.")

    def _banner(self, base):
        lines = [
            "",
            f"Sportello is running at {base}/  (Ctrl-C stops the portal and its worker)",
            "",
            "Demo logins (username / password):",
        ]
        for username, persona in PERSONAS.items():
            lines.append(f"  {username:<8} {persona['password']:<22} {persona['role']}")
        lines.append(
            "Staff (charlie, diana) also need a verification code: "
            "`make demo-code WHO=charlie` (or `.venv/bin/python manage.py demo_code charlie`)."
        )
        lines.append(
            "Codes to type in Aggancio servizi (as alice): Codice cliente 100234, "
            "Codice servizio 2002002008, Codice fiscale RSSLCA85C52G224L."
        )
        if settings.EMAIL_URL:
            lines.append("\nMail is sent through EMAIL_URL.")
        else:
            lines.append(
                f"\nNo EMAIL_URL: mail stays on this machine. Read it at {base}/posta/ "
                "(log in as diana or charlie)."
            )
        self.stdout.write("\n".join(lines) + "\n")
