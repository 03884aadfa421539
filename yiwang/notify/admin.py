from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .delivery import retry_now
from .models import DeliveryAttempt, Outbox


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "duration_ms", "ok", "detail", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    """Staff see what was sent, to whom, each attempt and its error, and can retry at once."""

    list_display = (
        "id",
        "created_at",
        "kind",
        "channel",
        "recipient",
        "case",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error_short",
    )
    list_filter = ("state", "channel", "kind", "language", "created_at")
    search_fields = ("recipient", "case__number", "body")
    date_hierarchy = "created_at"
    list_select_related = ("case",)
    readonly_fields = [f.name for f in Outbox._meta.fields]
    inlines = [DeliveryAttemptInline]
    actions = ["retry_now_action"]

    @admin.display(description=_("最近错误"))
    def last_error_short(self, obj):
        return (obj.last_error or "")[:80]

    def has_add_permission(self, request):
        return False  # messages are written by the moves that cause them

    def has_delete_permission(self, request, obj=None):
        return False  # the outbox is the record of what residents and staff were told

    @admin.action(description=_("立即重试"), permissions=["change"])
    def retry_now_action(self, request, queryset):
        ids = list(queryset.exclude(state=Outbox.State.SENT).values_list("pk", flat=True))
        if not ids:
            self.message_user(request, _("所选通知均已发送，无需重试。"), messages.WARNING)
            return
        counts = retry_now(ids=ids)
        self.message_user(
            request,
            ngettext(
                "已重试 %(n)d 条：成功 %(sent)d，稍后重试 %(retrying)d，失败 %(failed)d。",
                "已重试 %(n)d 条：成功 %(sent)d，稍后重试 %(retrying)d，失败 %(failed)d。",
                len(ids),
            )
            % {"n": len(ids), **counts},
            messages.SUCCESS if not counts["failed"] and not counts["retrying"] else messages.WARNING,
        )
