import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from complaints.sweep import deadlines_sweep


class Command(BaseCommand):
    help = "Run the deadline sweep once, the same code Celery beat runs every minute. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO 8601 time with offset to sweep at (default: the current time)")

    def handle(self, *args, **options):
        now = timezone.now()
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now must be ISO 8601, e.g. 2026-12-01T09:30:00+08:00: {exc}") from exc
            if now.tzinfo is None:
                raise CommandError("--now needs a UTC offset, e.g. +08:00")
        result = deadlines_sweep(now=now)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.as_dict().items()))
