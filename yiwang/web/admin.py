from django.contrib import admin

from yiwang.security.admin import ReadOnlyAdmin

from .models import AuditCheck, CoHandlingRequest


@admin.register(CoHandlingRequest)
class CoHandlingRequestAdmin(admin.ModelAdmin):
    list_display = ("case", "unit", "reason", "created_at", "decision", "decided_at")
    list_filter = ("decision",)
    search_fields = ("case__number", "reason")
    raw_id_fields = ("case", "requested_by", "decided_by")
    filter_horizontal = ("units",)
    readonly_fields = ("created_at", "decided_at")


@admin.register(AuditCheck)
class AuditCheckAdmin(ReadOnlyAdmin):
    """The audit page's chain checks, read-only: a record of who checked the trail and what they found."""

    list_display = ("finished_at", "run_by_name", "ok", "checked", "broken_event", "head_seq")
    list_filter = ("ok",)
