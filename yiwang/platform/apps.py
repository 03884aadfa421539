from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The top app: what runs the whole platform and so may use every other app (docs/architecture.md,
    "Layers"): the demo (`yiwang demo`), the server (`yiwang serve`, warm-up, the demo's periodic jobs),
    retention (`yiwang retention`) and the home page that sends each role to its workbench."""

    name = "yiwang.platform"
    label = "platform"
