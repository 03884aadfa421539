import os
import subprocess
import sys

SCRIPT = """
import django
django.setup()
from yiwang.notify.tasks import deliver_pending_task
print(deliver_pending_task.app.main, deliver_pending_task.app.conf.broker_url)
"""


def test_a_web_process_handing_deliveries_to_workers_uses_the_project_celery_app():
    # notify cannot import yiwang.celery, which sits above every app: its task is a shared task, and
    # yiwang.platform makes the project's app current when deliveries go to workers
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"DJANGO_SETTINGS_MODULE": "yiwang.settings", "YIWANG_MODE": "demo",
                "NOTIFY_DELIVERY_ON_COMMIT": "celery", "CELERY_BROKER_URL": "redis://127.0.0.1:1/9"})
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["yiwang", "redis://127.0.0.1:1/9"], done.stderr[-2000:]
