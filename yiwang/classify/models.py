"""Trained classifier versions. One row per training run; at most one is active."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from yiwang.core import clock


class ClassifierModel(models.Model):
    version = models.PositiveIntegerField(_("版本"), unique=True)
    created_at = models.DateTimeField(_("训练时间"), default=clock.now)
    is_active = models.BooleanField(_("启用"), default=False)
    method = models.CharField(_("方法"), max_length=200)
    # sha256 over the training rows' (id, title, text, label), order-independent.
    data_fingerprint = models.CharField(_("数据指纹"), max_length=64)
    data_source = models.TextField(_("数据来源"))
    n_rows = models.PositiveIntegerField(_("训练行数"))
    # {"holdout": {...evaluate()...}, "train_seconds": ..., "temperature": ...}; see docs/classifier.md.
    metrics = models.JSONField(_("指标"), default=dict)
    # The fitted pipeline (zlib'd pickle). The database copy is the source of truth, so every
    # application server can load any version; artifact_path is this machine's file cache of it.
    artifact = models.BinaryField(_("模型文件"))
    artifact_sha256 = models.CharField(max_length=64)
    artifact_path = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="classify_one_active_model"
            )
        ]

    def __str__(self) -> str:
        return f"classifier v{self.version}{' (active)' if self.is_active else ''}"


class CasePrediction(models.Model):
    """What the classifier said about a case at intake, and which version said it.

    One row per case the classifier saw. Kept beside the case (not on it) so the classifier stays an
    optional app; the model page compares these with what people chose."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("诉求件"), on_delete=models.CASCADE, related_name="prediction"
    )
    label = models.CharField(_("预测分类"), max_length=64)
    confidence = models.FloatField(_("置信度"))
    model_version = models.PositiveIntegerField(_("模型版本"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("分类预测")
        verbose_name_plural = _("分类预测")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.label} {self.confidence:.2f} (v{self.model_version})"


class CategoryCorrection(models.Model):
    """A person set a case's category to something other than what the classifier predicted.

    The next `yiwang classifier train --from-cases` trains on the chosen label."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("诉求件"), on_delete=models.CASCADE, related_name="category_corrections"
    )
    predicted_label = models.CharField(_("预测分类"), max_length=64)
    predicted_confidence = models.FloatField(_("预测置信度"), null=True, blank=True)
    # The chosen category's first-level name: the classifier's label space.
    chosen_label = models.CharField(_("改正为"), max_length=64)
    chosen_category = models.ForeignKey(
        "routing.Category",
        verbose_name=_("所选分类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    model_version = models.PositiveIntegerField(_("模型版本"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("改正人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_role = models.CharField(_("角色"), max_length=20, blank=True)
    # The platform had already routed the case by itself (confidence above the threshold).
    auto_dispatched = models.BooleanField(_("已自动派遣"), default=False)
    # The move that carried the correction (one correction per move at most).
    event = models.OneToOneField(
        "cases.CaseEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), default=clock.now)
    # The first classifier version trained with this correction (None: not yet).
    used_in_version = models.PositiveIntegerField(_("用于训练版本"), null=True, blank=True)

    class Meta:
        verbose_name = _("分类改正")
        verbose_name_plural = _("分类改正")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.predicted_label} -> {self.chosen_label}"


class ClassifierActivation(models.Model):
    """Each time a version was put in use (after training, or a rollback), and by whom."""

    version = models.PositiveIntegerField(_("版本"))
    at = models.DateTimeField(_("时间"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=20)  # "train" or "rollback"

    class Meta:
        verbose_name = _("模型启用记录")
        verbose_name_plural = _("模型启用记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"v{self.version} {self.reason} {localtime(self.at):%Y-%m-%d %H:%M}"
