"""The Celery app and the one beat schedule of Heat Service (STYLE.md rule 13).

Only one beat process may run; every periodic task is idempotent, so a second beat would only
repeat work that then changes nothing.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatservice.settings")

app = Celery("heatservice", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # * * * * *  every minute: mark overdue clocks, warn, escalate, propose assessments
    "sweep-deadlines": {"task": "complaints.tasks.deadlines_sweep_task", "schedule": crontab()},
}
