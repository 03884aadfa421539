from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "yiwang.geo"
    label = "geo"
    verbose_name = _("区域与网格")

    def ready(self) -> None:
        from yiwang.geo import signals  # noqa: F401  invalidates the in-memory index on change
