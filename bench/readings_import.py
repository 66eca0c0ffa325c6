#!/usr/bin/env python3
"""Readings import benchmark: meters.csv and readings.csv at a utility's size, on PostgreSQL.

    .venv/bin/python bench/readings_import.py                 (a tenth of the size)
    .venv/bin/python bench/readings_import.py --scale 1       (260,000 meters, ~3,000,000 readings)

What it does:
  1. generates holders and contracts with bench/generate_feed.py (imported, unchanged), then
     one meter per water contract (every 25th contract had its meter changed: the old meter
     with a removed_on, a new serial from that day) and two years of readings, six a year
     (operator readings, one in six estimated, one in eight the customer's, validated), into
     bench/results/readings-<scale>-s<seed>/ (made once, git-ignored);
  2. creates a fresh PostgreSQL database sportello_readings_bench_<pid> on the server of
     --postgres-url, migrates it, runs `import_feed` on the four files (the first load), then
     again on the same files (an unchanged re-run, which must write nothing), and drops it;
  3. prints the rows/s of meters.csv and readings.csv for both runs, from import_feed's own
     per-file summaries, and writes them as JSON to bench/results/readings_import.json.

The target (issue 9): at least 50,000 rows/s for the first load of each file at full size,
and an unchanged re-run that creates and updates nothing; the exit status is 1 otherwise
(the rate is held to the target only at --scale 1).
"""

import argparse
import csv
import json
import os
import random
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.generate_feed import generate  # noqa: E402
from bench.import_bench import (  # noqa: E402
    DEFAULT_POSTGRES_URL,
    RESULTS_DIR,
    BenchError,
    child_env,
    import_once,
    run,
    venv_python,
)

FULL_WATER_CONTRACTS = 250_000  # + 1 in 25 changed meters = 260,000 meters
CHANGE_EVERY = 25
TARGET_ROWS_PER_S = 50_000
END = date(2026, 11, 30)
START = END - timedelta(days=730)


def write_readings(directory, water_codes, seed):
    """meters.csv and readings.csv for `water_codes`; returns (meters, readings)."""
    rng = random.Random(seed)
    meters = readings = 0
    with (
        open(directory / "meters.csv", "w", encoding="utf-8", newline="") as mf,
        open(directory / "readings.csv", "w", encoding="utf-8", newline="") as rf,
    ):
        mw, rw = csv.writer(mf), csv.writer(rf)
        mw.writerow(["serial", "service_code", "kind", "digits", "installed_on", "removed_on"])
        rw.writerow(["serial", "read_on", "value", "source", "status", "reason"])
        for n, code in enumerate(water_codes):
            per_day = rng.uniform(0.15, 0.9)
            offset = rng.randrange(61)
            days = [START + timedelta(days=offset + 61 * k) for k in range(12)]
            kind = "dial" if rng.random() < 0.3 else "direct"
            serial = f"W{n:08d}"
            value = rng.randrange(20_000)
            last = START
            if n % CHANGE_EVERY == 0:
                change = days[6] + timedelta(days=20)
                old = f"X{n:08d}"
                mw.writerow([old, code, kind, 5, "2010-01-01", change.isoformat()])
                mw.writerow([serial, code, "direct", 5, change.isoformat(), ""])
                meters += 2
                current = old
                for day in days:
                    if current == old and day > change:
                        value += round(per_day * (change - last).days)
                        rw.writerow([old, change.isoformat(), value % 100_000, "operator", "", ""])
                        rw.writerow([serial, change.isoformat(), 0, "operator", "", ""])
                        readings += 2
                        current, value, last = serial, 0, change
                    value += round(per_day * 61)
                    rw.writerow([current, day.isoformat(), value % 100_000, _source(rng), "", ""])
                    readings += 1
                    last = day
                continue
            mw.writerow([serial, code, kind, 5, "2010-01-01", ""])
            meters += 1
            for day in days:
                value += round(per_day * 61)
                rw.writerow([serial, day.isoformat(), value % 100_000, _source(rng), "", ""])
                readings += 1
    return meters, readings


