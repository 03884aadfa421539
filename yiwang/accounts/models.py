from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("群众")
    OPERATOR = "operator", _("话务员")
    DISPATCHER = "dispatcher", _("派遣员")
    HANDLER = "handler", _("承办人")
    UNIT_LEADER = "unit_leader", _("单位负责人")
    GRIDWORKER = "gridworker", _("网格员")
    LEADER = "leader", _("领导")
    AUDITOR = "auditor", _("审计员")
    ADMIN = "admin", _("管理员")


class User(AbstractUser):
    """A person who signs in. Their role and scope decide what they may see and do."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    # The scope: the unit a handler works for, the area a dispatcher/leader oversees, a grid worker's grid.
    unit = models.ForeignKey(
        "routing.Unit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    area = models.ForeignKey(
        "geo.Area",
        verbose_name=_("辖区/网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
