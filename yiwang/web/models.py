from django.conf import settings
from django.db import models
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _


class CoHandlingRequest(models.Model):
    """A unit's request for co-handling units (协办), waiting for the dispatcher.

    The closed loop has no move for it, so the request waits here; the dispatcher's decision is a
    move (`redispatch` to the same lead unit with the assisting units added) and so is on the audit
    trail, with this request's reason.
    """

    class Decision(models.TextChoices):
        APPROVED = "approved", _("同意")
        DENIED = "denied", _("不同意")

    case = models.ForeignKey("cases.Case", verbose_name=_("诉求件"), on_delete=models.CASCADE, related_name="cohandling_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    unit = models.ForeignKey(
        "routing.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("申请单位")
    )
    units = models.ManyToManyField("routing.Unit", related_name="+", verbose_name=_("请求协办单位"))
    reason = models.CharField(_("理由"), max_length=500)
    created_at = models.DateTimeField(_("申请时间"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("处理结果"), max_length=10, choices=Decision.choices, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("协办申请")
        verbose_name_plural = _("协办申请")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["decided_at", "case"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.reason[:30]}"


class AuditCheck(models.Model):
    """One check of the whole audit trail (`yiwang.cases.audit.verify_chain`) run from the audit page.

    The check walks every event, so the page never runs it on a view: it shows the last stored result,
    which survives a restart and names who ran it and when.
    """

    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"))
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("校验人"),
    )
    run_by_name = models.CharField(_("校验人账号"), max_length=150)  # kept if the account goes
    ok = models.BooleanField(_("链完整"))
    checked = models.PositiveBigIntegerField(_("已校验记录数"))
    broken_event = models.PositiveBigIntegerField(_("首个断点（全局序号）"), null=True, blank=True)
    problem = models.CharField(_("断点原因"), max_length=500, blank=True)
    head_seq = models.PositiveBigIntegerField(_("校验时链尾序号"), default=0)

    class Meta:
        verbose_name = _("审计链校验")
        verbose_name_plural = _("审计链校验")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{localtime(self.started_at):%Y-%m-%d %H:%M} {'ok' if self.ok else self.broken_event}"


class FollowCode(models.Model):
    """One code a visitor asked for to follow a case (web.otp): its keyed hash and its wrong tries.

    The tries are counted on this row with one conditional UPDATE, so simultaneous guesses on one
    code cannot each read the same count (a count kept in the session was read by every request
    before any of them wrote it back). The visitor's session holds only this row's id.
    """

    number = models.CharField(_("诉求编号"), max_length=40)
    code_hash = models.CharField(max_length=64, blank=True)  # empty: the number and phone did not match
    tries = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    created_at = models.DateTimeField(_("发送时间"))
    expires_at = models.DateTimeField(_("失效时间"), db_index=True)

    class Meta:
        verbose_name = _("查询验证码")
        verbose_name_plural = _("查询验证码")

    def __str__(self) -> str:
        return f"{self.number} ({self.tries})"


class SameProblem(models.Model):
    """A visitor's word on the portal that an open case nearby is their problem too (同一问题, "+1"),
    said instead of filing it again (FixMyStreet's "this is my problem too").

    It is not a move: the case's row, version and audit trail stay as they are, so a popular case's
    +1s never make a dispatcher's move answer "case changed". One row per case and supporter (the
    signed-in resident, or else the browser's session, as a keyed hash), so a retry or a second
    click counts once. The dispatcher sees the count on the case page.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="same_problems")
    supporter = models.CharField(_("反映人标识"), max_length=64)  # "user:<id>" or a keyed hash of the session
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("同一问题反映")
        verbose_name_plural = _("同一问题反映")
        constraints = [models.UniqueConstraint(fields=["case", "supporter"], name="web_same_problem_once")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.supporter[:12]}"


class BulkAction(models.Model):
    """One bulk submission from the dispatcher's queue: one move (不予受理, 并案) for several cases.

    Each case still goes through the move registry (`cases.services.perform`: role, scope, state and
    the version the dispatcher saw) with its own audit event. This row keeps the submission's key, so
    a retried POST (a double click, a reload, a resent form) shows the results of the first instead of
    acting again, and it keeps what happened to each case for the results page.
    """

    key = models.CharField(max_length=64, unique=True)  # generated into the form when it is shown
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=20)
    payload = models.JSONField(default=dict, blank=True)  # what every case's move carried
    # [{"number", "ok", "status", "message"}], in the order the cases were listed
    results = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("提交时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量操作")
        verbose_name_plural = _("批量操作")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} ×{len(self.results)} ({self.key[:8]})"
