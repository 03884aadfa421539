"""The registers of 四标四实 on the grid: buildings and rooms, people, organisations, facilities.

Every record has a place (a point, a standard address, or both) and a grid. Every write goes through
`services.py` / `importing.py`, which write a Change row in the same transaction: the record's
history (who changed what, when, from which source). Personal columns are made by
`personal.personal_field()` so they can be encrypted at rest later without touching this file's users.
"""

from django.conf import settings
from django.db import models
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from .personal import personal_field


class Register(models.TextChoices):
    BUILDING = "building", _("实有房屋")
    PERSON = "person", _("实有人口")
    ORGANISATION = "organisation", _("实有单位")
    FACILITY = "facility", _("实有设施")


class PlacedBy(models.TextChoices):
    POINT = "point", _("坐标落格")
    BUILDING = "building", _("按楼栋落格")
    ADDRESS = "address", _("地址匹配落格")
    NONE = "none", _("未落格")


class RegisterRecord(models.Model):
    """What every register record has: a place, a grid, its sources, and whether the demo made it."""

    grid = models.ForeignKey(
        "geo.Area", verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=300, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    placed_by = models.CharField(_("落格方式"), max_length=10, choices=PlacedBy.choices, default=PlacedBy.NONE)
    # The departments whose lists hold this record (公安, 住建, 市场监管 ...), in the order they came.
    sources = models.JSONField(_("数据来源"), default=list, blank=True)
    generated = models.BooleanField(_("演示生成"), default=False)
    created_at = models.DateTimeField(_("建档时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        abstract = True


class BuildingUse(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    MIXED = "mixed", _("商住")
    COMMERCIAL = "commercial", _("商业")
    INDUSTRIAL = "industrial", _("工业")
    PUBLIC = "public", _("公共")
    OTHER = "other", _("其他")


class Building(RegisterRecord):
    """实有房屋: a building, known by its standard address (标准地址) and, where surveyed, its point."""

    code = models.CharField(_("房屋编码"), max_length=40, blank=True, db_index=True)
    name = models.CharField(_("楼栋名称"), max_length=100, blank=True)
    # The address normalised (NFKC, no spaces, upper case): how other registers find the building.
    address_key = models.CharField(max_length=300, blank=True, db_index=True)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    use = models.CharField(_("用途"), max_length=12, choices=BuildingUse.choices, default=BuildingUse.RESIDENTIAL)

    class Meta:
        verbose_name = _("实有房屋")
        verbose_name_plural = _("实有房屋")
        indexes = [models.Index(fields=["grid", "id"]), models.Index(fields=["lat", "lon"])]

    def __str__(self) -> str:
        return self.name or self.address


class Room(models.Model):
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.CASCADE, related_name="rooms")
    number = models.CharField(_("房号"), max_length=20)
    generated = models.BooleanField(_("演示生成"), default=False)

    class Meta:
        verbose_name = _("房间")
        verbose_name_plural = _("房间")
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="registers_room_unique")]

    def __str__(self) -> str:
        return f"{self.building} {self.number}"


class PersonKind(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    FLOATING = "floating", _("流动人口")
    OVERSEAS = "overseas", _("境外人员")


class CareGroup(models.TextChoices):
    """The groups grid workers visit (重点关爱人群)."""

    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
    DISABLED = "disabled", _("残疾人")
    LOW_INCOME = "low_income", _("低保对象")
    VETERAN = "veteran", _("退役军人")
    SERIOUS_ILLNESS = "serious_illness", _("重病患者")


class Person(RegisterRecord):
    """实有人口: a person living in the grid, linked to the room they live in."""

    name = personal_field(_("姓名"), max_length=60)
    id_number = personal_field(_("身份证号码"), max_length=40)
    phone = personal_field(_("联系电话"), max_length=30)
    id_digest = models.CharField(max_length=64, blank=True, db_index=True)  # personal.digest(id)
    name_phone_digest = models.CharField(max_length=64, blank=True, db_index=True)  # digest(name, phone)
    gender = models.CharField(_("性别"), max_length=1, blank=True, choices=[("M", _("男")), ("F", _("女"))])
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    kind = models.CharField(_("人口类型"), max_length=12, choices=PersonKind.choices, default=PersonKind.REGISTERED)
    groups = models.JSONField(_("关爱人群"), default=list, blank=True)  # CareGroup values
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    room = models.ForeignKey(
        Room, verbose_name=_("房间"), null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    last_visited_at = models.DateTimeField(_("最近走访"), null=True, blank=True)

    class Meta:
        verbose_name = _("实有人口")
        verbose_name_plural = _("实有人口")
        indexes = [models.Index(fields=["grid", "kind"]), models.Index(fields=["grid", "id"])]

    def __str__(self) -> str:
        return f"person {self.pk}"  # never the name: str() ends up in logs


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    SHOP = "shop", _("个体商户")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医疗机构")
    GOVERNMENT = "government", _("机关事业单位")
    SOCIAL = "social", _("社会组织")
    OTHER = "other", _("其他")


class Organisation(RegisterRecord):
    """实有单位: enterprises, shops, schools and other organisations in the grid."""

    name = models.CharField(_("单位名称"), max_length=200)
    name_key = models.CharField(max_length=200, blank=True, db_index=True)  # normalised, for duplicates
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    kind = models.CharField(_("单位类型"), max_length=12, choices=OrganisationKind.choices, default=OrganisationKind.ENTERPRISE)
    legal_rep = personal_field(_("法定代表人/负责人"), max_length=60)
    contact_phone = personal_field(_("联系电话"), max_length=30)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.SET_NULL, related_name="organisations"
    )
    last_visited_at = models.DateTimeField(_("最近走访"), null=True, blank=True)

    class Meta:
        verbose_name = _("实有单位")
        verbose_name_plural = _("实有单位")
        indexes = [models.Index(fields=["grid", "id"])]

    def __str__(self) -> str:
        return self.name


class FacilityKind(models.TextChoices):
    """Components (部件) of digital city management, GB/T 30428.2 small-class codes."""

    MANHOLE = "0101", _("井盖")
    STREET_LAMP = "0110", _("路灯")
    HYDRANT = "0103", _("消防栓")
    BIN = "0201", _("垃圾箱")
    BUS_SHELTER = "0205", _("公交站亭")
    CAMERA = "0126", _("监控电子眼")
    ROAD_SIGN = "0312", _("路名牌")
    PUBLIC_TOILET = "0203", _("公共厕所")


class FacilityStatus(models.TextChoices):
    NORMAL = "normal", _("完好")
    DAMAGED = "damaged", _("损坏")
    MISSING = "missing", _("丢失")


class Facility(RegisterRecord):
    """实有设施: a city-management component with its code, owner and state."""

    code = models.CharField(_("部件编码"), max_length=40, blank=True, db_index=True)
    kind = models.CharField(_("部件类型"), max_length=4, choices=FacilityKind.choices)
    status = models.CharField(_("状态"), max_length=8, choices=FacilityStatus.choices, default=FacilityStatus.NORMAL)
    owner = models.CharField(_("权属单位"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("实有设施")
        verbose_name_plural = _("实有设施")
        indexes = [models.Index(fields=["grid", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


class ChangeAction(models.TextChoices):
    CREATED = "created", _("建档")
    UPDATED = "updated", _("更正")
    MERGED = "merged", _("合并")
    VISITED = "visited", _("走访")


class Change(models.Model):
    """One entry of a record's history. Personal values are kept masked here (the record holds them)."""

    register = models.CharField(_("登记簿"), max_length=12, choices=Register.choices)
    record_id = models.BigIntegerField()
    action = models.CharField(_("操作"), max_length=10, choices=ChangeAction.choices)
    fields = models.JSONField(_("变更内容"), default=dict, blank=True)  # {field: [old, new]}
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=200, blank=True)
    batch = models.ForeignKey("ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="changes")
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        indexes = [models.Index(fields=["register", "record_id", "at"])]

    def __str__(self) -> str:
        return f"{self.register} {self.record_id} {self.action}"


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("日常走访")
    CARE = "care", _("关爱走访")
    CHECK = "check", _("信息核查")
    SAFETY = "safety", _("安全检查")


class Visit(models.Model):
    """A grid worker's visit to a person, an organisation or a building."""

    register = models.CharField(_("登记簿"), max_length=12, choices=Register.choices)
    record_id = models.BigIntegerField()
    grid = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("走访类型"), max_length=10, choices=VisitKind.choices, default=VisitKind.ROUTINE)
    note = models.TextField(_("走访情况"), max_length=2000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("走访时间"))

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        indexes = [models.Index(fields=["register", "record_id"]), models.Index(fields=["grid", "at"])]

    def __str__(self) -> str:
        return f"{self.register} {self.record_id} {localtime(self.at):%Y-%m-%d}"


class Reveal(models.Model):
    """Someone saw a personal value unmasked: who, which record and field, when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    register = models.CharField(max_length=12, choices=Register.choices)
    record_id = models.BigIntegerField()
    field = models.CharField(max_length=40)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("查看明文记录")
        verbose_name_plural = _("查看明文记录")
        indexes = [models.Index(fields=["register", "record_id"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.register} {self.record_id} {self.field}"


class BatchStatus(models.TextChoices):
    CHECKING = "checking", _("校验中")  # rows are being read, checked and placed, a chunk at a time
    READY = "ready", _("待确认")  # every row checked; the report is ready; nothing is in the registers yet
    APPLIED = "applied", _("已导入")  # the valid rows went into the registers in one transaction
    CANCELLED = "cancelled", _("已取消")  # nothing imported
    FAILED = "failed", _("文件无法读取")  # the file itself could not be read; nothing imported


class ImportBatch(models.Model):
    """One department file on its way into a register: checked row by row, then applied at once."""

    register = models.CharField(_("登记簿"), max_length=12, choices=Register.choices)
    source = models.CharField(_("来源部门"), max_length=100)
    filename = models.CharField(_("文件名"), max_length=200)
    columns = models.JSONField(default=dict, blank=True)  # our field -> the file's column index
    status = models.CharField(_("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.CHECKING)
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)  # why the file could not be read
    summary = models.JSONField(default=dict, blank=True)  # created / merged / skipped counts after applying
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"{self.source} {self.filename}"

    @property
    def percent(self) -> int:
        return int(100 * self.checked_rows / self.total_rows) if self.total_rows else 100


class ImportRow(models.Model):
    """One row of the file: its cells as read, then its cleaned values, errors and warnings once checked.
    Cells and values are dropped when the batch is applied or cancelled; errors stay for the report."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()  # the row number in the file as a spreadsheet shows it
    cells = models.JSONField(default=list, blank=True)
    checked = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)  # [{field, column, value (masked), message}]
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["batch", "checked", "number"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.number}"


class MergeRule(models.TextChoices):
    SAME_ID = "same_id", _("身份证号码相同")
    SAME_NAME_PHONE = "same_name_phone", _("姓名和联系电话相同")
    SAME_USCC = "same_uscc", _("统一社会信用代码相同")
    SAME_NAME_ADDRESS = "same_name_address", _("单位名称和地址相同")
    SAME_CODE = "same_code", _("编码相同")
    SAME_ADDRESS = "same_address", _("地址相同")


class Merge(models.Model):
    """A row (or record) found to be a record already on the register, and what merging it did."""

    register = models.CharField(max_length=12, choices=Register.choices)
    record_id = models.BigIntegerField()
    rule = models.CharField(_("合并依据"), max_length=20, choices=MergeRule.choices)
    source = models.CharField(_("来源部门"), max_length=100, blank=True)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="merges")
    row_number = models.PositiveIntegerField(null=True, blank=True)
    filled = models.JSONField(default=list, blank=True)  # fields the register lacked, taken from the row
    conflicts = models.JSONField(default=list, blank=True)  # [{field, kept, offered}] (personal ones masked)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("合并记录")
        verbose_name_plural = _("合并记录")
        indexes = [models.Index(fields=["register", "record_id"])]

    def __str__(self) -> str:
        return f"{self.register} {self.record_id} {self.rule}"
