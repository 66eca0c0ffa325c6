#!/usr/bin/env python3
"""Load benchmark: each page's throughput against a hello-world floor, measured in one run.

    .venv/bin/python bench/run.py [--duration 6] [--rounds 3] [--import]   (or: make bench)

What it does, all on loopback:
  1. a throwaway SPORTELLO_VAR_DIR (SQLite database, secret key, static files), then
     `migrate`, `collectstatic` and `seed_demo` with DJANGO_SETTINGS_MODULE=bench.settings
     (production-like, per-IP limiter off, plus the "/_floor/" view);
  2. gunicorn, sync workers (2 by default), on a free 127.0.0.1 port;
  3. three rounds (--rounds) over the targets; for each: one checked request, a warm-up, then
     `wrk -t2 -c8 -dNs --latency` (or a small Python load generator when wrk is missing);
     a page's share of the floor is the median of its rounds' shares, each against the floor
     of the same round (the machine's speed drifts: one floor measured once was not enough);
  4. a table (req/s, p50, p99, % of the floor's req/s) on stdout and the same as JSON in
     bench/results/latest.json (git-ignored).

With --import, bench/import_bench.py runs afterwards: the billing-system feed (250,000
holders, 400,000 contracts) loaded and re-loaded on SQLite and PostgreSQL (docs/performance.md).

DATABASE_URL (or --database-url) benches PostgreSQL instead: that database gets migrated and
seeded with the demo data, so never point it at a real one. REDIS_URL is passed through too.
The floor and the pages share the machine's cores with the load generator: compare ratios
measured in the same run, not absolute numbers across machines.
"""

import argparse
import contextlib
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"
HOST = "127.0.0.1"  # loopback only: the benchmark never sends a request anywhere else


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    # Username of a demo persona (demo/personas.py) to log in as, through POST /accedi/;
    # the session cookie then goes to wrk with -H "Cookie: ...". None: anonymous.
    login: str | None = None
    # Status the page must answer with before it is benched (a 302 to the login page or a 500
    # would be benched as a fast page otherwise).
    expect: int = 200


FLOOR = "floor"

# Pages to bench, in order. LATER ISSUES: add your page here, e.g.
#     Target("bills", "/bollette/", login="alice"),
# login="alice" benches it as the demo customer Alice (any persona in demo/personas.py works).
# Keep the floor first: every ratio is relative to it, measured in the same run.
TARGETS = [
    Target(FLOOR, "/_floor/"),
    Target("home", "/"),
    Target("healthz", "/healthz"),
    Target("home (alice)", "/", login="alice"),
    Target("I miei servizi (alice, 25 utenze)", "/servizi/", login="alice"),
    Target(
        "Bollette online (alice, 24 bollette)",
        "/bollette/00000000-0000-4000-8000-000000000024/",
        login="alice",
    ),
]

# Bench-only data in the throwaway database: alice sees a full first page of contracts.
BENCH_DATA = """
from django.contrib.auth import get_user_model
from customers.models import Contract, ContractLink, Holder
alice = get_user_model().objects.get(username="alice")
holder, _ = Holder.objects.get_or_create(
    customer_code="BENCH1", defaults={"kind": "person", "first_name": "Alice",
    "last_name": "Rossi", "codice_fiscale": "RSSLCA85C52G224L", "checksum": "bench"})
for i in range(25):
    contract, _ = Contract.objects.get_or_create(
        service_code=f"BENCH{i:04d}", defaults={"holder": holder, "service": "water",
        "use": "domestic", "supply_address": f"Via Roma {i}", "municipality": "Padova",
        "status": "active", "tariff": "Concessioni Domestiche Residenti", "checksum": "bench"})
    ContractLink.objects.get_or_create(user=alice, contract=contract,
        defaults={"declaration_version": "bench"})
# "Bollette online" of one contract: two years of monthly bills, some paid through the feed.
import datetime, uuid
from decimal import Decimal
from billing.models import Bill, FeedPayment
contract = Contract.objects.get(service_code="BENCH0000")
ContractLink.objects.filter(user=alice, contract=contract).update(
    uid=uuid.UUID("00000000-0000-4000-8000-000000000024"))
today = datetime.date.today()
for i in range(24):
    issued = today - datetime.timedelta(days=30 * i + 5)
    bill, _ = Bill.objects.get_or_create(number=f"BENCH/{i:04d}", defaults={
        "contract": contract, "issued_on": issued, "due_on": issued + datetime.timedelta(30),
        "amount": Decimal("258.00") + i, "pdf": "bench.pdf", "checksum": "bench"})
    if i % 3:
        FeedPayment.objects.get_or_create(bill_number=bill.number, defaults={
            "paid_on": issued + datetime.timedelta(20), "amount": bill.amount,
            "checksum": "bench"})
"""

