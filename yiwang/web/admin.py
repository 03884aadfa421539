from django.contrib import admin

from .models import CoHandlingRequest


@admin.register(CoHandlingRequest)
class CoHandlingRequestAdmin(admin.ModelAdmin):
    list_display = ("case", "unit", "reason", "created_at", "decision", "decided_at")
    list_filter = ("decision",)
    search_fields = ("case__number", "reason")
    raw_id_fields = ("case", "requested_by", "decided_by")
    filter_horizontal = ("units",)
    readonly_fields = ("created_at", "decided_at")