def _source(rng):
    draw = rng.random()
    if draw < 1 / 6:
        return "estimated"
    if draw < 1 / 6 + 1 / 8:
        return "customer"
    return "operator"


def feed_directory(scale, seed):
    directory = RESULTS_DIR / f"readings-{scale:g}-s{seed}"
    marker = directory.with_name(directory.name + ".json")
    if marker.exists():
        print(f"feed: {directory.relative_to(BASE_DIR)} (cached)", flush=True)
        return directory, json.loads(marker.read_text())
    water = max(round(FULL_WATER_CONTRACTS * scale), 1)
    # generate_feed mixes water and waste: ask for enough contracts to hold `water` of them.
    holders = round(water * 1.1)
    contracts = min(round(water * 2.2), 3 * holders)
    print(f"feed: generating {holders} holders, {contracts} contracts ...", flush=True)
    generate(directory, holders, contracts, seed)
    with open(directory / "contracts.csv", encoding="utf-8", newline="") as f:
        codes = [row["service_code"] for row in csv.DictReader(f) if row["service"] == "water"]
    if len(codes) < water:
        raise BenchError(f"only {len(codes)} water contracts generated, {water} needed")
    meters, readings = write_readings(directory, codes[:water], seed)
    info = {"water_contracts": water, "meters": meters, "readings": readings}
    marker.write_text(json.dumps(info) + "\n")
    print(f"feed: {meters} meters, {readings} readings", flush=True)
    return directory, info


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=0.1, help="1 = 260,000 meters (0.1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="server to create the throwaway database on",
    )
    args = p.parse_args(argv)
    if not 0 < args.scale <= 1:
        p.error("--scale is in (0, 1]")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    feed, info = feed_directory(args.scale, args.seed)
    name = f"sportello_readings_bench_{os.getpid()}"
    base = args.postgres_url.rsplit("/", 1)[0]
    admin = [venv_python(), "-c", (
        "import psycopg, sys; c = psycopg.connect(sys.argv[1], autocommit=True); "
        "c.execute(sys.argv[2])"
    ), args.postgres_url]  # fmt: skip
    run([*admin, f'CREATE DATABASE "{name}"'])
    results = []
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            env = child_env(var_dir, f"{base}/{name}")
            print("postgresql: migrate ...", flush=True)
            run([venv_python(), "manage.py", "migrate", "--noinput", "-v", "0"], env=env)
            for label in ("first load", "unchanged re-run"):
                print(f"postgresql: {label} ...", flush=True)
                results.append(import_once(env, feed, label, "auto"))
    finally:
        run([*admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)
    failures = []
    print(f"\n{'run':18} {'file':14} {'rows':>10} {'seconds':>8} {'rows/s':>10}  peak RSS")
    for result in results:
        for file in ("meters.csv", "readings.csv"):
            counts = result["files"][file]
            rows = sum(counts[k] for k in ("created", "updated", "unchanged", "error"))
            rate = rows / counts["seconds"] if counts["seconds"] else float("inf")
            counts["rows_per_s"] = round(rate)
            print(f"{result['run']:18} {file:14} {rows:>10,} {counts['seconds']:>8.1f} "
                  f"{rate:>10,.0f}  {result['peak_rss_mb']} MB")  # fmt: skip
            if result["run"] == "unchanged re-run" and (counts["created"] or counts["updated"]):
                failures.append(f"{file}: the unchanged re-run wrote rows")
            if result["run"] == "first load" and args.scale == 1 and rate < TARGET_ROWS_PER_S:
                failures.append(f"{file}: {rate:,.0f} rows/s < {TARGET_ROWS_PER_S:,}")
    out = RESULTS_DIR / "readings_import.json"
    out.write_text(json.dumps({"scale": args.scale, **info, "runs": results}, indent=2) + "\n")
    print(f"\nresults: {out.relative_to(BASE_DIR)}")
    for failure in failures:
        print(f"MISSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
