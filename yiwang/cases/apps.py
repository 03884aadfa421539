from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yiwang.cases"
    label = "cases"
    verbose_name = _("诉求办理")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .deadlines import bump_policies
        from .models import DeadlinePolicy

        post_save.connect(bump_policies, sender=DeadlinePolicy, dispatch_uid="cases.bump.policy.save")
        post_delete.connect(bump_policies, sender=DeadlinePolicy, dispatch_uid="cases.bump.policy.delete")
