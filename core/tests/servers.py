"""Real processes for tests that need them: Redis on a port of its own, gunicorn app servers."""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[2]


def _wait(predicate, timeout=30, what="service"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up in {timeout}s")


class RedisServer:
    def __init__(self, port):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def start(self):
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed (Debian package redis-server)"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        _wait(lambda: redis.Redis(port=self.port).ping(), what="redis")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def unreachable_redis_caches(port):
    """CACHES as production sets them (django-redis, IGNORE_EXCEPTIONS, 1 s timeouts),
    pointed at a port where nothing listens: Redis is down."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/7",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }


def server_env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update({"DJANGO_SETTINGS_MODULE": "sportello.settings", "DEBUG": "0", "DEMO": "1"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args], env=env, cwd=BASE_DIR, check=True,
        capture_output=True,
    )  # fmt: skip


class AppServer:
    """gunicorn serving the portal with the given environment."""

    def __init__(self, port, env, threads=1):
        self.port = port
        self.env = env
        self.threads = threads  # > 1: gunicorn's gthread worker, requests truly concurrent
        self.base = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self, wait=True):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "sportello.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "--threads", str(self.threads), "--timeout", "30"],
            env=self.env, cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if wait:
            self.wait()

    def wait(self):
        _wait(lambda: requests.get(f"{self.base}/healthz", timeout=2).ok, what="app server")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None


def csrf_token(session, url):
    """The CSRF token of the form on the page at `url`."""
    page = session.get(url, timeout=10)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def login(session, base, username, password):
    """Log in through the real form, as a browser would."""
    form = session.get(f"{base}/accedi/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    response = session.post(
        f"{base}/accedi/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.status_code
    return response
