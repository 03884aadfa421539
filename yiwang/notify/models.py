from django.db import models
from django.utils.translation import gettext_lazy as _


class Outbox(models.Model):
    """A message to send, written in the same transaction as the move that caused it."""

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="outbox", null=True, blank=True
    )
    event = models.ForeignKey(
        "cases.CaseEvent", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    channel = models.CharField(_("通道"), max_length=20)  # sms | email | webhook
    recipient = models.CharField(_("接收方"), max_length=300)
    kind = models.CharField(_("类型"), max_length=30)
    language = models.CharField(max_length=10, default="zh-hans")
    body = models.TextField(_("内容"))
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知发件箱")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.channel} -> {self.recipient}: {self.kind}"
