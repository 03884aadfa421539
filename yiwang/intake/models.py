from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Attachment(models.Model):
    """An image uploaded for a case: stored under MEDIA_ROOT with a random name and without EXIF.

    Uploaded first (POST /api/v1/attachments), then named by its `token` in the case it belongs to;
    from then on it is bound to that case. The GPS position read from its EXIF before stripping is
    kept here (and in the case's attachment list) because it may place a case without a point.
    """

    token = models.CharField(_("令牌"), max_length=32, unique=True)
    file = models.CharField(_("文件"), max_length=200)  # path under MEDIA_ROOT
    content_type = models.CharField(_("文件类型"), max_length=20)
    size = models.PositiveIntegerField(_("大小(字节)"))
    width = models.PositiveIntegerField(_("宽度"))
    height = models.PositiveIntegerField(_("高度"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)  # of the stored (stripped) file
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    gps_lon = models.FloatField(_("GPS 经度"), null=True, blank=True)
    gps_lat = models.FloatField(_("GPS 纬度"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("诉求件"), null=True, blank=True, on_delete=models.CASCADE, related_name="attachment_files"
    )
    created_at = models.DateTimeField(_("上传时间"))
    # Shown to the public (Open311's media_url) only once a dispatcher has looked at it and approved
    # it: a photo may show a face, a number plate or a door (services.attachment_publish).
    public_approved_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    public_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准公开的人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return self.token

    def as_entry(self) -> dict:
        """What the case keeps in Case.attachments (and the API shows)."""
        return {
            "token": self.token,
            "url": settings.MEDIA_URL + self.file,
            "content_type": self.content_type,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "gps": {"lon": self.gps_lon, "lat": self.gps_lat} if self.gps_lon is not None else None,
        }


class ImportJob(models.Model):
    """One import of a file of historical cases, keyed by the file's SHA-256: where it stopped."""

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")  # started, or stopped part way (resume with --resume)
        DONE = "done", _("已完成")

    file_sha256 = models.CharField(_("文件 SHA-256"), max_length=64, unique=True)
    file_name = models.CharField(_("文件"), max_length=300)
    source = models.CharField(_("来源"), max_length=40)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    last_row = models.PositiveIntegerField(
        _("已处理到第几行"), default=0
    )  # spreadsheet row number, header = 1
    imported = models.PositiveIntegerField(_("已导入"), default=0)
    already_present = models.PositiveIntegerField(_("已存在"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.file_name} @ {self.last_row}"
