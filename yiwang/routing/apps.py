from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "yiwang.routing"
    label = "routing"
    verbose_name = _("单位、分类与权责清单")
