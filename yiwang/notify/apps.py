from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "yiwang.notify"
    label = "notify"
    verbose_name = _("通知")

    def ready(self) -> None:
        from yiwang.cases.events import move_recorded

        from .services import on_move_recorded

        move_recorded.connect(on_move_recorded, dispatch_uid="notify.on_move_recorded")
