"""The six programmes' tracking (督查督办): Programme → Indicator → Task → Report.

A programme of the city's plan has measurable indicators (baseline, target, target date, direction).
Leaders follow an indicator through tasks given to a lead unit (with assisting units); every unit of
a task reports its figure and progress notes once per period (monthly or quarterly), by a deadline
in working days after the period's end. A leader approves a report or returns it with a reason.
Every write goes through services.py / importing.py, which write an Event row in the same
transaction (append-only: who, when, what).
"""

from django.conf import settings
from django.db import models
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from yiwang.routing.names import localized_name


class Named(models.Model):
    """A name stored in simplified Chinese with optional English and traditional Chinese (as routing)."""

    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    name_zh_hant = models.CharField(_("繁体名称"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localized_name(self.name, name_en=self.name_en, name_zh_hant=self.name_zh_hant)


class Programme(Named):
    code = models.CharField(_("编码"), max_length=40, unique=True)
    summary = models.TextField(_("简介"), blank=True)
    # Where the programme and its targets come from (the city's plan, an import, the demo).
    source = models.CharField(_("来源"), max_length=300, blank=True)
    generated = models.BooleanField(_("演示生成"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("专项行动")
        verbose_name_plural = _("专项行动")
        ordering = ["order", "code"]


class Direction(models.TextChoices):
    UP = "up", _("越大越好")
    DOWN = "down", _("越小越好")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("按月")
    QUARTERLY = "quarterly", _("按季")


class Indicator(Named):
    programme = models.ForeignKey(Programme, verbose_name=_("专项行动"), on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("编码"), max_length=40, unique=True)
    measure_unit = models.CharField(_("计量单位"), max_length=30)
    baseline = models.DecimalField(_("基数"), max_digits=18, decimal_places=4)
    baseline_date = models.DateField(_("基数日期"))
    target = models.DecimalField(_("目标值"), max_digits=18, decimal_places=4)
    target_date = models.DateField(_("目标日期"))
    direction = models.CharField(_("方向"), max_length=4, choices=Direction.choices, default=Direction.UP)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    generated = models.BooleanField(_("演示生成"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["programme__order", "order", "code"]


class Task(models.Model):
    """An indicator's work given to a lead unit and its assisting units, reported per period."""

    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("任务"), max_length=300)
    lead_unit = models.ForeignKey("routing.Unit", verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="+")
    assisting_units = models.ManyToManyField("routing.Unit", verbose_name=_("协办单位"), blank=True, related_name="+")
    frequency = models.CharField(_("报送周期"), max_length=10, choices=Frequency.choices, default=Frequency.QUARTERLY)
    # The report of a period is due at the end of this many working days after the period ends.
    due_working_days = models.PositiveSmallIntegerField(_("报送时限(工作日)"), default=10)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    generated = models.BooleanField(_("演示生成"), default=False)

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["indicator__programme__order", "indicator__order", "id"]

    def __str__(self) -> str:
        return self.title


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("已退回")


class Report(models.Model):
    """One unit's figure and progress notes for one period of a task (resubmitted after a return)."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey("routing.Unit", verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("报送期"), max_length=8)  # 2026-11 or 2026-Q4
    period_end = models.DateField(_("期末"))
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4)
    notes = models.TextField(_("进展情况"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED)
    due_at = models.DateTimeField(_("报送时限"))
    first_submitted_at = models.DateTimeField(_("首次报送时间"))
    submitted_at = models.DateTimeField(_("报送时间"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)
    generated = models.BooleanField(_("演示生成"), default=False)

    class Meta:
        verbose_name = _("进展报送")
        verbose_name_plural = _("进展报送")
        constraints = [models.UniqueConstraint(fields=["task", "unit", "period"], name="programmes_report_once")]
        indexes = [models.Index(fields=["task", "status", "period_end"])]

    def __str__(self) -> str:
        return f"{self.period} {self.unit_id}"

    @property
    def on_time(self) -> bool:
        return self.first_submitted_at <= self.due_at


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="programmes/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class EventAction(models.TextChoices):
    SUBMITTED = "submitted", _("报送")
    APPROVED = "approved", _("审核通过")
    RETURNED = "returned", _("退回")
    PROGRAMME_SAVED = "programme_saved", _("修改专项行动")
    INDICATOR_SAVED = "indicator_saved", _("修改指标")
    TASK_SAVED = "task_saved", _("修改任务")
    IMPORTED = "imported", _("导入")


class AppendOnly(Exception):
    pass


class Event(models.Model):
    """The app's audit trail: append-only (no update, no delete through the ORM)."""

    action = models.CharField(_("操作"), max_length=20, choices=EventAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    # Kept as they were when the person acted (renamed users, changed roles), as a case event keeps them.
    actor_name = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    actor_unit = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    programme = models.ForeignKey(Programme, null=True, on_delete=models.PROTECT, related_name="events")
    indicator = models.ForeignKey(Indicator, null=True, on_delete=models.PROTECT, related_name="events")
    task = models.ForeignKey(Task, null=True, on_delete=models.PROTECT, related_name="events")
    report = models.ForeignKey(Report, null=True, on_delete=models.PROTECT, related_name="events")
    data = models.JSONField(_("内容"), default=dict)

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action} {localtime(self.at):%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("programme events are append-only")
        self.stamp_actor()
        super().save(*args, **kwargs)

    def stamp_actor(self) -> None:
        if self.actor is not None and not self.actor_name:
            self.actor_name = self.actor.get_username()
            self.actor_role = self.actor.role
            self.actor_unit = self.actor.unit.code if self.actor.unit_id else ""

    def delete(self, *args, **kwargs):
        raise AppendOnly("programme events are append-only")


class IdempotencyKey(models.Model):
    """A unit's Idempotency-Key on a report submission: a retry returns the first answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="programmes_idempotency_once")]

    def __str__(self) -> str:
        return self.key
