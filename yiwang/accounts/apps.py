from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yiwang.accounts"
    label = "accounts"
    verbose_name = _("用户与角色")

    def ready(self) -> None:
        from . import checks  # noqa: F401  registers the production safety checks
