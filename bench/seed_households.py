"""Benchmark: `seed_demo` with a million households into a fresh PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/heatservice_bench \\
        .venv/bin/python bench/seed_households.py [--households 1000000] [--tickets 300] [--bulk-tickets 0]

Drops and recreates the database named in DATABASE_URL (connecting to the `postgres` database),
migrates it, runs seed_demo in this process and prints the elapsed seconds and the peak memory
(ru_maxrss) of this process; writes them to bench/results/seed_households.json. With
`--bulk-tickets N` it then times `complaints.demo.bulk_tickets` for N tickets as well.
"""

import argparse
import datetime as dt
import io
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import dj_database_url
import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "seed_households.json"


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def recreate_database(url: str) -> str:
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit("DATABASE_URL must point to PostgreSQL")
    name = config["NAME"]
    admin = psycopg2.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=300, help="demo tickets through the services (seed_demo)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--bulk-tickets", type=int, default=0, help="then time bulk_tickets with this many")
    parser.add_argument("--pending-overdue", type=int, default=1000, help="pending clocks in the bulk tickets")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL to the benchmark database (it is dropped and recreated)")
    name = recreate_database(url)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatservice.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = round(time.monotonic() - started, 1)
    memory_before_seed = peak_mb()

    out = io.StringIO()
    started = time.monotonic()
    call_command("seed_demo", households=args.households, tickets=args.tickets, seed=args.seed, stdout=out)
    seed_seconds = round(time.monotonic() - started, 1)
    print(out.getvalue(), end="")
    result = {
        "benchmark": "seed_demo households",
        "database": name,
        "households": args.households,
        "tickets": args.tickets,
        "seed": args.seed,
        "migrate_seconds": migrate_seconds,
        "seed_seconds": seed_seconds,
        "peak_rss_mb_before_seed": memory_before_seed,
        "peak_rss_mb": peak_mb(),
        "seed_demo_output": out.getvalue().strip().splitlines(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    print(f"seed_demo --households {args.households}: {seed_seconds} s, peak RSS {result['peak_rss_mb']} MB")

    if args.bulk_tickets:
        from complaints.demo import bulk_tickets

        started = time.monotonic()
        bulk = bulk_tickets(
            count=args.bulk_tickets, pending_overdue=args.pending_overdue, now=timezone.now(), seed=args.seed
        )
        result["bulk_tickets"] = {
            "tickets": bulk.tickets,
            "deadlines": bulk.deadlines,
            "events": bulk.events,
            "pending_overdue": bulk.pending,
            "days": bulk.days,
            "seconds": round(time.monotonic() - started, 1),
            "peak_rss_mb": peak_mb(),
        }
        print(
            f"bulk_tickets {bulk.tickets}: {result['bulk_tickets']['seconds']} s "
            f"({bulk.deadlines} deadlines, {bulk.events} events), peak RSS {peak_mb()} MB"
        )

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
