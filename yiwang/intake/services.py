"""Writes of the intake: attachment uploads, the attachments a new case takes, and bulk imports.

Checking a case's fields is in validators.py (pure) and cases.services._validate_input (which calls
it); finding duplicates is a read (selectors.py). Bulk import: cases_import (the `import_cases`
command).
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
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.routing.models import Category

from . import error_codes as codes
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
    from yiwang.geo.locate import locate

    for a in attachments:
        if a.gps_lon is None or a.gps_lat is None:
            continue
        try:
            if locate(a.gps_lon, a.gps_lat) is not None:
                return a.gps_lon, a.gps_lat
        except ApplicationError:  # outside China: the photo was taken elsewhere
            continue
    return None


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
        from yiwang.cases.models import RequestType
        from yiwang.geo.locate import locate

        from . import validators as v

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
    from yiwang.cases.audit import append_event
    from yiwang.cases.models import Case, Channel
    from yiwang.cases.placement import place_case
    from yiwang.cases.services import _next_number
    from yiwang.cases.text import normalize_text

    d = row.data
    external_id = f"{source}:{row.source_id}"
    with transaction.atomic():
        if Case.objects.filter(external_id=external_id).exists():
            ImportJob.objects.filter(pk=job.pk).update(
                last_row=row.number, already_present=F("already_present") + 1
            )
            return False
        received = d["received_at"]
        status = d["status"]
        closed_at = (d["replied_at"] or received) if status == "closed" else None
        case = Case(
            number=_next_number(received),
            external_id=external_id,
            request_type=d["request_type"],
            title=d["title"],
            text=d["text"],
            text_normalized=normalize_text(f"{d['title']}\n{d['text']}"),
            lon=d["lon"],
            lat=d["lat"],
            address=d["address"],
            category=d["category"],
            category_confidence=1.0 if d["category"] else None,
            requester_name=d["requester_name"],
            requester_phone=d["requester_phone"],
            channel=Channel.IMPORT,
            received_at=received,
            accepted_at=received if status in ("accepted", "closed") else None,
            reply_text=d["reply"],
            replied_at=d["replied_at"] if d["reply"] else None,
            closed_at=closed_at,
            status=status,
        )
        place_case(case)
        case.save(force_insert=True)
        append_event(
            case=case,
            action="import",
            actor=user,
            actor_role=getattr(user, "role", "system") if user else "system",
            from_status="",
            to_status=status,
            reason="",
            payload={"source": source, "external_id": external_id, "file": file_ref, "row": row.number},
            at=clock.now(),
        )
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
