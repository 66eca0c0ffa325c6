#!/usr/bin/env python3
"""Bills import benchmark: bills.csv and payments.csv at a utility's size, on PostgreSQL.

    .venv/bin/python bench/billing_import.py [--scale 1.0] [--pdfs 200]

What it does:
  1. generates the feed for `--scale` of 250,000 contracts (--scale 1: 156,250 holders,
     250,000 contracts, 6,000,000 bills, 24 a contract, and a payment for four bills in
     five): customers.csv and contracts.csv with bench/generate_feed.py, bills.csv and
     payments.csv here; `--pdfs` distinct small PDFs under bills/, each named by several bills
     (a PDF is copied into the private storage once, not parsed), one bill in ten with a
     pagoPA notice. Cached under bench/results/billing-feed-<contracts>-s<seed>/;
  2. creates a fresh PostgreSQL database sportello_billbench_<pid> on the server of
     --postgres-url (default $BENCH_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/
     postgres), migrates it, runs `import_feed` on the feed (the first load) and again on the
     same files (the unchanged re-run, which must write nothing), then drops the database;
  3. prints, for each run and each file, rows and rows/s as import_feed measured them (the
     file's own time), and writes them to bench/results/billing_import.json.

The target (issue 10): bills.csv loads at >= 50,000 rows/s on the first load; the exit status
is 1 when it is missed or when the re-run changed a row.
"""

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate_feed import generate  # noqa: E402
from bench.import_bench import (  # noqa: E402
    DEFAULT_POSTGRES_URL,
    RESULTS_DIR,
    BenchError,
    child_env,
    import_once,
    load_average,
    pg_admin,
    redact,
    run,
    venv_python,
    with_database,
)

FULL_CONTRACTS = 250_000
BILLS_PER_CONTRACT = 24
TARGET_ROWS_PER_S = 50_000
HEADER = "number,service_code,issued_on,due_on,period_start,period_end,amount,pdf,pagopa_notice\n"


def notice(n):
    """A pagoPA notice number with its check digits (aux digit 3)."""
    prefix = f"3{n:015d}"
    return f"{prefix}{int(prefix) % 93:02d}"


def tiny_pdf(n):
    body = f"BT /F1 12 Tf 72 720 Td (Bolletta di prova {n}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
        + f"4 0 obj<</Length {len(body)}>>stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def month(year, index):
    """(year, month) `index` months after January of `year`."""
    return year + index // 12, index % 12 + 1


def write_bills(directory, pdfs):
    """bills.csv and payments.csv for every contract of contracts.csv; returns the counts."""
    (directory / "bills").mkdir(exist_ok=True)
    for n in range(pdfs):
        (directory / "bills" / f"p{n:05d}.pdf").write_bytes(tiny_pdf(n))
    bills = payments = 0
    with (
        open(directory / "contracts.csv", encoding="utf-8", newline="") as src,
        open(directory / "bills.csv", "w", encoding="utf-8") as out,
        open(directory / "payments.csv", "w", encoding="utf-8") as pay,
    ):
        out.write(HEADER)
        pay.write("bill_number,paid_on,amount,channel\n")
        reader = csv.reader(src)
        next(reader)
        for c, row in enumerate(reader):
            code = row[0]
            lines = []
            paid = []
            for k in range(BILLS_PER_CONTRACT):
                y, m = month(2024, k + 11)
                issued = f"{y}-{m:02d}-05"
                due_y, due_m = month(y, m)  # the month after
                due = f"{due_y}-{due_m:02d}-04"
                start_y, start_m = month(y, m - 3)
                number = f"B{c:06d}{k:02d}"
                amount = f"{40 + (c * 7 + k * 13) % 400}.{(c + k) % 100:02d}"
                pdf = f"bills/p{(c * BILLS_PER_CONTRACT + k) % pdfs:05d}.pdf" if pdfs else ""
                pagopa = notice(c * BILLS_PER_CONTRACT + k) if k % 10 == 9 else ""
                lines.append(
                    f"{number},{code},{issued},{due},{start_y}-{start_m:02d}-01,"
                    f"{y}-{m:02d}-01,{amount},{pdf},{pagopa}\n"
                )
                if (c + k) % 5:
                    paid.append(f"{number},{due},{amount},bank\n")
            out.writelines(lines)
            pay.writelines(paid)
            bills += len(lines)
            payments += len(paid)
    return {"bills.csv": bills, "payments.csv": payments}


