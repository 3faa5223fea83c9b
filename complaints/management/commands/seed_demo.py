"""`manage.py seed_demo`: realistic demo data (API.md "Setting up and running").

Idempotent on what matters: accounts are keyed on usernames (a second run updates them, never
duplicates them) and households are written only into an empty database (a second run skips
them). Tickets are added on every run that is not skipped by `--if-empty`.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from complaints.demo import seed_tickets
from stations.demo import ensure_accounts, seed_households
from stations.models import Household


class Command(BaseCommand):
    help = (
        "Create demo topology, households, accounts (password: settings.DEMO_PASSWORD) and tickets. "
        "Reproducible for a given --seed. Households are only written into a database that has none."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=2000, help="households to create (default 2000)")
        parser.add_argument("--tickets", type=int, default=300, help="demo tickets to log (default 300)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing at all if households already exist (make run)"
        )

    def handle(self, *args, **options):
        households, tickets, seed = options["households"], options["tickets"], options["seed"]
        if households < 0 or tickets < 0:
            raise CommandError("--households and --tickets must not be negative")
        if options["if_empty"] and Household.objects.exists():
            self.stdout.write("seed_demo: households already exist, nothing to do (--if-empty).")
            return
        started = time.monotonic()

        mark = time.monotonic()
        try:
            result = seed_households(households=households, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if result.skipped:
            self.stdout.write("households: already present, topology and households left as they are")
        else:
            self.stdout.write(
                f"households: {result.households} in {result.areas} areas, {result.communities} communities, "
                f"{result.buildings} buildings, {result.units} units ({time.monotonic() - mark:.1f} s)"
            )

        mark = time.monotonic()
        users = ensure_accounts(password=settings.DEMO_PASSWORD)
        servicemen = sum(1 for name in users if name.startswith("serviceman"))
        self.stdout.write(
            f"accounts: {len(users)} ({servicemen} area servicemen), password from DEMO_PASSWORD "
            f"({time.monotonic() - mark:.1f} s)"
        )

        mark = time.monotonic()
        try:
            made = seed_tickets(count=tickets, seed=seed, now=timezone.now())
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        statuses = ", ".join(f"{status} {n}" for status, n in made.by_status.items())
        self.stdout.write(f"tickets: {made.created} created ({time.monotonic() - mark:.1f} s); all tickets: {statuses}")
        self.stdout.write(self.style.SUCCESS(f"seed_demo done in {time.monotonic() - started:.1f} s (seed {seed})"))
