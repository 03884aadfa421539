from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "yiwang.routing"
    label = "routing"
    verbose_name = _("单位、分类与权责清单")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .models import Category, ResponsibilityRule, Unit
        from .snapshot import bump_routing_revision

        for model in (Category, Unit, ResponsibilityRule):
            post_save.connect(bump_routing_revision, sender=model, dispatch_uid=f"routing.bump.save.{model.__name__}")
            post_delete.connect(bump_routing_revision, sender=model, dispatch_uid=f"routing.bump.del.{model.__name__}")
        m2m_changed.connect(
            bump_routing_revision,
            sender=ResponsibilityRule.assisting_units.through,
            dispatch_uid="routing.bump.assisting",
        )
