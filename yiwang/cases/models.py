from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.inserts import insert_rows
from yiwang.core.revisions import revision_queryset
from yiwang.security.crypto import blind_index
from yiwang.security.fields import EncryptedCharField


class RequestType(models.TextChoices):
    CONSULT = "咨询", _("咨询")
    HELP = "求助", _("求助")
    COMPLAINT = "投诉", _("投诉")
    REPORT = "举报", _("举报")
    SUGGESTION = "建议", _("建议")
    PRAISE = "表扬", _("表扬")


class Status(models.TextChoices):
    RECEIVED = "received", _("待受理")  # entered the queue, nobody has looked at it yet
    ACCEPTED = "accepted", _("已受理")  # accepted as a case; waits for dispatch
    REJECTED = "rejected", _("不予受理")  # refused at intake, with a reason (final)
    ANSWERED = "answered", _("直接办结")  # answered at intake by the operator (final, can be rated)
    MERGED = "merged", _("已并案")  # merged into another case; follows its parent
    DISPATCHED = "dispatched", _("已派遣")  # sent to a lead unit; waits for it to sign
    IN_PROGRESS = "in_progress", _("处置中")  # signed for by the unit; being handled
    RETURNED = "returned", _("已退回")  # the unit sent it back to the dispatcher, with a reason
    SUSPENDED = "suspended", _("已挂起")  # clock paused; resumes to where it was
    REPLIED = "replied", _("已反馈")  # the unit replied; waits for the dispatcher to close or verify
    VERIFYING = "verifying", _("待核查")  # waits for on-site verification by a grid worker
    CLOSED = "closed", _("已办结")  # closed; the requester is asked to rate
    RATED = "rated", _("已评价")  # the requester rated it (final unless reopened)


# The role of the platform itself: deadline sweep, automatic routing, follow-ups of other moves.
SYSTEM = "system"

OPEN_STATUSES = (
    Status.RECEIVED,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.RETURNED,
    Status.SUSPENDED,
    Status.REPLIED,
    Status.VERIFYING,
)
# Statuses in which the handling clock runs against due_at.
CLOCK_STATUSES = (Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED)


class Channel(models.TextChoices):
    WEB = "web", _("网站/移动端")
    HOTLINE = "hotline", _("12345热线")
    PATROL = "patrol", _("网格员巡查")
    OPEN311 = "open311", _("Open311")
    API = "api", _("接口")
    SENSOR = "sensor", _("感知设备")
    IMPORT = "import", _("历史导入")


class RequesterKind(models.TextChoices):
    RESIDENT = "resident", _("居民")
    OVERSEAS = "overseas_chinese", _("华侨")
    HK_MACAO = "hk_macao", _("港澳居民")
    ENTERPRISE = "enterprise", _("企业")
    ANONYMOUS = "anonymous", _("匿名")


class Placement(models.TextChoices):
    GPS = "gps", _("定位")
    MAP = "map", _("地图选点")
    ADDRESS = "address", _("地址匹配")
    TEXT = "text", _("文本识别")
    NONE = "none", _("未定位")


class Card(models.TextChoices):
    NONE = "", _("无")
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, at):
        return self.filter(status__in=CLOCK_STATUSES, due_at__lt=at)

    def near_due(self, at):
        """Cases whose yellow-card moment has passed but that are not yet overdue."""
        return self.filter(status__in=CLOCK_STATUSES, yellow_at__lte=at, due_at__gte=at).exclude(
            card=Card.YELLOW
        )


def requester_phone_digest(phone: str) -> str:
    """The keyed digest a requester's phone is looked up by (the column itself is encrypted)."""
    return blind_index(phone or "", purpose="requester-phone")


