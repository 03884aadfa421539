"""The Celery application (production mode): the deadline sweep and notification retries on workers.

    .venv/bin/celery -A yiwang.celery worker -l info      # one or more workers
    .venv/bin/celery -A yiwang.celery beat -l info        # exactly one scheduler (or `worker -B`)

Configuration comes from Django settings under the CELERY_ prefix (broker CELERY_BROKER_URL, result
backend CELERY_RESULT_BACKEND, the beat schedule CELERY_BEAT_SCHEDULE). Django itself never imports
this module (yiwang/__init__.py stays empty): only workers, beat and the code that enqueues tasks
(yiwang.cases.tasks, yiwang.notify.tasks) do, so the web process runs without a broker in demo mode.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")

app = Celery("yiwang")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each installed app's tasks.py, imported when the worker starts (Celery's Django fix-up runs django.setup()).
app.autodiscover_tasks()