# Variables of the caller's environment that must not leak into the benchmarked portal.
SCRUBBED_ENV = (
    "DJANGO_SETTINGS_MODULE",
    "SPORTELLO_VAR_DIR",
    "SPORTELLO_TESTING",
    "DEBUG",
    "SECRET_KEY",
    "PUBLIC_URL",
    "ALLOWED_HOSTS",
    "RATE_LIMIT_PER_IP",
    "TRUSTED_PROXY_COUNT",
    "EMAIL_URL",
    "DATABASE_URL",
    "REDIS_URL",
)


class BenchError(Exception):
    pass


# --- processes ----------------------------------------------------------------------------


def venv_python():
    """The project's interpreter: this script needs only the standard library, the portal
    needs the virtualenv."""
    candidate = BASE_DIR / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def child_env(var_dir, port, database_url, redis_url):
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        SPORTELLO_VAR_DIR=str(var_dir),
        PUBLIC_URL=f"http://{HOST}:{port}",
        ALLOWED_HOSTS=f"{HOST},localhost",
        RATE_LIMIT_PER_IP="0",
        LOG_LEVEL="WARNING",
        # The demo app (seed_demo, the personas the targets log in as) is installed only
        # with DEMO=1 outside DEBUG; the bench database is throwaway demo data.
        DEMO="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env, *args):
    cmd = [venv_python(), "manage.py", *args]
    done = subprocess.run(cmd, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    if done.returncode:
        raise BenchError(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(env, port, workers, log_path):
    cmd = [
        venv_python(),
        "-m",
        "gunicorn",
        "sportello.wsgi:application",
        "--worker-class",
        "sync",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--chdir",
        str(BASE_DIR),
        "--log-level",
        "warning",
        "--error-logfile",
        "-",
    ]
    log = open(log_path, "wb")  # noqa: SIM115 - closed by stop_gunicorn
    # Own session: Ctrl-C in the terminal reaches this script, which stops gunicorn itself.
    proc = subprocess.Popen(
        cmd,
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    proc.log = log
    return proc


def stop_gunicorn(proc):
    """SIGTERM to gunicorn's own process group (master and its workers), SIGKILL if it lingers."""
    if proc is None:
        return
    try:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
    finally:
        proc.log.close()


def log_tail(path, lines=30):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def wait_ready(proc, port, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited ({proc.returncode}):\n{log_tail(log_path)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if request(port, "GET", "/healthz", timeout=2)[0] == 200:
                return
        time.sleep(0.1)
    raise BenchError(f"gunicorn not ready after {timeout} s:\n{log_tail(log_path)}")


# --- HTTP and login -----------------------------------------------------------------------


def request(port, method, path, headers=None, body=None, timeout=10):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def set_cookies(headers):
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            for morsel in SimpleCookie(value).values():
                jar[morsel.key] = morsel.value
    return jar


def cookie_header(jar):
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def persona_password(username):
    sys.path.insert(0, str(BASE_DIR))
    try:
        from demo.personas import PERSONAS
    finally:
        sys.path.remove(str(BASE_DIR))
    if username not in PERSONAS:
        raise BenchError(f"unknown persona {username!r}: see demo/personas.py")
    return PERSONAS[username]["password"]


def login(port, username):
    """Log in through the real form (GET for the CSRF token and cookie, POST with them) and
    return the Cookie header that carries the session."""
    origin = f"http://{HOST}:{port}"
    status, headers, body = request(port, "GET", "/accedi/")
    if status != 200:
        raise BenchError(f"GET /accedi/ answered {status}")
    jar = set_cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken"\s+value="([^"]+)"', body)
    if not token:
        raise BenchError("no CSRF token in the login form")
    form = urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": username,
            "password": persona_password(username),
        }
    )
    status, headers, _ = request(
        port,
        "POST",
        "/accedi/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(jar),
            "Origin": origin,
            "Referer": f"{origin}/accedi/",
        },
        body=form,
    )
    if status != 302:
        raise BenchError(f"login as {username} answered {status}, expected a 302")
    jar.update(set_cookies(headers))
    cookie = cookie_header(jar)
    # The login view redirects people already logged in: proof the session cookie works.
    status, _, _ = request(port, "GET", "/accedi/", headers={"Cookie": cookie})
    if status != 302:
        raise BenchError(f"session of {username} not recognised (GET /accedi/ -> {status})")
    return cookie


# --- load generators ----------------------------------------------------------------------

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_wrk(output):
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if not rps:
        raise BenchError(f"cannot read wrk's output:\n{output}")
    pct = {
        int(p): float(v) * UNIT_MS[u]
        for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    }
    total = re.search(r"^\s+(\d+) requests in", output, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests_per_s": float(rps.group(1)),
        "p50_ms": pct.get(50),
        "p99_ms": pct.get(99),
        "requests": int(total.group(1)) if total else None,
        "bad_status": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in sock.groups()) if sock else 0,
    }


def run_wrk(wrk, port, path, cookie, duration, threads, connections):
    url = f"http://{HOST}:{port}{path}"
    assert urlsplit(url).hostname == HOST
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cmd.append(url)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def percentile(sorted_values, pct):
    if not sorted_values:
        return None
    index = round(pct / 100 * (len(sorted_values) - 1))
    return sorted_values[index]


def run_python(port, path, cookie, duration, connections, max_requests=100_000):
    """Fallback when wrk is missing: `connections` threads, one connection per request (the
    sync workers close it anyway), stopped by time or by count, whichever comes first.
    The GIL makes it the bottleneck sooner than wrk: only ratios within a run compare."""
    headers = {"Cookie": cookie} if cookie else {}
    deadline = time.monotonic() + duration
    per_thread = max(1, max_requests // connections)
    results = [[] for _ in range(connections)]
    failures = [[0, 0] for _ in range(connections)]  # [bad status, socket errors]

    def worker(i):
        latencies, fail = results[i], failures[i]
        while time.monotonic() < deadline and len(latencies) < per_thread:
            start = time.perf_counter()
            try:
                status = request(port, "GET", path, headers=headers, timeout=5)[0]
            except (OSError, http.client.HTTPException):
                fail[1] += 1
                continue
            latencies.append((time.perf_counter() - start) * 1000)
            if not 200 <= status < 400:
                fail[0] += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 30)
    elapsed = time.monotonic() - began
    latencies = sorted(x for chunk in results for x in chunk)
    return {
        "requests_per_s": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "requests": len(latencies),
        "bad_status": sum(f[0] for f in failures),
        "socket_errors": sum(f[1] for f in failures),
    }


def check_status(port, target, cookie, when):
    headers = {"Cookie": cookie} if cookie else {}
    status = request(port, "GET", target.path, headers=headers)[0]
    if status != target.expect:
        raise BenchError(
            f"{when} the run, GET {target.path} answered {status}, not {target.expect}"
        )


def measure(args, wrk, port, path, cookie, seconds):
    if wrk:
        return run_wrk(wrk, port, path, cookie, seconds, args.threads, args.connections)
    return run_python(port, path, cookie, seconds, args.connections)


# --- the run --------------------------------------------------------------------------------


def parse_extra(spec):
    """ "/path" or "/path@persona" -> a Target."""
    path, _, user = spec.partition("@")
    if not path.startswith("/"):
        raise argparse.ArgumentTypeError("a path starting with /, optionally @persona")
    return Target(f"{path} ({user})" if user else path, path, login=user or None)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Bench the portal's pages against a hello-world floor (gunicorn + wrk).",
        epilog="Pages to bench are listed in TARGETS at the top of bench/run.py.",
    )
    p.add_argument(
        "--duration", type=int, default=6, help="seconds per target and round (default 6)"
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="times the whole list is measured, round after round (default 3): each page's "
        "share of the floor is the median of its rounds' shares, each against the floor "
        "measured in the same round",
    )
    p.add_argument("--warmup", type=int, default=2, help="warm-up seconds per target (2)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    p.add_argument("--connections", type=int, default=8, help="concurrent connections (8)")
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="bench only this target of TARGETS (repeatable; the floor always runs)",
    )
    p.add_argument(
        "--extra",
        action="append",
        type=parse_extra,
        default=[],
        metavar="PATH[@PERSONA]",
        help='one more target, e.g. "/@alice" for the home page logged in as alice',
    )
    p.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="bench this database (default: $DATABASE_URL, else a throwaway SQLite file); "
        "it gets migrated and seeded with demo data",
    )
    p.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", ""), help="default: $REDIS_URL"
    )
    p.add_argument("--python-load", action="store_true", help="use the Python load generator")
    p.add_argument(
        "--output",
        type=Path,
        default=RESULTS_DIR / "latest.json",
        help="JSON results (default bench/results/latest.json)",
    )
    p.add_argument("--keep", action="store_true", help="keep the throwaway var dir")
    p.add_argument(
        "--import",
        dest="run_import",
        action="store_true",
        help="then bench the feed import too (bench/import_bench.py: 250k holders and 400k "
        "contracts on SQLite and, when reachable, PostgreSQL)",
    )
    args = p.parse_args(argv)
    if min(args.duration, args.connections, args.threads, args.workers, args.rounds) < 1:
        p.error("--duration, --rounds, --workers, --threads and --connections must be >= 1")
    if args.threads > args.connections:
        p.error("--threads cannot exceed --connections (wrk refuses it)")
    return args


