from django.contrib import admin

from .models import Projection, ScoreWeights


@admin.register(ScoreWeights)
class ScoreWeightsAdmin(admin.ModelAdmin):
    list_display = (
        "valid_from",
        "response",
        "resolution",
        "satisfaction",
        "basically_satisfied_share",
        "note",
    )
    ordering = ("-valid_from",)


@admin.register(Projection)
class ProjectionAdmin(admin.ModelAdmin):
    list_display = ("name", "last_seq", "last_event_at", "projected_at", "ruler_first", "ruler_last")
    readonly_fields = [f.name for f in Projection._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
