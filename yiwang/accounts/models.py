from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.security.fields import EncryptedCharField


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
    phone = EncryptedCharField(_("手机号"), max_length=20, blank=True)  # personal data: encrypted at rest
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")


class ApiToken(models.Model):
    """A bearer token for the API and Open311 (api_key). Only a hash is stored; it expires and can be revoked."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(_("令牌哈希"), max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)  # shown to identify a token without revealing it
    name = models.CharField(_("用途"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class LoginLock(models.Model):
    """Failed sign-ins counted per username and per username at one address; past a few, sign-in
    waits until `locked_until`, longer with each failure (see lockout.py). An admin can lift a wait
    early (admin action)."""

    class Scope(models.TextChoices):
        USERNAME = "username", _("账号")
        PAIR = "pair", _("账号与来源地址")

    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices)
    key = models.CharField(_("账号或地址"), max_length=150)
    failures = models.PositiveIntegerField(_("失败次数"), default=0)
    window_started_at = models.DateTimeField(_("计数开始"))
    last_failure_at = models.DateTimeField(_("最近失败"))
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="loginlock_unique_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
