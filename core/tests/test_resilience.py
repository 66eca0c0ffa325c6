"""Process-level tests: the portal with Redis going down, and two app servers sharing state."""

import os
import uuid

import psycopg
import pytest
import requests

from conftest import free_port
from demo.personas import PERSONAS

from .servers import AppServer, RedisServer, login, manage, server_env

pytestmark = pytest.mark.slow
ALICE = PERSONAS["alice"]


@pytest.fixture
def redis_server():
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


def test_pages_sessions_and_healthz_survive_redis_going_down(tmp_path, redis_server):
    env = server_env(
        SPORTELLO_VAR_DIR=tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL=redis_server.url,
    )
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    manage(env, "collectstatic", "--noinput")
    app = AppServer(free_port(), env)
    app.start()
    try:
        browser = requests.Session()
        login(browser, app.base, "alice", ALICE["password"])
        assert "Alice Rossi" in browser.get(f"{app.base}/", timeout=10).text

        redis_server.stop()

        home = browser.get(f"{app.base}/", timeout=10)
        assert home.status_code == 200
        assert "Alice Rossi" in home.text, "the session outlives the cache"
        assert requests.get(f"{app.base}/healthz", timeout=10).json()["status"] == "ok"
        # a fresh login and a logout work with Redis down too
        other = requests.Session()
        login(other, app.base, "alice", ALICE["password"])
        assert "Alice Rossi" in other.get(f"{app.base}/", timeout=10).text
        token = other.cookies["csrftoken"]
        out = other.post(f"{app.base}/esci/", data={"csrfmiddlewaretoken": token}, timeout=10)
        assert out.status_code == 200
        assert "Alice Rossi" not in out.text
    finally:
        app.stop()


@pytest.fixture
def postgres_database():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("runs against PostgreSQL: set DATABASE_URL (CI's PostgreSQL run does)")
    name = f"sportello_multi_{uuid.uuid4().hex[:8]}"
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_two_app_servers_share_sessions_and_rate_limits(tmp_path, redis_server, postgres_database):
    env = server_env(
        SPORTELLO_VAR_DIR=tmp_path,
        DATABASE_URL=postgres_database,
        REDIS_URL=redis_server.url,
        SECRET_KEY="a-shared-secret-key-for-both-servers-" + uuid.uuid4().hex,
        RATE_LIMIT_PER_IP="12/h",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    manage(env, "collectstatic", "--noinput")
    first, second = AppServer(free_port(), env), AppServer(free_port(), env)
    first.start()
    second.start()
    try:
        browser = requests.Session()
        login(browser, first.base, "alice", ALICE["password"])  # 2 requests on the first
        session_id = browser.cookies["sessionid"]
        page = requests.get(f"{second.base}/", cookies={"sessionid": session_id}, timeout=10)
        assert "Alice Rossi" in page.text, "a session opened on one server is valid on the other"

        # one request on the second already; 9 more alternate: 12 in all, then both refuse
        for i in range(9):
            server = first if i % 2 else second
            assert requests.get(f"{server.base}/", timeout=10).status_code == 200
        assert requests.get(f"{first.base}/", timeout=10).status_code == 429
        assert requests.get(f"{second.base}/", timeout=10).status_code == 429
    finally:
        first.stop()
        second.stop()
