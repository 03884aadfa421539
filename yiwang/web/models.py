from django.conf import settings
from django.db import models
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

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="cohandling_requests")
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
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
