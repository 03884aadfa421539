from django.contrib import admin

from .models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "level", "kind", "parent", "approximate")
    list_filter = ("level", "approximate")
    search_fields = ("code", "name", "name_en")
    raw_id_fields = ("parent",)
    exclude = ("geometry",)
