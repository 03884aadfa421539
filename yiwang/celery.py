"""The Celery application (production mode): the deadline sweep and notification retries on workers.

    .venv/bin/celery -A yiwang.celery worker -l info      # one or more workers
    .venv/bin/celery -A yiwang.celery beat -l info        # exactly one scheduler (or `worker -B`)

Configuration comes from Django settings under the CELERY_ prefix (broker CELERY_BROKER_URL, result
backend CELERY_RESULT_BACKEND, the beat schedule CELERY_BEAT_SCHEDULE). The apps sit below this module
and define shared tasks (celery.shared_task), which run on the current app: workers and beat load it
with -A, and yiwang.platform's ready() loads it in the web process in production mode or whenever
NOTIFY_DELIVERY_ON_COMMIT=celery, so the demo's web process never creates a Celery app (creating one
opens no broker connection either way).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")

app = Celery("yiwang")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each installed app's tasks.py, imported when the worker starts (Celery's Django fix-up runs django.setup()).
app.autodiscover_tasks()
