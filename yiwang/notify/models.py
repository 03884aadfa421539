from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a message is about. Requester notices are named after the case's new state."""

    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已派遣")
    REPLIED = "replied", _("已反馈")
    CLOSED = "closed", _("已办结（请评价）")
    ANSWERED = "answered", _("直接办结（请评价）")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已并案")
    REOPENED = "reopened", _("重办")
    ESCALATION = "escalation", _("红牌督办上报")  # to the supervising dispatchers
    EVENT = "event", _("事件推送")  # a webhook: one move of the closed loop, as JSON
    ALERT = "alert", _("未诉先办预警")  # to an area's leaders: a category rising above its baseline


class Outbox(models.Model):
    """A message to send, written in the same transaction as the move that caused it.

    Delivery (delivery.py) claims a row, sends it through its channel outside any transaction and
    records the attempt; a failure is retried with exponential backoff until NOTIFY_MAX_ATTEMPTS.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")  # waits for its first attempt, or for next_attempt_at
        SENT = "sent", _("已发送")  # the channel accepted it (final)
        # gave up: attempts used up, or a permanent error (final unless staff retry it)
        FAILED = "failed", _("发送失败")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("诉求件"), on_delete=models.CASCADE, related_name="outbox", null=True, blank=True
    )
    event = models.ForeignKey(
        "cases.CaseEvent", verbose_name=_("办理记录"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("工作人员接收的通知（如督办上报）"),
    )
    channel = models.CharField(_("通道"), max_length=20)  # a key of NOTIFY_CHANNELS: sms | email | webhook
    recipient = models.CharField(_("接收方"), max_length=300)  # phone, email address or webhook URL
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    subject = models.CharField(_("主题"), max_length=200, blank=True)  # email only
    body = models.TextField(_("内容"))  # rendered in the recipient's language when written
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    # Due time of the next attempt (null: at once). While an attempt runs it holds the claim's lease.
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True, db_index=True)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知发件箱")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.channel} -> {self.recipient}: {self.kind}"


class DeliveryAttempt(models.Model):
    """One try at sending an outbox row: when, how long, and what the channel said."""

    outbox = models.ForeignKey(Outbox, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("第几次"))
    started_at = models.DateTimeField(_("开始时间"))
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"), default=0)
    ok = models.BooleanField(_("成功"))
    detail = models.CharField(_("通道回执"), max_length=300, blank=True)  # e.g. "HTTP 200", a gateway id
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["outbox", "number"]

    def __str__(self) -> str:
        return f"{self.outbox_id}#{self.number} {'ok' if self.ok else 'failed'}"
