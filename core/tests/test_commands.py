import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    users = {u.username: u.password for u in get_user_model().objects.all()}
    call_command("seed_demo", verbosity=0)
    assert {u.username: u.password for u in get_user_model().objects.all()} == users
    assert set(users) == {"alice", "bob", "charlie", "diana"}
    staff = get_user_model().objects.filter(is_staff=True)
    assert {u.username for u in staff} == {"charlie", "diana"}


def test_seed_demo_gives_the_staff_personas_their_roles_not_superuser(db):
    call_command("seed_demo", verbosity=0)
    User = get_user_model()
    # A database seeded by an older version made diana a superuser.
    User.objects.filter(username="diana").update(is_superuser=True)
    call_command("seed_demo", verbosity=0)
    roles = {
        u.username: sorted(u.groups.values_list("name", flat=True)) for u in User.objects.all()
    }
    assert roles == {
        "alice": [],
        "bob": [],
        "charlie": ["Operatore servizio clienti"],
        "diana": ["Amministratore"],
    }
    assert not User.objects.filter(is_superuser=True).exists()


def test_seed_demo_refuses_a_production_url(db, settings):
    settings.HTTPS = True
    with pytest.raises(CommandError, match="HTTPS"):
        call_command("seed_demo", verbosity=0)
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.it:2525", {"EMAIL_HOST": "mail.example.it", "EMAIL_PORT": 2525}),
        (
            "smtp+tls://user%40x:p%3Ass@mail.example.it",
            {
                "EMAIL_PORT": 587,
                "EMAIL_USE_TLS": True,
                "EMAIL_HOST_USER": "user@x",
                "EMAIL_HOST_PASSWORD": "p:ss",
            },
        ),
        ("smtp+ssl://mail.example.it", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
    ],
)
def test_email_url_parsing(url, expected):
    from sportello.settings import _email_settings

    parsed = _email_settings(url)
    assert parsed["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    for key, value in expected.items():
        assert parsed[key] == value


def test_email_url_with_unknown_scheme_is_refused():
    from sportello.settings import _email_settings

    with pytest.raises(ValueError):
        _email_settings("http://mail.example.it")


# --- manage.py run -------------------------------------------------------------------------


def _children(pid):
    """The pids of the live children of `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _descendants(pid):
    pids = _children(pid)
    for child in list(pids):
        pids += _descendants(child)
    return pids


def _cmdline(pid):
    return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")


def _environ(pid):
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def _gone(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return True
    return fields[0] == "Z"


@pytest.fixture(scope="module")
def run_env(tmp_path_factory):
    """An embedded SQLite database of its own, migrated once for the tests of `run`."""
    from core.tests.servers import manage, server_env

    var = tmp_path_factory.mktemp("var")
    env = server_env(SPORTELLO_VAR_DIR=var)
    for name in ("DATABASE_URL", "PORT", "PUBLIC_URL", "REDIS_URL", "EMAIL_URL"):
        env.pop(name, None)
    manage(env, "migrate", "--noinput")
    return env


def _stale_import_job(env):
    """A running import job whose worker vanished two hours ago, for the housekeeping."""
    code = (
        "from datetime import timedelta; from django.utils import timezone; "
        "from feeds.models import ImportJob; "
        "t = timezone.now() - timedelta(hours=2); "
        "print(ImportJob.objects.create(source='command', state='running', started_at=t, "
        "heartbeat_at=t, runner='elsewhere:1').uid.hex)"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        env=env, cwd=settings.BASE_DIR, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-1]


def _job_state(env, uid):
    database = Path(env["SPORTELLO_VAR_DIR"]) / "sportello.sqlite3"
    with closing(sqlite3.connect(database, timeout=10)) as db:
        row = db.execute("SELECT state FROM feeds_importjob WHERE uid = ?", (uid,)).fetchone()
    return row[0]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_serves_with_two_workers_until_a_signal_stops_all_of_it(run_env, tmp_path, signum):
    from conftest import free_port

    port = free_port()
    job = _stale_import_job(run_env)
    log = tmp_path / "run.log"
    with log.open("w") as out:
        run = subprocess.Popen(
            [sys.executable, "manage.py", "run", "--port", str(port), "--workers", "1"],
            env=run_env, cwd=settings.BASE_DIR, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    spawned = []
    try:
        deadline = time.monotonic() + 60
        while True:
            assert run.poll() is None, log.read_text()
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                    break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        spawned = _descendants(run.pid)
        commands = [b" ".join(_cmdline(pid)) for pid in _children(run.pid)]
        assert sum(b"gunicorn" in c for c in commands) == 1, commands
        assert sum(b"db_worker --queue-name default " in c for c in commands) == 1, commands
        assert sum(b"db_worker --queue-name imports " in c for c in commands) == 1, commands
        # The children serve and send mail for the port they were given.
        for pid in _children(run.pid):
            assert _environ(pid)["PORT"] == str(port)
        assert f"Sportello is running at http://127.0.0.1:{port}/" in log.read_text()
        assert f"Links in e-mails point to http://127.0.0.1:{port}/" in log.read_text()
        # The housekeeping ran at start-up: the import job of a vanished worker is closed.
        deadline = time.monotonic() + 30
        while _job_state(run_env, job) == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _job_state(run_env, job) == "interrupted"

        run.send_signal(signum)

        assert run.wait(timeout=20) == 0, log.read_text()
        deadline = time.monotonic() + 5
        while not all(_gone(pid) for pid in spawned) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in spawned if not _gone(pid)] == []
        assert "Sportello stopped." in log.read_text()
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        if run.poll() is None:
            run.kill()
        for pid in spawned:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
