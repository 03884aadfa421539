"""Writes of the intake: every request entering the platform (case_submit), attachment uploads, the
attachments a new case takes, and bulk imports.

case_submit is what every channel calls (the API, Open311, the portal, the hotline desk, the grid
worker's report): check every field at once (validators.py, pure), take the photos, ask the
classifier, then hand the request to cases.services.case_create; with an Idempotency-Key, a retried
submission returns the first case. Finding duplicates is a read (selectors.py). Bulk import:
cases_import (the `import_cases` command).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from yiwang.accounts.models import Role
from yiwang.cases.models import SYSTEM, Case, Channel, IdempotencyKey, Placement, RequesterKind, RequestType
from yiwang.cases.placement import match_area
from yiwang.cases.services import Actor, CaseInput, HistoricalCase, case_create, case_import_historical
from yiwang.classify.selectors import predict
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.core.inserts import insert_rows
from yiwang.core.language import detect_language, normalize_language
from yiwang.geo.locate import locate, parse_coordinates
from yiwang.routing.models import Category
from yiwang.routing.selectors import unit_by_code
from yiwang.routing.snapshot import routing_config

from . import error_codes as codes
from . import validators as v
from .images import clean_image
from .models import Attachment, ImportJob


# --------------------------------------------------------------------------- attachments
def attachment_upload(*, upload, user) -> Attachment:
    """Store one uploaded image (type by content, size limit, EXIF stripped) for a case to come."""
    max_bytes = settings.INTAKE_ATTACHMENT_MAX_BYTES
    too_large = ApplicationError(
        codes.ATTACHMENT_TOO_LARGE,
        _("图片不能超过 %(mb)d MB。") % {"mb": max_bytes // (1024 * 1024)},
        fields={"file": _("过大")},
        status=413,
    )
    if upload.size is not None and upload.size > max_bytes:
        raise too_large
    raw = upload.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise too_large
    if not raw:
        raise ApplicationError(codes.INVALID_IMAGE, _("上传的文件是空的。"), fields={"file": _("必填")})
    image = clean_image(raw, max_pixels=settings.INTAKE_ATTACHMENT_MAX_PIXELS)
    at = clock.now()
    token = secrets.token_hex(16)
    # Random names: nothing of the original file name or the uploader reaches the path.
    path = default_storage.save(f"attachments/{at:%Y/%m}/{token}.{image.extension}", ContentFile(image.data))
    try:
        return Attachment.objects.create(
            token=token,
            file=path,
            content_type=image.content_type,
            size=len(image.data),
            width=image.width,
            height=image.height,
            sha256=hashlib.sha256(image.data).hexdigest(),
            original_name=(getattr(upload, "name", "") or "")[:200],
            gps_lon=image.gps[0] if image.gps else None,
            gps_lat=image.gps[1] if image.gps else None,
            uploaded_by=user if getattr(user, "pk", None) else None,
            created_at=at,
        )
    except Exception:
        default_storage.delete(path)
        raise


def attachments_for_case(*, tokens: list, user) -> list[Attachment]:
    """The uploaded attachments a new case names, locked, in the order given.

    Each must exist, have been uploaded by the same user and not belong to another case yet; at most
    INTAKE_ATTACHMENT_MAX_COUNT. Call inside the case's transaction, then bind_attachments().
    """
    if not tokens:
        return []
    limit = settings.INTAKE_ATTACHMENT_MAX_COUNT
    wanted = []
    for item in tokens:
        token = item.get("token") if isinstance(item, dict) else item
        if not isinstance(token, str) or not token:
            raise ApplicationError(
                codes.VALIDATION_ERROR,
                _("提交的内容有误，请按提示修改。"),
                fields={"attachments": _("请填写上传附件时返回的 token")},
            )
        if token not in wanted:
            wanted.append(token)
    if len(wanted) > limit:
        raise ApplicationError(
            codes.VALIDATION_ERROR,
            _("提交的内容有误，请按提示修改。"),
            fields={"attachments": _("最多 %(n)d 个附件") % {"n": limit}},
        )
    rows = {a.token: a for a in Attachment.objects.select_for_update().filter(token__in=wanted)}
    user_id = getattr(user, "pk", None)
    bad = [
        t for t in wanted if t not in rows or rows[t].case_id is not None or rows[t].uploaded_by_id != user_id
    ]
    if bad:
        raise ApplicationError(
            codes.VALIDATION_ERROR,
            _("提交的内容有误，请按提示修改。"),
            fields={
                "attachments": _("附件不存在、不是您上传的或已用于其他诉求件：%(t)s") % {"t": ", ".join(bad)}
            },
        )
    return [rows[t] for t in wanted]


def bind_attachments(*, attachments: list[Attachment], case) -> None:
    if attachments:
        Attachment.objects.filter(pk__in=[a.pk for a in attachments], case__isnull=True).update(case=case)


def exif_point(attachments: list[Attachment]) -> tuple[float, float] | None:
    """The first EXIF GPS position among the attachments that lies inside the city, or None."""
    for a in attachments:
        if a.gps_lon is None or a.gps_lat is None:
            continue
        try:
            if locate(a.gps_lon, a.gps_lat) is not None:
                return a.gps_lon, a.gps_lat
        except ApplicationError:  # outside China: the photo was taken elsewhere
            continue
    return None


PHOTO_PUBLISHER_ROLES = ("dispatcher", "admin")


def attachment_publish(*, case: Case, token: str, user, publish: bool = True) -> Attachment:
    """Approve (or withdraw) one of the case's photos for the public (Open311's media_url).

    The caller checks that the user may open this case (its scope); who approved and when is kept on
    the attachment. Withdrawing clears both, so the photo is private again at once."""
    if getattr(user, "role", None) not in PHOTO_PUBLISHER_ROLES and not getattr(user, "is_superuser", False):
        raise ApplicationError(codes.PUBLISH_FORBIDDEN, _("只有派遣员可以批准公开照片。"), status=403)
    with transaction.atomic():
        photo = Attachment.objects.select_for_update().filter(case=case, token=token).first()
        if photo is None:
            raise ApplicationError(codes.ATTACHMENT_NOT_FOUND, _("该诉求件没有这张照片。"), status=404)
        photo.public_approved_at = clock.now() if publish else None
        photo.public_approved_by = user if publish else None
        photo.save(update_fields=["public_approved_at", "public_approved_by"])
    return photo


# --------------------------------------------------------------------------- bulk import
COLUMNS = (
    "id",  # required: the row's id in the source; the case keeps "<source>:<id>" as external_id
    "title",  # taken from the text's start when empty
    "text",  # required
    "label",  # category: a level-1 name (城乡建设) or a code (C01); empty: unclassified
    "submitted_at",  # required: 2020/1/6 12:09:38, 2020-01-06 12:09, ISO 8601, or a spreadsheet date
    "request_type",  # 咨询 求助 投诉 举报 建议 表扬; empty: guessed from the title (TYPE_WORDS), else 求助
    "lon",
    "lat",  # WGS84; both or neither; inside the city
    "address",
    "status",  # received | accepted | closed (or 待受理 已受理 已办结); empty: closed
    "reply",  # the reply given then (replies.csv)
    "replied_at",
    "requester_name",
    "requester_phone",
)
REQUIRED_COLUMNS = ("id", "text")
TYPE_WORDS = (  # the first word found in the title decides (an imported row rarely says its type)
    ("举报", "举报"),
    ("投诉", "投诉"),
    ("表扬", "表扬"),
    ("感谢", "表扬"),
    ("建议", "建议"),
    ("咨询", "咨询"),
    ("请问", "咨询"),
    ("求助", "求助"),
)
IMPORT_STATUSES = {"received": "received", "accepted": "accepted", "closed": "closed"}


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row number (the header is row 1)
    column: str
    message: str
    source_id: str = ""


@dataclass
class ImportResult:
    job: ImportJob
    started_after_row: int
    read: int = 0
    imported: int = 0
    already_present: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value).strip()


def read_table(path: Path) -> tuple[list[str], int, Iterator[tuple[int, dict[str, str]]]]:
    """(columns, number of data rows, iterator of (row number, {column: text})) of a CSV or XLSX file.

    Row numbers are those a spreadsheet shows: the header is row 1.
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same refusal
            raise ApplicationError(
                codes.IMPORT_FILE_INVALID, _("无法读取该 XLSX 文件：%(e)s") % {"e": exc}
            ) from None
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_cell(c).lower() for c in next(rows, ())]
        total = max(0, (sheet.max_row or 1) - 1)

        def xlsx_rows():
            for number, values in enumerate(rows, start=2):
                if values is None or all(v is None or v == "" for v in values):
                    continue
                yield number, {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
            book.close()

        return header, total, xlsx_rows()
    if suffix not in (".csv", ".txt"):
        raise ApplicationError(codes.IMPORT_FILE_INVALID, _("只能导入 CSV 或 XLSX 文件。"))
    with open(path, encoding="utf-8-sig", newline="") as fh:
        total = max(0, sum(1 for _ in csv.reader(fh)) - 1)

    def csv_rows():
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            for number, values in enumerate(reader, start=2):
                if not any(v.strip() for v in values):
                    continue
                yield number, {h: (v or "").strip() for h, v in zip(header, values, strict=False) if h}

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = [h.strip().lower() for h in next(csv.reader(fh), [])]
    except UnicodeDecodeError:
        raise ApplicationError(codes.IMPORT_FILE_INVALID, _("CSV 文件须为 UTF-8 编码。")) from None
    return header, total, csv_rows()


def _parse_time(value: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    parsed = None
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            parsed = dt.datetime.strptime(value, fmt)  # noqa: DTZ007 - made aware just below
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


class _Row:
    """One source row checked column by column; every error is kept, nothing is written."""

    def __init__(self, number: int, values: dict[str, str], categories: dict[str, Category]):
        self.number, self.values, self.errors = number, values, []
        self.source_id = values.get("id", "")
        self.data = self._check(categories)

    def error(self, column: str, message) -> None:
        self.errors.append(RowError(self.number, column, str(message), self.source_id))

    def _check(self, categories) -> dict:
        get = self.values.get
        out: dict = {}
        if not self.source_id:
            self.error("id", _("缺少编号"))
        elif len(self.source_id) > 80:
            self.error("id", _("编号不能超过 80 个字符"))
        text = get("text", "")
        try:
            out["text"] = v.check_text(text)
        except v.Invalid as exc:
            self.error("text", exc.message)
        title = get("title", "") or re.sub(r"\s+", "", text)[:30]
        try:
            out["title"] = v.check_title(title)
        except v.Invalid as exc:
            self.error("title", exc.message)
        received = _parse_time(get("submitted_at", ""))
        if not get("submitted_at"):
            self.error("submitted_at", _("缺少提交时间"))
        elif received is None:
            self.error("submitted_at", _("无法识别的时间，例如 2020/1/6 12:09:38 或 2020-01-06 12:09"))
        elif received > clock.now():
            self.error("submitted_at", _("提交时间不能晚于现在"))
        out["received_at"] = received
        request_type = get("request_type", "")
        if request_type and request_type not in RequestType.values:
            self.error("request_type", _("诉求类型须为：%(v)s") % {"v": "、".join(RequestType.values)})
        out["request_type"] = request_type or next(
            (t for word, t in TYPE_WORDS if word in (get("title") or "")), RequestType.HELP
        )
        label = get("label", "")
        out["category"] = None
        if label:
            out["category"] = categories.get(label)
            if out["category"] is None:
                self.error("label", _("分类“%(l)s”不存在（填一级分类名称或分类编码）") % {"l": label})
        lon, lat = get("lon", ""), get("lat", "")
        out["lon"] = out["lat"] = None
        if bool(lon) != bool(lat):
            self.error("lon" if not lon else "lat", _("经度和纬度须同时填写"))
        elif lon:
            try:
                if locate(lon, lat) is None:
                    self.error("lon", _("该位置不在本市辖区内"))
                else:
                    out["lon"], out["lat"] = float(lon), float(lat)
            except ApplicationError as exc:
                self.error("lon", exc.message)
        out["address"] = get("address", "")[:300]
        status = get("status", "") or "closed"
        labels = {"待受理": "received", "已受理": "accepted", "已办结": "closed"}
        out["status"] = IMPORT_STATUSES.get(status.lower()) or labels.get(status)
        if out["status"] is None:
            self.error("status", _("状态须为 received、accepted 或 closed（待受理、已受理、已办结）"))
        out["reply"] = get("reply", "")
        out["replied_at"] = _parse_time(get("replied_at", "")) if get("replied_at") else None
        if get("replied_at") and out["replied_at"] is None:
            self.error("replied_at", _("无法识别的时间，例如 2020/1/6 12:09:38 或 2020-01-06 12:09"))
        out["requester_name"] = get("requester_name", "")[:100]
        out["requester_phone"] = ""
        if get("requester_phone"):
            try:
                out["requester_phone"] = v.parse_phone(get("requester_phone")).normalized
            except v.Invalid as exc:
                self.error("requester_phone", exc.message)
        return out


def _categories() -> dict[str, Category]:
    out = {}
    for c in Category.objects.filter(is_active=True).order_by("-level"):
        out[c.code] = c
        if c.level == 1:
            out[c.name] = c
    return out


def _import_row(row: _Row, *, job: ImportJob, source: str, user, file_ref: str) -> bool:
    """Write one checked row: the case, its audit event and the job's progress, in one transaction.
    False when the row was imported before (by this file or another with the same source and id)."""
    d = row.data
    actor = Actor(user, getattr(user, "role", SYSTEM) if user else SYSTEM)
    with transaction.atomic():
        case = case_import_historical(
            data=HistoricalCase(
                external_id=f"{source}:{row.source_id}",
                request_type=d["request_type"],
                title=d["title"],
                text=d["text"],
                received_at=d["received_at"],
                status=d["status"],
                lon=d["lon"],
                lat=d["lat"],
                address=d["address"],
                category_code=d["category"].code if d["category"] else None,
                requester_name=d["requester_name"],
                requester_phone=d["requester_phone"],
                reply_text=d["reply"],
                replied_at=d["replied_at"],
            ),
            actor=actor,
            notes={"source": source, "file": file_ref, "row": row.number},
        )
        if case is None:
            ImportJob.objects.filter(pk=job.pk).update(
                last_row=row.number, already_present=F("already_present") + 1
            )
            return False
        ImportJob.objects.filter(pk=job.pk).update(last_row=row.number, imported=F("imported") + 1)
    return True


def cases_import(
    *,
    path: str | Path,
    resume: bool = False,
    source: str = "import",
    user=None,
    progress: bool = False,
    on_error: Callable[[RowError], None] | None = None,
) -> ImportResult:
    """Import historical cases from a CSV or XLSX file (COLUMNS), one row per transaction.

    A row with any error is not written and is reported (row number, column, message); the others
    are. Each file has an ImportJob (keyed by its SHA-256) that records the last row done, so an
    interrupted import continues with resume=True; a row whose source id was imported before (same
    `source`) is never imported twice, so a plain re-run is also safe. Imported cases enter as
    channel "import" with their own time and status (closed by default) and an "import" event;
    nobody is notified and nothing is routed.
    """
    path = Path(path)
    if not path.is_file():
        raise ApplicationError(codes.IMPORT_FILE_INVALID, _("文件不存在：%(p)s") % {"p": path})
    if not re.fullmatch(r"[a-z0-9_.-]{1,40}", source):
        raise ApplicationError(codes.IMPORT_FILE_INVALID, _("来源名称只能用小写字母、数字和 . _ -"))
    header, total, rows = read_table(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ApplicationError(
            codes.IMPORT_FILE_INVALID,
            _("缺少必需的列：%(c)s（可用的列：%(all)s）")
            % {"c": ", ".join(missing), "all": ", ".join(COLUMNS)},
        )
    digest = _file_sha256(path)
    job, created = ImportJob.objects.get_or_create(
        file_sha256=digest,
        defaults={
            "file_name": path.name[:300],
            "source": source,
            "total_rows": total,
            "started_at": clock.now(),
        },
    )
    start_after = job.last_row if resume and not created else 0
    if not created and not resume:  # a fresh run of a known file: counts start again
        ImportJob.objects.filter(pk=job.pk).update(
            last_row=0,
            imported=0,
            already_present=0,
            failed=0,
            status=ImportJob.Status.RUNNING,
            started_at=clock.now(),
            finished_at=None,
            source=source,
            total_rows=total,
        )
    result = ImportResult(job=job, started_after_row=start_after)
    categories = _categories()
    bar = tqdm(total=total, initial=0, disable=not progress, unit="row", desc=path.name)
    try:
        for number, values in rows:
            bar.update(1)
            if number <= start_after:
                continue
            result.read += 1
            row = _Row(number, values, categories)
            if row.errors:
                result.failed += 1
                result.errors.extend(row.errors)
                for e in row.errors:
                    if on_error:
                        on_error(e)
                ImportJob.objects.filter(pk=job.pk).update(last_row=number, failed=F("failed") + 1)
                continue
            if _import_row(row, job=job, source=source, user=user, file_ref=digest[:12]):
                result.imported += 1
            else:
                result.already_present += 1
    finally:
        bar.close()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, finished_at=clock.now())
    job.refresh_from_db()
    result.job = job
    return result


# --------------------------------------------------------------------------- one request in
# Request types that must say where: a complaint or a report is about something somewhere.
PLACE_REQUIRED = (RequestType.COMPLAINT, RequestType.REPORT)
# A photo is usually taken where the problem is, but not always: a little below a picked point.
EXIF_CONFIDENCE = 0.9


# The channels each role may file through (case_submit). A channel changes the rules (a historical
# import needs no place) and the measures (cases by channel), so nobody names one that is not theirs;
# "import" (no place needed) is for the staff who register old cases. Roles not listed: any but import.
ROLE_CHANNELS = {
    Role.RESIDENT: {Channel.WEB, Channel.API, Channel.OPEN311},
    Role.GRIDWORKER: {Channel.PATROL, Channel.WEB, Channel.API},
}
IMPORT_ROLES = (Role.ADMIN, Role.OPERATOR, SYSTEM)  # operators register old paper cases by hand


def channel_allowed(role: str | None, channel: str) -> bool:
    if role is None:
        return True
    if channel == Channel.IMPORT:
        return role in IMPORT_ROLES
    return channel in ROLE_CHANNELS.get(role, Channel.values)


def validate_request(
    data: CaseInput, *, exif: tuple[float, float] | None = None, role: str | None = None
) -> None:
    """Check every field at once and say what is wrong with each; normalise phone, ID and language.

    The rules (docs/intake.md): title 1-200 characters, text 5-5000 (punctuation not counted; 10 for
    a praise that names no unit); 投诉 and 举报 need a place: a point inside the city, a photo with an
    EXIF position inside it, or an address the platform can place (historical imports excepted); lon
    and lat come together; a phone number, when given, is a mainland mobile or landline with area
    code, or +852 / +853 / +<country code>; an ID number, when given, is a valid document for the
    requester kind (validators.DOCUMENTS_BY_KIND). Anonymous requests keep neither.
    """
    fields: dict[str, object] = {}

    def check(name, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except v.Invalid as exc:
            fields[name] = exc.message
            return None

    if data.request_type not in RequestType.values:
        fields["request_type"] = _("诉求类型须为：%(v)s") % {"v": "、".join(RequestType.values)}
    check("title", v.check_title, data.title)
    praise_without_unit = data.request_type == RequestType.PRAISE and not (data.praised_unit or "").strip()
    check("text", v.check_text, data.text, minimum=v.PRAISE_TEXT_MIN if praise_without_unit else v.TEXT_MIN)
    if (data.praised_unit or "").strip() and unit_by_code(data.praised_unit.strip()) is None:
        fields["praised_unit"] = _("单位编码 %(c)s 不存在") % {"c": data.praised_unit}
    if data.requester_kind not in RequesterKind.values:
        fields["requester_kind"] = _("诉求人类别无效")
    if data.channel not in Channel.values:
        fields["channel"] = _("渠道无效")
    elif not channel_allowed(role, data.channel):
        fields["channel"] = _("您的角色不能通过该渠道提交诉求")
    if data.placement not in (None, "", "gps", "map", "address", "text"):
        fields["placement"] = _("定位方式须为 gps、map、address 或 text")

    has_point = False
    if (data.lon is None) != (data.lat is None):
        fields["lon" if data.lon is None else "lat"] = _("经度和纬度须同时填写")
    elif data.lon is not None:
        try:
            data.lon, data.lat = parse_coordinates(data.lon, data.lat)
            has_point = True
        except ApplicationError as exc:
            fields["lon"] = exc.message
    if (
        data.request_type in PLACE_REQUIRED
        and data.channel != Channel.IMPORT
        and not has_point
        and exif is None
        and "lon" not in fields
        and "lat" not in fields
    ):
        if not (data.address or "").strip():
            fields["address"] = _(
                "投诉、举报须说明地点：请在地图上选点，或填写地址（例如 江门市蓬江区白沙街道……）"
            )
        elif match_area(data.address) is None:
            fields["address"] = _(
                "无法从该地址确定所在的区（市）或镇（街道），请补充区、镇（街道）名称，或在地图上选点"
            )

    if data.requester_kind != RequesterKind.ANONYMOUS:
        if (data.requester_phone or "").strip():
            phone = check("requester_phone", v.parse_phone, data.requester_phone)
            if phone is not None:
                data.requester_phone = phone.normalized
        if (data.requester_id_number or "").strip():
            today = timezone.localdate(clock.now())
            document = check(
                "requester_id_number", v.parse_id_document, data.requester_id_number, data.requester_kind, today=today
            )
            if document is not None:
                data.requester_id_number = document.number
    if data.requester_language:
        language = normalize_language(data.requester_language)
        if language is None:
            fields["requester_language"] = _("语言须为 zh-hans、zh-hant 或 en")
        else:
            data.requester_language = language
    else:
        data.requester_language = detect_language(f"{data.title}{data.text}")
    if data.category_code and routing_config().category_by_code.get(data.category_code) is None:
        fields["category"] = _("分类编码 %(c)s 不存在") % {"c": data.category_code}
    if fields and has_point and locate(data.lon, data.lat) is None:
        # Said with the other errors, so the requester corrects everything at once (alone, the point
        # is refused later by placement with its own code, outside_city).
        fields["lon"] = _("该位置不在本市辖区内，请重新选点或填写地址。")
    if fields:
        raise ApplicationError("validation_error", _("提交的内容有误，请按提示修改。"), fields=fields)


def classify_request(data: CaseInput) -> None:
    """The classifier's guess, when nobody chose a category: its first-level category (as a code with
    its confidence) and the top candidates. No trained model: the dispatcher classifies."""
    if data.category_code:
        return
    try:
        prediction = predict(data.text, title=data.title)
    except ApplicationError:
        return
    names = routing_config().level1_by_name
    candidates = prediction.get("candidates") or []
    data.category_candidates = [
        {"code": names[p["label"]].code if p["label"] in names else None, "name": p["label"],
         "confidence": p["confidence"]}
        for p in candidates
    ]
    chosen = names.get(prediction["label"])
    if chosen is not None:
        data.category_code, data.category_confidence = chosen.code, prediction["confidence"]


def case_submit(
    *, data: CaseInput, actor: Actor, idempotency_key: str = "", body_hash: str = "", auto_route: bool = True
) -> tuple[Case, bool]:
    """Enter one request from any channel. Returns (the case, whether it is new).

    `auto_route=False`: the platform does not accept and dispatch it by itself, whatever the
    classifier's confidence (a grid worker's fix on the spot waits for the dispatcher instead).

    With an idempotency key, the same key and body return the first case (False), whatever happened
    to the first response; the same key with another body is refused (409). The key is written in the
    case's own transaction, so a failed submission leaves no key behind and a retry may try again.
    A retry is rare: the key is not looked up first; the unique key refuses the second write, which
    is rolled back whole (its case number stays unused), and the first case is read then. A retry
    that fails on its way there (its photos were taken by the first case, say) is answered the same."""
    try:
        with transaction.atomic():
            case = _submit(data, actor, auto_route=auto_route)
            if idempotency_key:
                insert_rows([IdempotencyKey(user=actor.user, key=idempotency_key, body_hash=body_hash, case=case)])
    except (IntegrityError, ApplicationError):
        if not idempotency_key:
            raise
        existing = _idempotent_case(actor, idempotency_key, body_hash)  # a retry, or a concurrent one that won
        if existing is None:
            raise
        return existing, False
    return case, True


def _idempotent_case(actor: Actor, key: str, body_hash: str) -> Case | None:
    row = IdempotencyKey.objects.filter(user=actor.user, key=key).select_related("case").first()
    if row is None:
        return None
    if row.body_hash != body_hash:
        raise ApplicationError("idempotency_conflict", _("该 Idempotency-Key 已用于另一份不同的提交。"), status=409)
    return row.case


def _submit(data: CaseInput, actor: Actor, *, auto_route: bool = True) -> Case:
    attachments = attachments_for_case(tokens=data.attachments, user=actor.user)
    # A photo's EXIF position places a report that has no point (read before the EXIF was stripped).
    from_exif = exif_point(attachments) if data.lon is None and data.lat is None else None
    validate_request(data, exif=from_exif, role=actor.role)
    classify_request(data)
    data.attachments = [a.as_entry() for a in attachments]
    notes: dict = {}
    if attachments:
        notes["attachments"] = [a.token for a in attachments]
    if from_exif is not None:
        data.lon, data.lat = from_exif
        data.placement, data.placement_confidence = Placement.GPS, EXIF_CONFIDENCE
        notes["placement_note"] = "exif"  # placed by the GPS position in a photo's EXIF
    data.event_notes = {**notes, **data.event_notes}
    case = case_create(data=data, actor=actor, auto_route=auto_route)
    bind_attachments(attachments=attachments, case=case)
    return case
