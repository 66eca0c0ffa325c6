"""Two app processes without Redis, as `make run` serves the portal (two gunicorn workers,
SQLite): sessions end everywhere at once and limits count once, whichever worker answers.

Two gunicorn processes of one worker each on the same SQLite file rather than one gunicorn
with `--workers 2`: the test must choose the worker that answers, and two single-worker
processes share exactly what two workers of one gunicorn share (the database, nothing else).
"""

import re
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import free_port
from demo.personas import PERSONAS

from .servers import AppServer, csrf_token, login, manage, server_env

pytestmark = pytest.mark.slow
ALICE = PERSONAS["alice"]
BOB = PERSONAS["bob"]
LINK_URL = "/servizi/aggancio/"
LINK_CODES = {  # demo/customers.csv and demo/contracts.csv: alice's water contract
    "customer_code": "100234",
    "service_code": "2002002008",
    "codice_fiscale": "RSSLCA85C52G224L",
    "partita_iva": "",
    "declaration": "on",
}
GENERIC = "I dati inseriti non corrispondono a un servizio"
REFUSED = "Troppi tentativi"


def _env(var_dir, database, **extra):
    return server_env(
        SPORTELLO_VAR_DIR=var_dir,  # one secret_key file and one set of static files
        DATABASE_URL=f"sqlite:///{database}",
        REDIS_URL="",  # whatever the caller's environment says: no Redis here
        **{"SPORTELLO_TESTING": "0", "RATE_LIMIT_PER_IP": "0", **extra},
    )


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A migrated, seeded database to copy, and collected static files, made once."""
    var_dir = tmp_path_factory.mktemp("var")
    template = var_dir / "template.sqlite3"
    env = _env(var_dir, template)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    manage(env, "collectstatic", "--noinput")
    return var_dir, template


@pytest.fixture
def two_workers(prepared, tmp_path):
    """start(**env) -> (first, second, database): two app processes on a fresh copy of the
    prepared database."""
    var_dir, template = prepared
    database = tmp_path / "db.sqlite3"
    shutil.copy(template, database)
    started = []

    def start(threads=1, **extra):
        env = _env(var_dir, database, **extra)
        pair = [AppServer(free_port(), env, threads=threads) for _ in range(2)]
        for server in pair:
            started.append(server)
            server.start(wait=False)
        for server in pair:
            server.wait()
        return pair[0], pair[1], database

    yield start
    for server in started:
        server.stop()


def _count(database, sql):
    with sqlite3.connect(database) as conn:
        return conn.execute(sql).fetchone()[0]


def _link(session, base, **overrides):
    data = {**LINK_CODES, **overrides}
    data["csrfmiddlewaretoken"] = csrf_token(session, f"{base}{LINK_URL}")
    return session.post(f"{base}{LINK_URL}", data=data, allow_redirects=False, timeout=20)


def _stale_copy(browser):
    """Another browser holding the same cookies, as an attacker with a copied cookie."""
    stale = requests.Session()
    for name in ("sessionid", "csrftoken"):
        stale.cookies.set(name, browser.cookies[name])
    return stale


def test_after_logout_the_cookie_is_dead_on_the_other_worker(two_workers):
    first, second, database = two_workers()
    browser = requests.Session()
    login(browser, first.base, "alice", ALICE["password"])
    assert _link(browser, first.base).status_code == 302
    services = browser.get(f"{second.base}/servizi/", timeout=10).text  # the second knows it
    assert "Alice Rossi" in services
    uid = re.search(r"/servizi/([0-9a-f-]{36})/", services).group(1)
    stale = _stale_copy(browser)

    token = browser.cookies["csrftoken"]
    browser.post(f"{first.base}/esci/", data={"csrfmiddlewaretoken": token}, timeout=10)

    home = stale.get(f"{second.base}/", timeout=10)
    assert home.status_code == 200
    assert "Alice Rossi" not in home.text
    unlink = stale.post(
        f"{second.base}/servizi/{uid}/scollega/",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    assert unlink.status_code == 302
    assert unlink.headers["Location"].startswith("/accedi/")
    assert _count(database, "SELECT COUNT(*) FROM customers_contractlink") == 1


def test_ending_the_other_sessions_ends_them_on_every_worker(two_workers):
    first, second, _ = two_workers()
    laptop, phone = requests.Session(), requests.Session()
    login(laptop, first.base, "alice", ALICE["password"])
    login(phone, first.base, "alice", ALICE["password"])
    for server in (first, second):  # both workers have seen the phone's session
        assert "Alice Rossi" in phone.get(f"{server.base}/", timeout=10).text

    token = csrf_token(laptop, f"{first.base}/profilo/attivita/")
    laptop.post(
        f"{first.base}/profilo/attivita/chiudi-altre/",
        data={"csrfmiddlewaretoken": token},
        timeout=10,
    )

    for server in (second, first):
        page = phone.get(f"{server.base}/", timeout=10)
        assert page.status_code == 200
        assert "Alice Rossi" not in page.text
    assert "Alice Rossi" in laptop.get(f"{second.base}/", timeout=10).text


def test_the_link_failure_limit_is_exact_across_workers(two_workers):
    first, second, database = two_workers()
    browser = requests.Session()
    login(browser, first.base, "alice", ALICE["password"])
    for i in range(5):
        server = (first, second)[i % 2]
        response = _link(browser, server.base, customer_code="999999")
        assert GENERIC in response.text, i
    refused = _link(browser, second.base)  # the right codes, on the worker that saw two
    assert refused.status_code == 429
    assert REFUSED in refused.text
    assert _count(database, "SELECT COUNT(*) FROM customers_contractlink") == 0


def test_concurrent_link_attempts_get_at_most_five_tries(two_workers):
    first, second, database = two_workers(threads=4)
    browser = requests.Session()
    login(browser, first.base, "bob", BOB["password"])
    token = csrf_token(browser, f"{first.base}{LINK_URL}")

    def attempt(i):
        session = _stale_copy(browser)  # the same session, one connection per thread
        server = (first, second)[i % 2]
        data = {**LINK_CODES, "customer_code": "999999", "csrfmiddlewaretoken": token}
        return session.post(f"{server.base}{LINK_URL}", data=data, timeout=30)

    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(attempt, range(12)))
    tried = [r for r in responses if GENERIC in r.text]
    refused = [r for r in responses if r.status_code == 429 and REFUSED in r.text]
    assert len(tried) == 5
    assert len(refused) == 7
    failed = "SELECT COUNT(*) FROM core_auditevent WHERE action = 'customers.link_failed'"
    assert _count(database, failed) == 5


def test_rate_limits_count_once_across_workers(two_workers):
    """The per-address ceiling stands for every django-ratelimit limit (registration's 20
    an hour counts the same way, through the same cache): cheaper than 21 registrations."""
    first, second, _ = two_workers(RATE_LIMIT_PER_IP="12/h")
    for i in range(12):
        server = (first, second)[i % 2]
        assert requests.get(f"{server.base}/", timeout=10).status_code == 200, i
    assert requests.get(f"{first.base}/", timeout=10).status_code == 429
    assert requests.get(f"{second.base}/", timeout=10).status_code == 429
