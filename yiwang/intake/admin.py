from django.contrib import admin

from .models import Attachment, ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "file_name",
        "source",
        "status",
        "last_row",
        "total_rows",
        "imported",
        "already_present",
        "failed",
    )
    list_filter = ("status", "source")
    readonly_fields = [f.name for f in ImportJob._meta.fields]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("token", "content_type", "size", "case", "uploaded_by", "created_at")
    search_fields = ("token", "case__number")
    raw_id_fields = ("case", "uploaded_by")
    readonly_fields = ("token", "file", "sha256", "gps_lon", "gps_lat", "created_at")
