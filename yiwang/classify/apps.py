from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassifyConfig(AppConfig):
    name = "yiwang.classify"
    label = "classify"
    verbose_name = _("案件分类")