def feed_directory(args):
    contracts = max(1, round(FULL_CONTRACTS * args.scale))
    holders = max(1, round(contracts / 1.6))
    directory = RESULTS_DIR / f"billing-feed-{contracts}-p{args.pdfs}-s{args.seed}"
    marker = directory.with_name(directory.name + ".json")
    if marker.exists():
        print(f"feed: {directory} (cached)", flush=True)
        return directory, json.loads(marker.read_text())
    shutil.rmtree(directory, ignore_errors=True)
    started = time.monotonic()
    print(f"feed: generating {holders} holders, {contracts} contracts ...", flush=True)
    generate(directory, holders, contracts, seed=args.seed)
    counts = write_bills(directory, args.pdfs)
    counts.update({"customers.csv": holders, "contracts.csv": contracts})
    marker.write_text(json.dumps(counts) + "\n")
    print(f"feed: {counts} in {time.monotonic() - started:.0f} s", flush=True)
    return directory, counts


def bench(args):
    feed, counts = feed_directory(args)
    name = f"sportello_billbench_{os.getpid()}"
    created = pg_admin(args.postgres_url, f'CREATE DATABASE "{name}"')
    if created.returncode:
        raise BenchError(f"cannot create {name} on {redact(args.postgres_url)}: {created.stderr}")
    var_dir = Path(tempfile.mkdtemp(prefix="sportello-billbench-"))
    results = []
    try:
        env = child_env(var_dir, with_database(args.postgres_url, name))
        print("postgresql: migrate ...", flush=True)
        run([venv_python(), "manage.py", "migrate", "--noinput", "--verbosity", "0"], env=env)
        for label in ("first load", "re-run"):
            print(f"postgresql: {label} ...", flush=True)
            result = import_once(env, feed, label, "auto")
            results.append(result)
            for file in ("bills.csv", "payments.csv"):
                got = result["files"][file]
                rows = sum(v for k, v in got.items() if k != "seconds")
                print(
                    f"  {file}: {rows:,} rows in {got['seconds']:.1f} s = "
                    f"{rows / got['seconds']:,.0f} rows/s ({got})",
                    flush=True,
                )
    finally:
        dropped = pg_admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if dropped.returncode:
            print(f"warning: could not drop {name}: {dropped.stderr.strip()}", file=sys.stderr)
        shutil.rmtree(var_dir, ignore_errors=True)
    first, rerun = results
    bills = first["files"]["bills.csv"]
    rate = counts["bills.csv"] / bills["seconds"]
    problems = []
    if bills["created"] != counts["bills.csv"] or bills["error"]:
        problems.append(f"first load: bills.csv {bills}, expected {counts['bills.csv']} created")
    if rate < TARGET_ROWS_PER_S:
        problems.append(f"bills.csv first load {rate:,.0f} rows/s < {TARGET_ROWS_PER_S:,}")
    for file in ("bills.csv", "payments.csv"):
        got = rerun["files"][file]
        if got["created"] or got["updated"] or got["error"]:
            problems.append(f"re-run wrote {file}: {got}")
    summary = {
        "scale": args.scale,
        "counts": counts,
        "pdfs": args.pdfs,
        "load_average": load_average(),
        "bills_rows_per_s": round(rate),
        "runs": results,
        "problems": problems,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nbills.csv first load: {rate:,.0f} rows/s (target {TARGET_ROWS_PER_S:,})")
    print(f"re-run: {rerun['wall_s']:.1f} s, {problems if problems else 'nothing written'}")
    return problems


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=0.1, help="of 250,000 contracts (0.1)")
    p.add_argument("--pdfs", type=int, default=200, help="distinct PDFs in the feed (200)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    )
    p.add_argument("--output", type=Path, default=RESULTS_DIR / "billing_import.json")
    args = p.parse_args(argv)
    try:
        problems = bench(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"MISSED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
