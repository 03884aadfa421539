from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Category, ResponsibilityRule, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "kind", "area", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "name_en", "name_zh_hant")
    raw_id_fields = ("area",)
    fields = ("code", "name", "name_en", "name_zh_hant", "kind", "area", "is_active")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "level", "parent", "is_urgent", "is_active")
    list_filter = ("level", "is_urgent", "is_active")
    search_fields = ("code", "name", "name_en", "name_zh_hant")
    raw_id_fields = ("parent",)
    fields = ("code", "name", "name_en", "name_zh_hant", "level", "parent", "is_urgent", "is_active")


@admin.register(ResponsibilityRule)
class ResponsibilityRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "area", "lead_unit", "note")
    search_fields = ("category__name", "area__name", "lead_unit__name")
    raw_id_fields = ("category", "area", "lead_unit")
    filter_horizontal = ("assisting_units",)
    actions = ["dry_run"]

    @admin.action(description=_("试算：这些条目所在区域与分类的诉求会派给谁"))
    def dry_run(self, request, queryset):
        from .selectors import route

        for rule in queryset.select_related("category", "area"):
            decision = route(category=rule.category, area=rule.area)
            who = decision.lead_unit.display_name if decision else _("派遣员队列")
            self.message_user(
                request, f"{rule.category.display_path} @ {rule.area.name} → {who}", messages.INFO
            )
