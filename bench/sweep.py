"""Benchmark: the deadline sweep over a million tickets when 2,000 clocks have just run out (issue #4).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/heatservice_bench_sweep \\
        .venv/bin/python bench/sweep.py [--sizes 100000,1000000] [--overdue 2000] [--households 50000]

For each size: a fresh database, seed_demo's topology and accounts, then `complaints.demo.bulk_tickets`
writes SIZE tickets with their clocks and events (closed history) of which OVERDUE have a pending
reply clock that fell due in the last minute. The sweep then runs once (timed, queries counted) and a
second time (must change nothing). Then, REPEAT times, what the sweep wrote is taken back (its
events, notices and proposals deleted with triggers off, its clocks set pending again) and the sweep
is timed again, so the figure is a median and a range, not one sample of a noisy machine. Writes
bench/results/sweep.json. The figure to watch: the sweep's time and query count stay flat as the
closed history grows tenfold (partial indexes on live clocks).
"""

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results" / "sweep.json"


def run_size(size: int, overdue: int, households: int, seed: int, repeat: int) -> dict:
    from seed_households import recreate_database

    recreate_database(os.environ["DATABASE_URL"])
    import django
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    django.setup()
    connections.close_all()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", households=households, tickets=0, seed=seed, verbosity=0)
    from complaints.demo import bulk_tickets
    from complaints.models import Deadline
    from complaints.sweep import deadlines_sweep

    now = timezone.now().replace(microsecond=0)
    started = time.monotonic()
    bulk_tickets(count=size, pending_overdue=overdue, now=now, seed=seed)
    load_seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    clocks = Deadline.objects.count()

    with CaptureQueriesContext(connection) as first_queries:
        started = time.monotonic()
        first = deadlines_sweep(now=now)
        first_seconds = time.monotonic() - started
    with CaptureQueriesContext(connection) as second_queries:
        started = time.monotonic()
        second = deadlines_sweep(now=now)
        second_seconds = time.monotonic() - started
    repeats = []
    for _ in range(repeat):
        _take_back(connection, now)
        started = time.monotonic()
        again = deadlines_sweep(now=now)
        repeats.append(round(time.monotonic() - started, 3))
        assert again.overdue == overdue, again
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT ticket_id FROM complaints_deadline WHERE state = 'pending' AND due_at <= %s "
            "ORDER BY due_at, id LIMIT 500",
            [now],
        )
        plan = [row[0] for row in cursor.fetchall()]
    return {
        "tickets": size,
        "clocks": clocks,
        "newly_overdue": overdue,
        "load_seconds": round(load_seconds, 1),
        "sweep_seconds": round(first_seconds, 3),
        "sweep_queries": len(first_queries),
        "sweep_result": first.as_dict(),
        "repeated_sweep_seconds": repeats,
        "repeated_sweep_median": statistics.median(repeats) if repeats else None,
        "second_sweep_seconds": round(second_seconds, 3),
        "second_sweep_queries": len(second_queries),
        "second_sweep_result": second.as_dict(),
        "candidate_plan": plan,
    }


def _take_back(connection, now) -> None:
    """Undo what the sweep at `now` wrote, so the same 2,000 clocks can run out again. The events
    table is append-only by trigger; the benchmark (a superuser on its own database) switches
    triggers off for this one transaction."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM complaints_assessment WHERE created_at = %s AND created_by_id IS NULL", [now])
        cursor.execute("DELETE FROM complaints_notification WHERE created_at = %s", [now])
        cursor.execute("DELETE FROM complaints_ticketevent WHERE kind = 'deadline_missed' AND at = %s", [now])
        cursor.execute(
            "UPDATE complaints_deadline SET state = 'pending', overdue_at = NULL, escalation_level = 0, "
            "escalate_at = NULL WHERE overdue_at = %s",
            [now],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--overdue", type=int, default=2000)
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=5, help="timed sweeps after taking the first one back")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatservice.settings")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/heatservice_bench_sweep"
    runs = []
    for size in [int(s) for s in args.sizes.split(",")]:
        result = run_size(size, args.overdue, args.households, args.seed, args.repeat)
        runs.append(result)
        print(
            f"{size:>9,} tickets ({result['clocks']:,} clocks): sweep of {args.overdue} newly overdue "
            f"{result['sweep_seconds']:.3f} s, {result['sweep_queries']} queries; "
            f"repeated: median {result['repeated_sweep_median']} s, all {result['repeated_sweep_seconds']}; "
            f"second sweep {result['second_sweep_seconds']:.3f} s, changed {result['second_sweep_result']['overdue']}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": "deadline sweep",
        "runs": runs,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
