from django.contrib import admin

from .models import Case, CaseEvent, DeadlinePolicy


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("seq", "created_at", "action", "actor_name", "actor_role", "from_status", "to_status", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "title",
        "request_type",
        "status",
        "lead_unit",
        "district",
        "due_at",
        "card",
        "deadline_flag",
    )
    list_filter = ("status", "request_type", "channel", "card")
    search_fields = ("number", "title")
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [CaseEventInline]

    def has_add_permission(self, request):
        return False  # cases enter through intake, never the admin

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = (
        "request_type",
        "category",
        "working_days",
        "response_days",
        "urgent_hours",
        "yellow_fraction",
    )
    list_filter = ("request_type",)
    raw_id_fields = ("category",)
