from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassifyConfig(AppConfig):
    name = "yiwang.classify"
    label = "classify"
    verbose_name = _("案件分类")

    def ready(self) -> None:
        from yiwang.cases.events import move_recorded

        from .receivers import on_move_recorded

        move_recorded.connect(on_move_recorded, dispatch_uid="classify.on_move_recorded")
