"""Importing department files (CSV, XLSX) into a register, in three steps.

1. `import_start`: read the file, recognise its columns (Chinese or English headings), keep each row's
   cells. A file that cannot be read, or lacks a required column, fails here with a message naming
   the columns found and the ones missing.
2. `import_check`: check the next rows (a chunk at a time, so a page can show a progress bar and
   several processes can share the work: the batch row is locked per chunk). Each value is parsed
   (GB 11643 ID check character, GB 32100 credit code, phone numbers, choices, numbers, points)
   and the row is placed on its grid: by its point; else by its building (房屋编码 or the exact
   standard address on the building register); else by matching its address to a community
   (yiwang.cases.placement) and taking the grid at the community's centre (a warning says so).
   Errors and warnings are kept per row and column.
3. `import_apply`: in one transaction, every valid row either joins the record it duplicates (the
   same ID number; the same name and phone; the same credit code; the same organisation name at the
   same address; the same building or facility code or address) or becomes a new record; rows with
   errors are skipped and listed. Each merge is recorded with its rule, the fields it filled and the
   values that disagreed (kept as they were on the register). Nothing is half-imported: the whole
   batch commits or none of it does.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.cases.placement import find_place
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.geo.locate import get_index, locate, parse_coordinates
from yiwang.geo.models import Area, Level
from yiwang.intake.validators import Invalid, parse_mainland_id, parse_phone, parse_uscc

from . import access
from . import error_codes as codes
from .models import (
    BatchStatus,
    Building,
    BuildingUse,
    CareGroup,
    Change,
    ChangeAction,
    Facility,
    FacilityKind,
    FacilityStatus,
    ImportBatch,
    ImportRow,
    Merge,
    MergeRule,
    Organisation,
    OrganisationKind,
    Person,
    PersonKind,
    PlacedBy,
    Register,
    Room,
)
from .personal import digest, mask, normalise, shown

MAX_BYTES = 30 * 1024 * 1024
MAX_ROWS = 300_000
CHECK_CHUNK = 500  # rows checked per step (one progress-bar tick on the page)


# --------------------------------------------------------------------------- values
def _text(limit: int):
    def parse(raw: str) -> str:
        if len(raw) > limit:
            raise Invalid(_("不能超过 %(n)d 个字") % {"n": limit})
        return raw

    return parse


def id_birth_gender(number: str) -> tuple[dt.date, str]:
    """The birth date and gender a valid 18-character ID number states (GB 11643)."""
    born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return born, "M" if int(number[16]) % 2 else "F"


def _id_number(raw: str) -> str:
    if re.fullmatch(r"\d\.\d+E\+1\d", raw.upper()):
        raise Invalid(_("身份证号码被表格软件存成了数字（末几位已丢失），请把该列设为文本后重新导出"))
    return parse_mainland_id(raw, today=clock.today())


def _phone(raw: str) -> str:
    return parse_phone(raw).normalized


def _uscc(raw: str) -> str:
    return parse_uscc(raw)


def _count(raw: str) -> int:
    if not re.fullmatch(r"\d{1,7}", raw):
        raise Invalid(_("应为不小于 0 的整数"))
    return int(raw)


def _date(raw: str) -> str:
    text = re.sub(r"[年月/.]", "-", raw).rstrip("日")
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC).date().isoformat()
        except ValueError:
            continue
    raise Invalid(_("日期格式应为 2024-05-01"))


def _choice(table: Callable[[], dict[str, str]], label):
    def parse(raw: str) -> str:
        key = normalise(raw).lower()
        if key in table():
            return table()[key]
        raise Invalid(_("无法识别的%(what)s，可填：%(options)s") % {"what": label, "options": "、".join(_first_names(table()))})

    return parse


def _first_names(table: dict[str, str]) -> list[str]:
    seen, out = set(), []
    for name, value in table.items():
        if value not in seen and not name.isascii():
            seen.add(value)
            out.append(name)
    return out


def _table(choices, extra: dict[str, str] | None = None) -> Callable[[], dict[str, str]]:
    """Accept the value itself, the Chinese label (the msgid, whatever the request's language) and
    extras. Built on first use: labels can only be read once translations are set up."""

    @functools.cache
    def build() -> dict[str, str]:
        table = {}
        with translation.override(None):
            for value, label in choices.choices:
                table[normalise(str(label)).lower()] = value
                table[value.lower()] = value
        for name, value in (extra or {}).items():
            table[normalise(name).lower()] = value
        return table

    return build


KIND_TABLE = _table(PersonKind, {"户籍": "registered", "常住户籍": "registered", "流动": "floating", "外来": "floating", "境外": "overseas", "外籍": "overseas"})
GROUP_TABLE = _table(CareGroup, {"空巢老人": "elderly_alone", "孤寡老人": "elderly_alone", "残障人士": "disabled", "低保": "low_income", "低保户": "low_income", "退役": "veteran"})
ORG_TABLE = _table(OrganisationKind, {"公司": "enterprise", "个体户": "shop", "个体工商户": "shop", "商铺": "shop", "门店": "shop", "医院": "hospital", "诊所": "hospital", "幼儿园": "school", "机关": "government", "事业单位": "government"})
USE_TABLE = _table(BuildingUse, {"住房": "residential", "居住": "residential", "商铺": "commercial", "厂房": "industrial"})
FACILITY_TABLE = _table(FacilityKind, {"窨井盖": "0101", "检查井盖": "0101", "消火栓": "0103", "果皮箱": "0201", "垃圾桶": "0201", "摄像头": "0126"})
STATUS_TABLE = _table(FacilityStatus, {"正常": "normal", "破损": "damaged", "缺失": "missing"})
GENDER_TABLE = functools.cache(lambda: {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"})


def _groups(raw: str) -> list[str]:
    out = []
    for part in re.split(r"[、,，;；/\s]+", raw):
        if part:
            out.append(_choice(GROUP_TABLE, gettext_lazy("关爱人群"))(part))
    return sorted(set(out))


@dataclass(frozen=True)
class Column:
    field: str
    label: object  # translatable, for messages and the template of a file
    aliases: tuple[str, ...]
    parse: Callable[[str], object]
    required: bool = False


def _cols(*columns: Column) -> tuple[Column, ...]:
    return columns


PLACE_COLUMNS = (
    Column("address", gettext_lazy("地址"), ("地址", "详细地址", "居住地址", "现住址", "经营地址", "标准地址", "address"), _text(300)),
    Column("lon", gettext_lazy("经度"), ("经度", "lon", "lng", "longitude"), str),
    Column("lat", gettext_lazy("纬度"), ("纬度", "lat", "latitude"), str),
)
BUILDING_CODE = Column("building_code", gettext_lazy("房屋编码"), ("房屋编码", "楼栋编码", "标准地址编码", "building_code"), _text(40))

COLUMNS: dict[str, tuple[Column, ...]] = {
    Register.PERSON: _cols(
        Column("name", gettext_lazy("姓名"), ("姓名", "name"), _text(60), required=True),
        Column("id_number", gettext_lazy("身份证号码"), ("身份证号码", "身份证号", "公民身份号码", "身份证", "id_number"), _id_number),
        Column("phone", gettext_lazy("联系电话"), ("联系电话", "手机号码", "手机号", "电话", "phone"), _phone),
        Column("gender", gettext_lazy("性别"), ("性别", "gender"), _choice(GENDER_TABLE, gettext_lazy("性别"))),
        Column("birth_date", gettext_lazy("出生日期"), ("出生日期", "birth_date"), _date),
        Column("kind", gettext_lazy("人口类型"), ("人口类型", "人员类型", "kind"), _choice(KIND_TABLE, gettext_lazy("人口类型"))),
        Column("groups", gettext_lazy("关爱人群"), ("关爱人群", "重点人群", "人群类别", "groups"), _groups),
        BUILDING_CODE,
        Column("room", gettext_lazy("房号"), ("房号", "室号", "房间号", "room"), _text(20)),
        *PLACE_COLUMNS,
    ),
    Register.ORGANISATION: _cols(
        Column("name", gettext_lazy("单位名称"), ("单位名称", "企业名称", "名称", "name"), _text(200), required=True),
        Column("uscc", gettext_lazy("统一社会信用代码"), ("统一社会信用代码", "信用代码", "uscc"), _uscc),
        Column("kind", gettext_lazy("单位类型"), ("单位类型", "类型", "kind"), _choice(ORG_TABLE, gettext_lazy("单位类型"))),
        Column("legal_rep", gettext_lazy("法定代表人/负责人"), ("法定代表人", "负责人", "法人", "legal_rep"), _text(60)),
        Column("contact_phone", gettext_lazy("联系电话"), ("联系电话", "电话", "contact_phone", "phone"), _phone),
        Column("employees", gettext_lazy("从业人数"), ("从业人数", "员工人数", "employees"), _count),
        BUILDING_CODE,
        *PLACE_COLUMNS,
    ),
    Register.BUILDING: _cols(
        Column("code", gettext_lazy("房屋编码"), ("房屋编码", "楼栋编码", "标准地址编码", "code"), _text(40)),
        Column("name", gettext_lazy("楼栋名称"), ("楼栋名称", "建筑名称", "名称", "name"), _text(100)),
        Column("floors", gettext_lazy("层数"), ("层数", "楼层数", "floors"), _count),
        Column("use", gettext_lazy("用途"), ("用途", "房屋用途", "use"), _choice(USE_TABLE, gettext_lazy("用途"))),
        *PLACE_COLUMNS,
    ),
    Register.FACILITY: _cols(
        Column("code", gettext_lazy("部件编码"), ("部件编码", "编码", "code"), _text(40), required=True),
        Column("kind", gettext_lazy("部件类型"), ("部件类型", "类型", "kind"), _choice(FACILITY_TABLE, gettext_lazy("部件类型")), required=True),
        Column("status", gettext_lazy("状态"), ("状态", "部件状态", "status"), _choice(STATUS_TABLE, gettext_lazy("状态"))),
        Column("owner", gettext_lazy("权属单位"), ("权属单位", "管理单位", "owner"), _text(100)),
        *PLACE_COLUMNS,
    ),
}


# --------------------------------------------------------------------------- reading files
def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def read_table(name: str, content: bytes) -> list[list[str]]:
    """The file's rows as lists of strings (the header first). CSV in UTF-8 (with or without BOM) or
    GB18030 (what Excel writes on Chinese Windows), comma or tab separated; XLSX: the first sheet."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ApplicationError(codes.FILE_UNREADABLE, _("无法读取该 Excel 文件：%(e)s") % {"e": exc}) from None
        sheet = book.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    elif name.lower().endswith((".csv", ".txt")):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ApplicationError(codes.FILE_UNREADABLE, _("无法识别文件编码，请另存为 UTF-8 编码的 CSV。"))
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        rows = [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    else:
        raise ApplicationError(codes.FILE_UNREADABLE, _("只支持 CSV 和 XLSX 文件。"))
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _heading(text: str) -> str:
    return re.sub(r"[\s*＊]|[（(](必填|选填|可选)[)）]", "", normalise(text)).lower()


def map_columns(register: str, header: list[str]) -> dict[str, int]:
    """Our field -> the file's column index, or a coded error naming what is missing."""
    found: dict[str, int] = {}
    for index, heading in enumerate(header):
        key = _heading(heading)
        for column in COLUMNS[register]:
            if column.field not in found and key in {_heading(a) for a in column.aliases}:
                found[column.field] = index
                break
    missing = [str(c.label) for c in COLUMNS[register] if c.required and c.field not in found]
    if not ({"address", "building_code"} & found.keys() or {"lon", "lat"} <= found.keys()):
        missing.append(str(_("地址或经纬度")))
    if missing:
        raise ApplicationError(
            codes.MISSING_COLUMNS,
            _("文件缺少必需的列：%(missing)s。识别到的列：%(found)s。")
            % {
                "missing": "、".join(missing),
                "found": "、".join(str(c.label) for c in COLUMNS[register] if c.field in found) or _("无"),
            },
        )
    return found


# --------------------------------------------------------------------------- step 1: start
@transaction.atomic
def import_start(*, register: str, source: str, filename: str, content: bytes, user) -> ImportBatch:
    access.check_import(user)
    if register not in COLUMNS:
        raise ApplicationError(codes.INVALID_VALUE, _("未知的登记簿"), fields={"register": register})
    source = (source or "").strip()
    if not source:
        raise ApplicationError(codes.INVALID_VALUE, _("请填写数据来源部门"), fields={"source": ""})
    if len(content) > MAX_BYTES:
        raise ApplicationError(codes.FILE_TOO_LARGE, _("文件不能超过 30 MB，请分批导入。"))
    batch = ImportBatch(register=register, source=source[:100], filename=filename[:200], created_by=user, created_at=clock.now())
    try:
        rows = read_table(filename, content)
        if not rows:
            raise ApplicationError(codes.FILE_UNREADABLE, _("文件是空的。"))
        batch.columns = map_columns(register, rows[0])
        if len(rows) - 1 > MAX_ROWS:
            raise ApplicationError(codes.FILE_TOO_LARGE, _("一次最多导入 %(n)d 行，请分批导入。") % {"n": MAX_ROWS})
    except ApplicationError as exc:
        batch.status, batch.message = BatchStatus.FAILED, str(exc.message)[:500]
        batch.save()
        return batch
    body = [(i + 2, row) for i, row in enumerate(rows[1:]) if any(row)]
    batch.total_rows = len(body)
    batch.status = BatchStatus.CHECKING if body else BatchStatus.READY
    batch.save()
    ImportRow.objects.bulk_create(
        (ImportRow(batch=batch, number=n, cells=row) for n, row in body), batch_size=2000
    )
    return batch


# --------------------------------------------------------------------------- step 2: check
class _Placer:
    """Places rows on grids; remembers addresses already matched within one step."""

    def __init__(self):
        self.index = get_index()
        self.by_address: dict[str, tuple] = {}

    def buildings(self, rows: list[dict]) -> tuple[dict, dict]:
        codes_ = {r["building_code"] for r in rows if r.get("building_code")}
        keys = {normalise(r["address"]) for r in rows if r.get("address")}
        fields = ("id", "grid_id", "lon", "lat", "code", "address_key")
        by_code = {b["code"]: b for b in Building.objects.filter(code__in=codes_).values(*fields)} if codes_ else {}
        by_key = {}
        keys = list(keys)
        for i in range(0, len(keys), 500):
            for b in Building.objects.filter(address_key__in=keys[i : i + 500]).values(*fields):
                by_key.setdefault(b["address_key"], b)
        return by_code, by_key

    def address(self, text: str) -> tuple[int | None, str | None]:
        """(grid id, warning) for an address naming a community, town or district."""
        if text in self.by_address:
            return self.by_address[text]
        found = find_place(text, index=self.index)
        result: tuple[int | None, str | None] = (None, None)
        if found is not None and self.index.refs[found.area_id].level == Level.COMMUNITY:
            area = Area.objects.only("centroid_lon", "centroid_lat", "name").get(pk=found.area_id)
            if area.centroid_lon is not None:
                located = locate(area.centroid_lon, area.centroid_lat)
                if located is not None and located.grid is not None:
                    result = (
                        located.grid.id,
                        _("地址只匹配到社区（%(c)s），已落在社区中心所在网格，请核实") % {"c": area.name},
                    )
        self.by_address[text] = result
        return result


def _place(register: str, data: dict, placer: _Placer, by_code: dict, by_key: dict) -> tuple[str | None, str | None, str | None]:
    """Set grid_id, placed_by (and building_id, point) on the row; (error column, error, warning)."""
    if data.get("lon") or data.get("lat"):
        try:
            lon, lat = parse_coordinates(data.get("lon"), data.get("lat"))
        except ApplicationError as exc:
            return "lon", str(exc.message), None
        found = locate(lon, lat)
        if found is None or found.grid is None:
            return "lon", _("该坐标不在本市任何网格内"), None
        data.update(lon=lon, lat=lat, grid_id=found.grid.id, placed_by=PlacedBy.POINT)
    else:
        data.pop("lon", None), data.pop("lat", None)
    if register in (Register.PERSON, Register.ORGANISATION):
        building = by_code.get(data.get("building_code")) or by_key.get(normalise(data.get("address", "")))
        if building is None and data.get("building_code"):
            return "building_code", _("房屋登记簿中没有该房屋编码"), None
        if building is not None:
            data["building_id"] = building["id"]
            if "grid_id" not in data and building["grid_id"]:
                data.update(grid_id=building["grid_id"], placed_by=PlacedBy.BUILDING)
                if building["lon"] is not None:
                    data.update(lon=building["lon"], lat=building["lat"])
    if "grid_id" in data:
        return None, None, None
    if not data.get("address"):
        return "address", _("请填写地址或经纬度"), None
    grid_id, warning = placer.address(data["address"])
    if grid_id is None:
        return "address", _("地址无法落到网格：请写明社区（村）名称，或填写经纬度"), None
    data.update(grid_id=grid_id, placed_by=PlacedBy.ADDRESS)
    return None, None, warning


def _check_row(register: str, columns: dict[str, int], cells: list[str]) -> tuple[dict, list, list]:
    data, errors, warnings = {}, [], []
    for column in COLUMNS[register]:
        index = columns.get(column.field)
        raw = cells[index].strip() if index is not None and index < len(cells) else ""
        if not raw:
            if column.required:
                errors.append(_error(register, column.field, "", _("必填")))
            continue
        try:
            data[column.field] = column.parse(raw)
        except Invalid as exc:
            errors.append(_error(register, column.field, raw, exc.message))
    if register == Register.PERSON and data.get("id_number"):
        born, derived = id_birth_gender(data["id_number"])
        data.setdefault("birth_date", born.isoformat())
        if data.get("gender") and data["gender"] != derived:
            warnings.append(str(_("性别与身份证号码不符，以身份证号码为准")))
        data["gender"] = derived
    return data, errors, warnings


def _error(register: str, field: str, value, message) -> dict:
    label = next((c.label for c in COLUMNS[register] if c.field == field), field)
    return {"field": field, "column": str(label), "value": mask(register, field, str(value or "")), "message": str(message)}


PLACE_FIELDS = {"lon", "lat", "address", "building_code"}


def _place_row(register, data, errors, warnings, placer, by_code, by_key) -> None:
    if any(e["field"] in PLACE_FIELDS for e in errors):
        return
    field, error, warning = _place(register, data, placer, by_code, by_key)
    if error:
        errors.append(_error(register, field, data.get(field, ""), error))
    if warning:
        warnings.append(str(warning))


def import_check(*, batch_id: int, rows: int = CHECK_CHUNK) -> ImportBatch:
    """Check the next `rows` rows of the batch (one step of the progress bar)."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != BatchStatus.CHECKING:
            return batch
        pending = list(batch.rows.filter(checked=False).order_by("number")[:rows])
        placer = _Placer()
        checked = []
        for row in pending:
            data, errors, warnings = _check_row(batch.register, batch.columns, row.cells)
            checked.append((row, data, errors, warnings))
        by_code, by_key = placer.buildings([d for _r, d, _e, _w in checked])
        error_rows = 0
        for row, data, errors, warnings in checked:
            _place_row(batch.register, data, errors, warnings, placer, by_code, by_key)
            row.data, row.errors, row.warnings, row.checked = data, errors, warnings, True
            error_rows += bool(errors)
        _save_checked([c[0] for c in checked])
        batch.checked_rows += len(checked)
        batch.error_rows += error_rows
        if batch.checked_rows >= batch.total_rows or not pending:
            batch.status = BatchStatus.READY
        batch.save(update_fields=["checked_rows", "error_rows", "status"])
        return batch


def _save_checked(rows: list[ImportRow]) -> None:
    """One UPDATE per row through executemany: bulk_update's CASE WHEN per field and row cost more
    than the checking itself at 10^4 rows."""
    meta = ImportRow._meta
    json_fields = [meta.get_field(f) for f in ("data", "errors", "warnings")]
    q = connection.ops.quote_name
    sql = (
        f"UPDATE {q(meta.db_table)} SET {q('data')} = %s, {q('errors')} = %s, {q('warnings')} = %s, "
        f"{q('checked')} = %s WHERE {q('id')} = %s"
    )
    params = [
        [*(f.get_db_prep_save(getattr(row, f.name), connection) for f in json_fields), True, row.pk] for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def import_check_all(*, batch_id: int, progress: Callable[[ImportBatch], None] | None = None) -> ImportBatch:
    batch = ImportBatch.objects.get(pk=batch_id)
    while batch.status == BatchStatus.CHECKING:
        batch = import_check(batch_id=batch_id)
        if progress:
            progress(batch)
    return batch


# --------------------------------------------------------------------------- step 3: apply
MODELS = {
    Register.PERSON: Person,
    Register.ORGANISATION: Organisation,
    Register.BUILDING: Building,
    Register.FACILITY: Facility,
}
# The row fields that become the record's fields (the rest place the row).
RECORD_FIELDS = {
    Register.PERSON: ("name", "id_number", "phone", "gender", "birth_date", "kind", "groups", "address", "lon", "lat"),
    Register.ORGANISATION: ("name", "uscc", "kind", "legal_rep", "contact_phone", "employees", "address", "lon", "lat"),
    Register.BUILDING: ("code", "name", "floors", "use", "address", "lon", "lat"),
    Register.FACILITY: ("code", "kind", "status", "owner", "address", "lon", "lat"),
}


def _keys(register: str, data: dict) -> list[tuple[str, str]]:
    """The duplicate keys of a row, strongest first: (rule, key)."""
    if register == Register.PERSON:
        keys = [(MergeRule.SAME_ID, digest(data.get("id_number", "")))]
        keys.append((MergeRule.SAME_NAME_PHONE, digest(data.get("name", ""), data.get("phone", ""))))
    elif register == Register.ORGANISATION:
        keys = [(MergeRule.SAME_USCC, data.get("uscc", ""))]
        keys.append((MergeRule.SAME_NAME_ADDRESS, digest(org_name_key(data.get("name", "")), data.get("address", "")) if data.get("address") else ""))
    else:
        keys = [(MergeRule.SAME_CODE, data.get("code", ""))]
        if register == Register.BUILDING:
            keys.append((MergeRule.SAME_ADDRESS, normalise(data.get("address", ""))))
    return [(rule, key) for rule, key in keys if key]


def org_name_key(name: str) -> str:
    return re.sub(r"[()（）\[\]【】·.,，]", "", normalise(name))


def _record_keys(register: str, obj) -> list[tuple[str, str]]:
    if register == Register.PERSON:
        return [(MergeRule.SAME_ID, obj.id_digest), (MergeRule.SAME_NAME_PHONE, obj.name_phone_digest)]
    if register == Register.ORGANISATION:
        return [(MergeRule.SAME_USCC, obj.uscc), (MergeRule.SAME_NAME_ADDRESS, digest(obj.name_key, obj.address) if obj.address else "")]
    if register == Register.BUILDING:
        return [(MergeRule.SAME_CODE, obj.code), (MergeRule.SAME_ADDRESS, obj.address_key)]
    return [(MergeRule.SAME_CODE, obj.code)]


def _lookup_existing(register: str, keyed: list[list[tuple[str, str]]]) -> dict[tuple[str, str], object]:
    """Records already on the register that any of the rows' keys find."""
    model = MODELS[register]
    column = {
        MergeRule.SAME_ID: "id_digest",
        MergeRule.SAME_NAME_PHONE: "name_phone_digest",
        MergeRule.SAME_USCC: "uscc",
        MergeRule.SAME_CODE: "code",
        MergeRule.SAME_ADDRESS: "address_key",
    }
    wanted: dict[str, set[str]] = {}
    for keys in keyed:
        for rule, key in keys:
            wanted.setdefault(rule, set()).add(key)
    found: dict[tuple[str, str], object] = {}
    for rule, values in wanted.items():
        values = list(values)
        if rule == MergeRule.SAME_NAME_ADDRESS:
            continue  # a digest of two columns: import_apply looks these up by name
        for i in range(0, len(values), 500):
            for obj in model.objects.filter(**{f"{column[rule]}__in": values[i : i + 500]}).order_by("id"):
                found.setdefault((rule, getattr(obj, column[rule])), obj)
    return found


def _merge_into(register: str, obj, data: dict, source: str) -> tuple[list[str], list[dict], dict]:
    """Fill the record's blank fields from the row; disagreements keep the record's value."""
    filled, conflicts, changes = [], [], {}
    for field in RECORD_FIELDS[register]:
        if field in ("lon", "lat") or field not in data:
            continue
        new = data[field]
        old = getattr(obj, field)
        if field == "birth_date" and isinstance(new, str):
            new = dt.date.fromisoformat(new)
        if field == "groups":
            union = sorted(set(old or []) | set(new))
            if union != sorted(old or []):
                changes[field] = [old or [], union]
                obj.groups = union
                filled.append(field)
            continue
        if old in (None, "", []):
            setattr(obj, field, new)
            filled.append(field)
            changes[field] = [shown(register, field, old), shown(register, field, new)]
        elif (normalise(str(old)) if isinstance(old, str) else old) != (normalise(str(new)) if isinstance(new, str) else new):
            conflicts.append({"field": field, "kept": shown(register, field, old), "offered": shown(register, field, new)})
    if obj.lon is None and data.get("lon") is not None:
        obj.lon, obj.lat = data["lon"], data["lat"]
        filled.append("lon")
    if getattr(obj, "building_id", "n/a") is None and data.get("building_id"):
        obj.building_id = data["building_id"]
        filled.append("building")
    if obj.grid_id is None and data.get("grid_id"):
        obj.grid_id, obj.placed_by = data["grid_id"], data.get("placed_by", PlacedBy.NONE)
        filled.append("grid")
    if source not in obj.sources:
        obj.sources = [*obj.sources, source]
    _refresh_keys(register, obj)
    return filled, conflicts, changes


KEY_FIELDS = {
    Register.PERSON: ("id_digest", "name_phone_digest"),
    Register.ORGANISATION: ("name_key",),
    Register.BUILDING: ("address_key",),
    Register.FACILITY: (),
}


def _touched_fields(register: str, filled: list[str], changes: dict) -> set[str]:
    named = {"lon": ("lon", "lat"), "building": ("building",), "grid": ("grid", "placed_by")}
    fields = {"sources", "updated_at", *KEY_FIELDS[register]}
    for field in [*filled, *changes]:
        fields.update(named.get(field, (field,)))
    if "birth_date" in fields or "id_number" in fields:
        fields.update({"birth_date", "gender"} if register == Register.PERSON else set())
    return fields


def _refresh_keys(register: str, obj) -> None:
    if register == Register.PERSON:
        obj.id_digest = digest(obj.id_number)
        obj.name_phone_digest = digest(obj.name, obj.phone)
    elif register == Register.ORGANISATION:
        obj.name_key = org_name_key(obj.name)
    elif register == Register.BUILDING:
        obj.address_key = normalise(obj.address)


def _new_record(register: str, data: dict, source: str, now):
    model = MODELS[register]
    values = {f: data[f] for f in RECORD_FIELDS[register] if f in data}
    if "birth_date" in values:
        values["birth_date"] = dt.date.fromisoformat(values["birth_date"])
    obj = model(
        **values,
        grid_id=data.get("grid_id"),
        placed_by=data.get("placed_by", PlacedBy.NONE),
        sources=[source],
        created_at=now,
        updated_at=now,
    )
    if register in (Register.PERSON, Register.ORGANISATION):
        obj.building_id = data.get("building_id")
    _refresh_keys(register, obj)
    return obj


def import_apply(*, batch_id: int, user) -> ImportBatch:
    """Put the batch's valid rows into the register, all in one transaction."""
    access.check_import(user)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != BatchStatus.READY:
            raise ApplicationError(codes.BATCH_STATE, _("该批次当前不能导入（状态：%(s)s）。") % {"s": batch.get_status_display()}, status=409)
        register, source, now = batch.register, batch.source, clock.now()
        rows = list(batch.rows.filter(checked=True).order_by("number").values("number", "data", "errors", "warnings"))
        valid = [r for r in rows if not r["errors"]]
        keyed = [_keys(register, r["data"]) for r in valid]
        known = _lookup_existing(register, keyed)
        if register == Register.ORGANISATION:
            names = list({org_name_key(r["data"]["name"]) for r in valid})
            for i in range(0, len(names), 500):
                for obj in Organisation.objects.filter(name_key__in=names[i : i + 500]).exclude(address="").order_by("id"):
                    known.setdefault((MergeRule.SAME_NAME_ADDRESS, digest(obj.name_key, obj.address)), obj)
        created, dirty, merges = [], {}, []
        for row, keys in zip(valid, keyed, strict=True):
            data = row["data"]
            target, rule = next(((known[k], k[0]) for k in keys if k in known), (None, None))
            if register == Register.PERSON and target is not None and rule != MergeRule.SAME_ID:
                # Two different ID numbers are two people, whatever else they share.
                if target.id_digest and data.get("id_number") and target.id_digest != digest(data["id_number"]):
                    target = None
            if target is None:
                obj = _new_record(register, data, source, now)
                obj._row = row["number"]
                created.append(obj)
            else:
                obj = target
                filled, conflicts, changes = _merge_into(register, obj, data, source)
                obj.updated_at = now
                if obj.pk:
                    dirty[obj.pk] = obj
                    obj._touched = getattr(obj, "_touched", set()) | _touched_fields(register, filled, changes)
                merges.append((obj, rule, row["number"], filled, conflicts, changes))
            for k in _record_keys(register, obj) + keys:
                if k[1]:
                    known.setdefault(k, obj)
        model = MODELS[register]
        model.objects.bulk_create(created, batch_size=1000)
        # Existing records: update only the fields each merge touched, grouped by that set of fields.
        by_fields: dict[tuple[str, ...], list] = {}
        for obj in dirty.values():
            by_fields.setdefault(tuple(sorted(obj._touched)), []).append(obj)
        for fields, objs in by_fields.items():
            model.objects.bulk_update(objs, list(fields), batch_size=500)
        if register == Register.PERSON:
            _link_rooms(valid, created, merges)
        label = _("导入：%(source)s（%(file)s）") % {"source": source, "file": batch.filename}
        Change.objects.bulk_create(
            [
                Change(register=register, record_id=obj.pk, action=ChangeAction.CREATED, actor=user, source=label, batch=batch, at=now,
                       fields={"row": obj._row})
                for obj in created
            ]
            + [
                Change(register=register, record_id=obj.pk, action=ChangeAction.MERGED, actor=user, source=label, batch=batch, at=now,
                       fields={**changes, "row": number, "rule": rule})
                for obj, rule, number, _f, _c, changes in merges
            ],
            batch_size=1000,
        )
        Merge.objects.bulk_create(
            [
                Merge(register=register, record_id=obj.pk, rule=rule, source=source, batch=batch, row_number=number,
                      filled=filled, conflicts=conflicts, at=now)
                for obj, rule, number, filled, conflicts, _changes in merges
            ],
            batch_size=1000,
        )
        merged_into_new = sum(1 for m in merges if m[0] in created)
        batch.summary = {
            "created": len(created),
            "merged": len(merges),
            "merged_within_file": merged_into_new,
            "merged_with_register": len(merges) - merged_into_new,
            "skipped": len(rows) - len(valid),
            "warnings": sum(1 for r in valid if r["warnings"]),
        }
        batch.status, batch.applied_at = BatchStatus.APPLIED, now
        batch.save(update_fields=["summary", "status", "applied_at"])
        batch.rows.update(cells=[], data={})  # the personal values live on in the register only
        return batch


def _link_rooms(valid: list[dict], created: list, merges) -> None:
    """People whose row names a room in a known building live in that room (created if new)."""
    wanted = {}
    by_row = {obj._row: obj for obj in created}
    for obj, _rule, number, *_rest in merges:
        by_row.setdefault(number, obj)
    for row in valid:
        data = row["data"]
        obj = by_row.get(row["number"])
        if obj is not None and data.get("building_id") and data.get("room"):
            wanted.setdefault((data["building_id"], data["room"]), []).append(obj)
    if not wanted:
        return
    existing = {}
    buildings = {b for b, _r in wanted}
    for room in Room.objects.filter(building_id__in=buildings):
        existing[(room.building_id, room.number)] = room
    Room.objects.bulk_create([Room(building_id=b, number=n) for (b, n) in wanted if (b, n) not in existing])
    for room in Room.objects.filter(building_id__in=buildings):
        existing[(room.building_id, room.number)] = room
    people = []
    for key, objs in wanted.items():
        for obj in objs:
            if obj.room_id is None:
                obj.room_id = existing[key].pk
                people.append(obj)
    Person.objects.bulk_update(people, ["room"], batch_size=1000)


@transaction.atomic
def import_cancel(*, batch_id: int, user) -> ImportBatch:
    access.check_import(user)
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status not in (BatchStatus.CHECKING, BatchStatus.READY):
        raise ApplicationError(codes.BATCH_STATE, _("该批次已结束，不能取消。"), status=409)
    batch.status = BatchStatus.CANCELLED
    batch.save(update_fields=["status"])
    batch.rows.update(cells=[], data={})
    return batch


def template_headers(register: str) -> list[str]:
    """The headings of an empty department file for this register (the first alias of each column)."""
    return [c.aliases[0] for c in COLUMNS[register]]


__all__ = ["import_apply", "import_cancel", "import_check", "import_check_all", "import_start"]