class Case(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    request_type = models.CharField(_("诉求类型"), max_length=4, choices=RequestType.choices)
    category = models.ForeignKey(
        "routing.Category",
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    category_confidence = models.FloatField(_("分类置信度"), null=True, blank=True)
    category_candidates = models.JSONField(_("候选分类"), default=list, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"))  # exactly as given
    text_normalized = models.TextField(_("规范化内容"), blank=True)  # simplified, for search and models

    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    placement = models.CharField(
        _("定位方式"), max_length=10, choices=Placement.choices, default=Placement.NONE
    )
    placement_confidence = models.FloatField(_("定位置信度"), null=True, blank=True)
    grid = models.ForeignKey(
        "geo.Area",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_cases",
    )
    community = models.ForeignKey(
        "geo.Area", verbose_name=_("社区（村）"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    town = models.ForeignKey("geo.Area", verbose_name=_("镇（街道）"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        "geo.Area", verbose_name=_("区（县级市）"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Personal data, encrypted at rest (yiwang.security; keys in YIWANG_FIELD_KEYS). The phone is found
    # by its keyed digest (a caller's earlier cases), never by the column itself.
    requester_name = EncryptedCharField(_("诉求人"), max_length=100, blank=True)
    requester_phone = EncryptedCharField(_("联系电话"), max_length=30, blank=True)
    requester_id_number = EncryptedCharField(_("证件号码"), max_length=40, blank=True)
    requester_phone_digest = models.CharField(_("诉求人电话摘要"), max_length=64, blank=True, db_index=True, editable=False)
    # False: a phone typed by a visitor without an account, not yet proven with an SMS code (web.otp).
    # The platform texts no notices to it until then, so the form cannot send texts to strangers.
    requester_phone_proven = models.BooleanField(_("电话已验证"), default=True)
    requester_kind = models.CharField(
        _("诉求人类别"), max_length=20, choices=RequesterKind.choices, default=RequesterKind.RESIDENT
    )
    requester_language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    requester_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("诉求人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requested_cases",
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    attachments = models.JSONField(_("附件"), default=list, blank=True)
    # Where the case came from outside the platform ("import:m00001"): a re-run import never duplicates.
    external_id = models.CharField(_("外部编号"), max_length=100, null=True, blank=True, unique=True)

    lead_unit = models.ForeignKey(
        "routing.Unit",
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_cases",
    )
    assisting_units = models.ManyToManyField(
        "routing.Unit", verbose_name=_("协办单位"), blank=True, related_name="assisting_cases"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    resume_status = models.CharField(_("恢复后状态"), max_length=12, blank=True)  # where a suspended case resumes
    parent = models.ForeignKey(
        "self",
        verbose_name=_("并入"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_children",
    )

    # Deadlines (see deadlines.py). due_at: handling; response_due_at: signing for it.
    response_due_at = models.DateTimeField(_("签收时限"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True, db_index=True)
    yellow_at = models.DateTimeField(_("黄牌时间"), null=True, blank=True, db_index=True)
    deadline_flag = models.CharField(
        _("时限提示"), max_length=200, blank=True, help_text=_("时限跨越未录入节假日的年份时在此提示")
    )
    paused_at = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    card = models.CharField(_("督办"), max_length=6, choices=Card.choices, default=Card.NONE, blank=True)
    red_escalated_at = models.DateTimeField(_("红牌升级时间"), null=True, blank=True)
    extension_requested_days = models.PositiveSmallIntegerField(_("申请延期天数"), null=True, blank=True)
    extension_reason = models.CharField(_("延期理由"), max_length=500, blank=True)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)

    received_at = models.DateTimeField(_("登记时间"), db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, db_index=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    reply_text = models.TextField(_("答复"), blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices, blank=True)
    solved = models.BooleanField(_("是否解决"), null=True, blank=True)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    closed_on_time = models.BooleanField(_("按时办结"), null=True, blank=True)

    version = models.PositiveIntegerField(_("版本"), default=1)  # = the seq of its latest event
    audit_hash = models.CharField(_("审计哈希"), max_length=64, blank=True, editable=False)  # the hash of its latest event
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求件")
        verbose_name_plural = _("诉求件")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["lead_unit", "status"]),
            models.Index(fields=["district", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        # Every writer (intake, imports, Open311) keeps the phone's lookup digest in step; a save of
        # other fields only (every move of the loop) leaves it alone.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "requester_phone" in update_fields:
            self.requester_phone_digest = requester_phone_digest(self.requester_phone)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "requester_phone_digest"}
        super().save(*args, **kwargs)

    def insert(self) -> None:
        """Write this new case in one precompiled INSERT (core.inserts), its phone digest in step."""
        self.requester_phone_digest = requester_phone_digest(self.requester_phone)
        insert_rows([self])


class CaseNumberSequence(models.Model):
    """The running ordinal behind case numbers where the database has no sequence (SQLite).

    On PostgreSQL the ordinal comes from the sequence `cases_case_number_seq` (nextval takes no lock
    that lasts to commit), so no two intakes wait for each other. A case number is the day it was
    received plus the ordinal, zero-padded to six digits: unique by construction, whatever the day."""

    name = models.CharField(max_length=20, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last}"


class CaseEvent(models.Model):
    """One move on the audit trail. Append-only.

    Written in the move's transaction with its per-case hash chain (seq, prev_hash, hash). The global
    order (global_seq) and the global chain (global_prev_hash, global_hash) are assigned afterwards by
    the sequencer (cases.audit.sequence_pending), in batches: the one update an event ever gets, and
    the only one the PostgreSQL trigger lets through."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()  # 1, 2, … per case
    global_seq = models.PositiveBigIntegerField(unique=True, null=True, blank=True)  # None: not sequenced yet
    action = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)  # kept even if the user is renamed
    actor_role = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    reason = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)  # the previous event of this case ('' for the first)
    hash = models.CharField(max_length=64)  # sha256(prev_hash + content)
    global_prev_hash = models.CharField(max_length=64, blank=True)  # set by the sequencer
    global_hash = models.CharField(max_length=64, blank=True)  # sha256(global_prev_hash + global_seq + hash)

    class Meta:
        ordering = ["global_seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="caseevent_unique_seq")]
        indexes = [
            # The sequencer's queue: the events still waiting for their global place, oldest first.
            models.Index(fields=["id"], condition=models.Q(global_seq__isnull=True), name="caseevent_unsequenced"),
            # Events in a time window, across cases (Open311's servicerequestupdates, polled every few minutes).
            models.Index(fields=["created_at"], name="caseevent_created_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


class AuditHead(models.Model):
    """The tip of the global chain. Locked by the sequencer only (never by a move)."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"audit head {self.last_seq}"


class AuditBatch(models.Model):
    """One run of the sequencer: the events first_seq..last_seq joined the global chain, which then
    ended in head_hash. Signed (Ed25519) so that a head exported and kept outside the platform
    (`yiwang audit-head`) later proves the chain up to it was not rewritten. Append-only."""

    first_seq = models.PositiveBigIntegerField()
    last_seq = models.PositiveBigIntegerField(unique=True)
    head_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    signature = models.CharField(max_length=128)  # hex Ed25519 signature of statement()
    key_id = models.CharField(max_length=16)  # which signing key (the first 16 hex of its public key's digest)

    class Meta:
        ordering = ["last_seq"]

    def __str__(self) -> str:
        return f"audit batch {self.first_seq}-{self.last_seq}"

    def statement(self) -> str:
        """What the signature covers: the chain's length and its head at that length."""
        return f"yiwang-audit-head/1 {self.last_seq} {self.head_hash} {self.created_at.isoformat()}"


class DeadlinePolicy(models.Model):
    """Working-day limits per request type, optionally narrowed to a category (most specific wins)."""

    request_type = models.CharField(_("诉求类型"), max_length=4, choices=RequestType.choices)
    category = models.ForeignKey(
        "routing.Category", verbose_name=_("分类"), null=True, blank=True, on_delete=models.CASCADE
    )
    working_days = models.PositiveSmallIntegerField(_("办理时限(工作日)"), default=15)
    response_days = models.PositiveSmallIntegerField(_("签收时限(工作日)"), default=1)
    urgent_hours = models.PositiveSmallIntegerField(
        _("紧急件办理时限(工作小时)"), null=True, blank=True, help_text=_("填写后按工作小时计时")
    )
    yellow_fraction = models.FloatField(_("黄牌阈值(已用时限比例)"), default=0.8)

    objects = revision_queryset("deadline-policies").as_manager()  # bulk edits reach every process's snapshot

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        constraints = [models.UniqueConstraint(fields=["request_type", "category"], name="deadline_unique")]

    def __str__(self) -> str:
        return f"{self.request_type} {self.category or '*'}: {self.working_days}"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key: a retried create returns the first case, never a second one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]

    def __str__(self) -> str:
        return self.key
