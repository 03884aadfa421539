from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Request(models.Model):
    """What an Open311 client sent beside the case itself, and the token that resolves to it.

    The case is an ordinary case (channel "open311"); this row keeps the client's own fields that have
    no place on a case (email, device, the client's account id, the media URL as given) and the token
    of GET tokens/{token_id}.
    """

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("诉求件"), on_delete=models.PROTECT, related_name="open311"
    )
    token = models.CharField(_("令牌"), max_length=64, unique=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交账号"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("api_key 所属的账号"),
    )
    email = models.CharField(_("电子邮箱"), max_length=254, blank=True)
    device_id = models.CharField(_("设备标识"), max_length=200, blank=True)
    account_id = models.CharField(_("客户端账号"), max_length=200, blank=True)
    first_name = models.CharField(_("名"), max_length=50, blank=True)
    last_name = models.CharField(_("姓"), max_length=50, blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=1000, blank=True)
    media_urls = models.JSONField(_("全部媒体链接"), default=list, blank=True, help_text=_("每个 media_url，按提交顺序"))
    attributes = models.JSONField(_("附加属性"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 提交")
        verbose_name_plural = _("Open311 提交")

    def __str__(self) -> str:
        return f"open311 {self.token} -> {self.case_id}"


class Open311Update(models.Model):
    """A comment an Open311 client (FixMyStreet) added to a request through POST servicerequestupdates.

    The comment itself is the case's `supplement` event (seq); this row keeps the client's own id of the
    update, so that a retry finds the first one instead of adding a second supplement, and the
    commenter's details that have no place on the audit trail."""

    case = models.ForeignKey("cases.Case", verbose_name=_("诉求件"), on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField(_("事件序号"))  # the supplement event's seq on the case
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交账号"), on_delete=models.PROTECT, related_name="+"
    )
    client_update_id = models.CharField(_("客户端更新编号"), max_length=200)
    first_name = models.CharField(_("名"), max_length=50, blank=True)
    last_name = models.CharField(_("姓"), max_length=50, blank=True)
    email = models.CharField(_("电子邮箱"), max_length=254, blank=True)
    client_status = models.CharField(_("客户端状态"), max_length=40, blank=True)
    client_updated_at = models.DateTimeField(_("客户端更新时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 更新")
        verbose_name_plural = _("Open311 更新")
        constraints = [
            models.UniqueConstraint(fields=["submitted_by", "client_update_id"], name="open311update_unique_client_id")
        ]

    def __str__(self) -> str:
        return f"open311 update {self.client_update_id} -> {self.case_id}#{self.seq}"

    @property
    def update_id(self) -> str:
        return update_id_of(self.case.number, self.seq)


def update_id_of(number: str, seq: int) -> str:
    """Our id of an update: the case number and the event's place on its timeline (20261128000001-3)."""
    return f"{number}-{seq}"
