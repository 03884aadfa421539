from django.contrib import admin

from .models import PersonalDataReveal, RetentionPurge


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log: nobody adds, edits or deletes rows by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PersonalDataReveal)
class PersonalDataRevealAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "content_type", "object_label", "field", "reason", "address")
    list_filter = ("content_type", "field")
    search_fields = ("username", "object_label", "reason")
    date_hierarchy = "at"


@admin.register(RetentionPurge)
class RetentionPurgeAdmin(ReadOnlyAdmin):
    list_display = ("case", "purged_at", "years")
    date_hierarchy = "purged_at"
