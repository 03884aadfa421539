from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "yiwang.security"
    label = "security"
    verbose_name = _("安全与个人信息")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
