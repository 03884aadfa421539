"""The measures' rollups (fact tables), the projector's checkpoint, the working-time ruler and the
composite score's weights. What each counter means is written in measures.py and docs/measures.md.

The fact tables hold counts only; rates are computed when read, so a change of the weights or of the
share of 基本满意 never needs a rebuild. Dimension columns are plain ids, not foreign keys: 0 means
"none" (a case without a unit or a grid), because the rollups are upserted on a unique key and SQL
unique keys treat NULLs as all different. A fact is never checked against the tables it names.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Every counter of a fact row, in the order the projector writes them (projection.py).
COUNTERS = (
    "received",
    "answered",
    "rejected",
    "merged",
    "dispatched",
    "responded",
    "withdrawn",
    "returned",
    "replied",
    "reopened",
    "closed",
    "closed_on_time",
    "handling_seconds",
    "rated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "solved",
    "unsolved",
    "suspended",
    "extended",
    "yellow_cards",
    "red_cards",
)


class Counters(models.Model):
    received = models.IntegerField(default=0)  # cases entered (create)
    answered = models.IntegerField(default=0)  # answered at intake 直接办结
    rejected = models.IntegerField(default=0)  # refused at intake 不予受理
    merged = models.IntegerField(default=0)  # merged into another case 并案
    dispatched = models.IntegerField(default=0)  # dispatches and redispatches to a lead unit
    responded = models.IntegerField(
        default=0
    )  # of those: the unit signed or returned by the response deadline
    withdrawn = models.IntegerField(
        default=0
    )  # of those: taken back by the dispatcher before the unit had to act
    returned = models.IntegerField(default=0)  # of those: returned by the unit 退单
    replied = models.IntegerField(default=0)  # replies 反馈 by the unit
    reopened = models.IntegerField(default=0)  # of those: sent back 重办 (failed verification or reopen)
    closed = models.IntegerField(default=0)  # closures 办结 of handled cases
    closed_on_time = models.IntegerField(default=0)  # of those: by the handling deadline in force
    handling_seconds = models.BigIntegerField(default=0)  # working seconds dispatch -> closure, pauses out
    rated = models.IntegerField(default=0)  # ratings 评价
    satisfied = models.IntegerField(default=0)
    basically_satisfied = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)  # ratings that said "solved"
    unsolved = models.IntegerField(default=0)  # ratings that said "not solved"
    suspended = models.IntegerField(default=0)  # suspensions 挂起
    extended = models.IntegerField(default=0)  # approved extensions 延期
    yellow_cards = models.IntegerField(default=0)  # 督办 yellow cards
    red_cards = models.IntegerField(default=0)  # 督办 red cards

    class Meta:
        abstract = True


class MeasureDay(Counters):
    """Counts per local day, lead unit, district and town: day and week periods, unit and area rankings."""

    day = models.DateField()
    unit_id = models.IntegerField(default=0)
    district_id = models.IntegerField(default=0)
    town_id = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("指标日汇总")
        verbose_name_plural = _("指标日汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit_id", "district_id", "town_id"], name="measureday_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} unit {self.unit_id} town {self.town_id}"


class MeasureMonth(Counters):
    """Counts per local month, lead unit, district and town: the cockpit's months and 12-month trends."""

    month = models.DateField()  # the first day of the month
    unit_id = models.IntegerField(default=0)
    district_id = models.IntegerField(default=0)
    town_id = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("指标月汇总")
        verbose_name_plural = _("指标月汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit_id", "district_id", "town_id"], name="measuremonth_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} unit {self.unit_id} town {self.town_id}"