def select_targets(args):
    names = {t.name for t in TARGETS}
    if args.only:
        unknown = set(args.only) - names
        if unknown:
            raise BenchError(f"unknown target(s) {sorted(unknown)}; known: {sorted(names)}")
        chosen = [t for t in TARGETS if t.name == FLOOR or t.name in args.only]
    else:
        chosen = list(TARGETS)
    return chosen + args.extra


def redact(url):
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def git_commit():
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return f"{head}{'-dirty' if dirty else ''}" if head else None
    return None


def busy_warning():
    """Other work on the machine skews every number: say so, and record the load average."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return None
    cpus = os.cpu_count() or 1
    if load > 0.5 * cpus:
        print(
            f"warning: load average {load:.2f} on {cpus} cores before starting: "
            "something else is running, numbers will be low and noisy",
            flush=True,
        )
    return round(load, 2)


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def print_table(rows):
    print(f"{'target':<22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'% floor':>8} {'errors':>7}")
    for r in rows:
        if r.get("error"):
            print(f"{r['name']:<22} {'FAILED':>9}  {r['error']}")
            continue
        errors = r["bad_status"] + r["socket_errors"]
        print(
            f"{r['name']:<22} {r['requests_per_s']:>9.1f} {fmt(r['p50_ms'], '8.2f')} "
            f"{fmt(r['p99_ms'], '8.2f')} {fmt(r['pct_of_floor'], '8.1f')} {errors:>7}"
        )


def summarise(target, results, floors, failed):
    """One target's row: the round with the median req/s (its latencies too), every round's
    req/s, and the median of its shares of the floor measured in the same round."""
    row = asdict(target)
    if target.name in failed or not results:
        row["error"] = failed.get(target.name, "not measured")
        return row
    ordered = sorted(results, key=lambda r: r["requests_per_s"])
    row.update(ordered[len(ordered) // 2])
    row["rounds_requests_per_s"] = [r["requests_per_s"] for r in results]
    row["bad_status"] = sum(r["bad_status"] for r in results)
    row["socket_errors"] = sum(r["socket_errors"] for r in results)
    shares = sorted(
        100 * r["requests_per_s"] / f["requests_per_s"]
        for r, f in zip(results, floors, strict=False)
        if f["requests_per_s"]
    )
    row["pct_of_floor"] = round(shares[len(shares) // 2], 1) if shares else None
    return row


def bench(args):
    targets = select_targets(args)
    wrk = None if args.python_load else shutil.which("wrk")
    loadgen = "wrk" if wrk else "python"
    if not wrk and not args.python_load:
        print("wrk not found: falling back to the Python load generator", file=sys.stderr)
    load_before = busy_warning()
    rows = []
    proc = None
    var_dir = Path(tempfile.mkdtemp(prefix="sportello-bench-"))
    try:
        port = free_port()
        env = child_env(var_dir, port, args.database_url, args.redis_url)
        database = redact(args.database_url) if args.database_url else "sqlite (throwaway)"
        cache = redact(args.redis_url) if args.redis_url else "database (no Redis)"
        print(f"var dir {var_dir}; database {database}; cache {cache}")
        print("setup: migrate, collectstatic, seed_demo ...", flush=True)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(env, "seed_demo")
        manage(env, "shell", "-c", BENCH_DATA)
        log_path = var_dir / "gunicorn.log"
        proc = start_gunicorn(env, port, args.workers, log_path)
        wait_ready(proc, port, log_path)
        threads = args.threads if wrk else args.connections
        print(
            f"gunicorn: {args.workers} sync workers on {HOST}:{port}; load: {loadgen}, "
            f"{threads} threads, {args.connections} connections, {args.duration} s/target",
            flush=True,
        )

        sessions = {}
        # Round after round over the whole list: the machine's speed drifts (other guests on
        # the host), and a page compared with the floor of its own round, the median of the
        # rounds kept, is far steadier than one floor measured once at the start.
        rounds = {target.name: [] for target in targets}
        failed = {}
        for number in range(1, args.rounds + 1):
            print(f"  round {number} of {args.rounds}", flush=True)
            for target in targets:
                if target.name in failed:
                    continue
                try:
                    cookie = None
                    if target.login:
                        if target.login not in sessions:
                            sessions[target.login] = login(port, target.login)
                        cookie = sessions[target.login]
                    check_status(port, target, cookie, "before")
                    print(f"    {target.name} ...", flush=True)
                    if args.warmup:
                        measure(args, wrk, port, target.path, cookie, args.warmup)
                    result = measure(args, wrk, port, target.path, cookie, args.duration)
                    # wrk counts a 3xx as a success: a session lost mid-run (redirect to the
                    # login page) would pass for a fast page. Check again afterwards.
                    check_status(port, target, cookie, "after")
                    rounds[target.name].append(result)
                except BenchError as exc:
                    failed[target.name] = str(exc)
                if proc.poll() is not None:
                    raise BenchError(f"gunicorn died during {target.name}:\n{log_tail(log_path)}")
        rows = [summarise(target, rounds[target.name], rounds[FLOOR], failed) for target in targets]
    finally:
        # A second Ctrl-C must not cut the clean-up short and leave gunicorn running.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            stop_gunicorn(proc)
        finally:
            signal.signal(signal.SIGINT, previous)
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)

    print()
    print_table(rows)

    report = {
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "load_generator": loadgen,
        "command": (
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency"
            if wrk
            else f"python threads={args.connections} duration={args.duration}s"
        ),
        "duration_s": args.duration,
        "rounds": args.rounds,
        "warmup_s": args.warmup,
        "server": f"gunicorn sync, {args.workers} workers",
        "database": redact(args.database_url) if args.database_url else "sqlite",
        "cache": "redis" if args.redis_url else "database",
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "python": platform.python_version(),
        "results": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    shown = (
        args.output.relative_to(BASE_DIR) if args.output.is_relative_to(BASE_DIR) else args.output
    )
    print(f"\nwritten {shown}")
    failed = [r for r in rows if r.get("error") or r.get("bad_status") or r.get("socket_errors")]
    return 1 if failed else 0


def _terminate(signum, frame):
    raise KeyboardInterrupt


def bench_import(args):
    """bench/import_bench.py in its own process; a PostgreSQL --database-url gives it the
    server to create its throwaway database on (the named database is left alone)."""
    cmd = [venv_python(), str(BASE_DIR / "bench" / "import_bench.py")]
    if args.database_url.startswith(("postgres://", "postgresql://")):
        cmd += ["--postgres-url", args.database_url]
    print("\nimport benchmark: bench/import_bench.py", flush=True)
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    return subprocess.run(cmd, cwd=BASE_DIR, env=env).returncode


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)  # `kill` cleans up like Ctrl-C does
    try:
        status = bench(args)
        if args.run_import:
            status = max(status, bench_import(args))
        return status
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nbench: interrupted, gunicorn stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
