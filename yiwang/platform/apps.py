from django.apps import AppConfig
from django.conf import settings


class PlatformConfig(AppConfig):
    """The top app: what runs the whole platform and so may use every other app (docs/architecture.md,
    "Layers"): the demo (`yiwang demo`), the server (`yiwang serve`, warm-up, the demo's periodic jobs),
    retention (`yiwang retention`) and the home page that sends each role to its workbench."""

    name = "yiwang.platform"
    label = "platform"

    def ready(self) -> None:
        if not settings.DEMO_MODE or settings.NOTIFY_DELIVERY_ON_COMMIT == "celery":
            # The apps' tasks are shared tasks: they go to the broker of the current Celery app, so the
            # web process makes the project's app current before any move hands a delivery over.
            from yiwang import celery  # noqa: F401