class MeasureMonthGrid(Counters):
    """Counts per month, lead unit and place down to the grid: drill-down to communities and grids."""

    month = models.DateField()
    unit_id = models.IntegerField(default=0)
    district_id = models.IntegerField(default=0)
    town_id = models.IntegerField(default=0)
    community_id = models.IntegerField(default=0)
    grid_id = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("指标月汇总（网格）")
        verbose_name_plural = _("指标月汇总（网格）")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit_id", "district_id", "town_id", "community_id", "grid_id"],
                name="measuremonthgrid_key",
            )
        ]
        indexes = [models.Index(fields=["month", "town_id"], name="measuremonthgrid_town")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} grid {self.grid_id} unit {self.unit_id}"


class MeasureMonthKind(Counters):
    """Counts per month, lead unit, town, request type and first-level category: the filters."""

    month = models.DateField()
    unit_id = models.IntegerField(default=0)
    district_id = models.IntegerField(default=0)
    town_id = models.IntegerField(default=0)
    request_type = models.CharField(max_length=4, default="")
    category_id = models.IntegerField(default=0)  # the first-level category of the case's category

    class Meta:
        verbose_name = _("指标月汇总（类型与分类）")
        verbose_name_plural = _("指标月汇总（类型与分类）")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit_id", "district_id", "town_id", "request_type", "category_id"],
                name="measuremonthkind_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.request_type} {self.category_id} unit {self.unit_id}"


