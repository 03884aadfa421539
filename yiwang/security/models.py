"""Personal information (PIPL): who saw which personal value and why; which cases were purged."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _


class PersonalDataReveal(models.Model):
    """One look at an unmasked personal value. Written by services.personal_data_reveal only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(_("账号"), max_length=150)  # kept if the user is renamed
    content_type = models.ForeignKey(ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT)
    object_id = models.CharField(_("对象"), max_length=64)
    object_label = models.CharField(_("对象名称"), max_length=200, blank=True)  # e.g. a case number
    field = models.CharField(_("字段"), max_length=64)
    reason = models.CharField(_("理由"), max_length=500)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.username} {self.object_label or self.object_id}.{self.field} {localtime(self.at):%Y-%m-%d %H:%M}"


class RetentionPurge(models.Model):
    """A case whose personal data was removed after its retention period (one row per case)."""

    case = models.OneToOneField("cases.Case", verbose_name=_("诉求件"), on_delete=models.CASCADE, related_name="+")
    purged_at = models.DateTimeField(_("清除时间"))
    years = models.PositiveSmallIntegerField(_("保存年限"))

    class Meta:
        verbose_name = _("个人信息清除记录")
        verbose_name_plural = _("个人信息清除记录")

    def __str__(self) -> str:
        return f"{self.case_id} {localtime(self.purged_at):%Y-%m-%d}"
