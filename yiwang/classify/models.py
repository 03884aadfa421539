"""Trained classifier versions. One row per training run; at most one is active."""

from django.db import models
from django.db.models import Q
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
