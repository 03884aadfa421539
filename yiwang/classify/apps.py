from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class ClassifyConfig(AppConfig):
    name = "yiwang.classify"
    label = "classify"
    verbose_name = _("案件分类")

    def ready(self) -> None:
        from yiwang.cases.models import CaseEvent

        from .receivers import on_case_event

        post_save.connect(on_case_event, sender=CaseEvent, dispatch_uid="classify.on_case_event")