class Projection(models.Model):
    """How far the case events have been projected into the rollups (one row per projection)."""

    name = models.CharField(_("名称"), max_length=32, primary_key=True)
    last_seq = models.BigIntegerField(_("已统计到的全局序号"), default=0)  # CaseEvent.global_seq of the last event counted
    last_event_at = models.DateTimeField(_("最后事件时间"), null=True, blank=True)
    projected_at = models.DateTimeField(_("统计时间"), null=True, blank=True)
    # The working-time ruler's coverage and the calendar revision it was built from (ruler.py).
    ruler_first = models.DateField(_("日历起始日"), null=True, blank=True)
    ruler_last = models.DateField(_("日历截止日"), null=True, blank=True)
    ruler_revision = models.BigIntegerField(_("日历版本"), default=-1)
    ruler_schedule = models.CharField(_("工作时间表"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("指标投影进度")
        verbose_name_plural = _("指标投影进度")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seq}"


class WorkRuler(models.Model):
    """Office seconds on working days before each local day: working time between two instants in SQL."""

    day = models.DateField(primary_key=True)
    day_number = models.IntegerField(unique=True)  # days since 1970-01-01: the projector's join key
    is_workday = models.BooleanField()
    before = models.BigIntegerField()  # office seconds on working days from ruler_first up to this day

    class Meta:
        verbose_name = _("工作时间标尺")
        verbose_name_plural = _("工作时间标尺")

    def __str__(self) -> str:
        return f"{self.day} {'W' if self.is_workday else '-'} {self.before}"


class ScoreWeights(models.Model):
    """The composite score's weights from a month on (the latest row not after a period applies)."""

    valid_from = models.DateField(
        _("生效月份"), unique=True, help_text=_("自该月起适用（填写该月任一日，按月首计）")
    )
    response = models.PositiveSmallIntegerField(_("响应率权重"), default=30)
    resolution = models.PositiveSmallIntegerField(_("解决率权重"), default=35)
    satisfaction = models.PositiveSmallIntegerField(_("满意率权重"), default=35)
    basically_satisfied_share = models.DecimalField(
        _("基本满意计入满意的比例"),
        max_digits=3,
        decimal_places=2,
        default=1,
        help_text=_("1 表示基本满意全部计入满意；0.8 表示按八成计入；0 表示不计入"),
    )
    note = models.CharField(_("依据"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("综合评分权重")
        verbose_name_plural = _("综合评分权重")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.valid_from:%Y-%m}: {self.response}/{self.resolution}/{self.satisfaction}"

    def save(self, *args, **kwargs):
        self.valid_from = self.valid_from.replace(day=1)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.response + self.resolution + self.satisfaction != 100:
            raise ValidationError(_("三项权重之和须为 100"))
        if self.basically_satisfied_share is not None and not 0 <= self.basically_satisfied_share <= 1:
            raise ValidationError({"basically_satisfied_share": _("须在 0 到 1 之间")})


# --------------------------------------------------------------------------- intake: hot spots, warnings
class HotCell(models.Model):
    """Cases received per month, place (down to the grid and the H3 cell) and first-level category.

    Hot spots by grid or by H3 cell (resolution 9 stored; coarser cells are its parents). Made by
    the intake projection (intake.py) from the create events; 0 means none (no point, no grid)."""

    month = models.DateField()
    district_id = models.IntegerField(default=0)
    town_id = models.IntegerField(default=0)
    grid_id = models.IntegerField(default=0)
    category_id = models.IntegerField(default=0)  # first level
    h3 = models.BigIntegerField(default=0)  # H3 cell at resolution 9 of the case's point (0: no point)
    received = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("热点月汇总")
        verbose_name_plural = _("热点月汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "district_id", "town_id", "grid_id", "category_id", "h3"], name="hotcell_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} grid {self.grid_id} cell {self.h3:x}: {self.received}"


class IntakeDay(models.Model):
    """Cases received per local day, town and category (cut at the second level): the early warnings'
    series. Made by the intake projection."""

    day = models.DateField()
    district_id = models.IntegerField(default=0)
    town_id = models.IntegerField(default=0)
    category_id = models.IntegerField(default=0)  # the case's category at level 2 (level 1 if it has none)
    received = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("受理日汇总")
        verbose_name_plural = _("受理日汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "district_id", "town_id", "category_id"], name="intakeday_key"
            )
        ]
        indexes = [models.Index(fields=["town_id", "category_id", "day"], name="intakeday_series")]

    def __str__(self) -> str:
        return f"{self.day} town {self.town_id} category {self.category_id}: {self.received}"


class Alert(models.Model):
    """An early warning 未诉先办: a category in an area rising well above its own baseline."""

    class State(models.TextChoices):
        OPEN = "open", _("待处理")
        ACKNOWLEDGED = "acknowledged", _("已知悉")

    area = models.ForeignKey("geo.Area", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        "routing.Category", verbose_name=_("分类"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("发现日期"))  # the last day of the window
    window_start = models.DateField(_("窗口开始"))
    observed = models.IntegerField(_("窗口内受理量"))
    expected = models.FloatField(_("基线（同长度窗口的平均受理量）"))
    p_value = models.FloatField(_("显著性"))
    case_ids = models.JSONField(default=list)  # the cases behind the rise (received in the window)
    notified = models.JSONField(default=list)  # usernames of the leaders alerted
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-day", "-observed"]
        indexes = [models.Index(fields=["area", "category", "day"], name="alert_series")]

    def __str__(self) -> str:
        return f"{self.day} {self.area_id}/{self.category_id}: {self.observed} vs {self.expected:.1f}"


class Topic(models.Model):
    """A hot topic: a cluster of similar recent cases in an area (topics.py), recomputed periodically."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("区域"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )  # null: the whole city
    computed_at = models.DateTimeField()
    window_start = models.DateField()
    window_end = models.DateField()  # exclusive
    title = models.CharField(_("代表诉求"), max_length=200)
    keywords = models.JSONField(default=list)
    size = models.IntegerField(_("件数"))
    recent = models.IntegerField(default=0)  # of those: received in the window's last 7 days
    earlier = models.IntegerField(default=0)  # received in the 7 days before those
    daily = models.JSONField(default=list)  # cases per day of the window, oldest first
    case_ids = models.JSONField(default=list)

    class Meta:
        verbose_name = _("热点话题")
        verbose_name_plural = _("热点话题")
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"{self.title} ({self.size})"

    @property
    def trend(self) -> str:
        if self.recent > max(1.5 * self.earlier, self.earlier + 1):
            return "rising"
        if self.earlier > max(1.5 * self.recent, self.recent + 1):
            return "falling"
        return "steady"
