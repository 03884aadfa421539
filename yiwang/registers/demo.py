"""Generated registers for the demo grids. Every record made here has generated=True and every page
that shows one says it is generated.

Density. 蓬江区's register holds about 104,500 buildings and 777,700 people (the issue's figures), on
the demo's 723 蓬江 grids: about 145 buildings and 1,076 people a grid. The rest of the city's 4.8
million residents are spread over the other districts' grids in proportion to their number of grids,
with rural districts' buildings holding fewer people (village houses: 3.5 a building rather than
7.4). Organisations: one for every 15 residents; facilities: about 1.5 components a building.

Scale. `scale` multiplies every grid's density (0.02 keeps the whole city near 100,000 people and the
demo quick to load); the focus grids (by default the demo grid worker's community) are generated at
full density, so the grid worker's own file looks like a real one.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import numpy as np
import shapely
from django.core.management.color import no_style
from django.db import connection, transaction

from yiwang.core import clock
from yiwang.geo.locate import locate
from yiwang.geo.models import Area, Level
from yiwang.intake.validators import USCC_CHARS, mainland_id_check_char, uscc_check_char

from .importing import org_name_key
from .models import (
    Building,
    BuildingUse,
    CareGroup,
    Facility,
    FacilityKind,
    FacilityStatus,
    Organisation,
    OrganisationKind,
    Person,
    PersonKind,
    PlacedBy,
    Room,
)
from .personal import digest, normalise

PENGJIANG = "440703"
PENGJIANG_PEOPLE, PENGJIANG_BUILDINGS, PENGJIANG_GRIDS = 777_700, 104_500, 723
CITY_PEOPLE = 4_800_000
URBAN = {"440703", "440704"}
PEOPLE_PER_BUILDING = {True: PENGJIANG_PEOPLE / PENGJIANG_BUILDINGS, False: 3.5}
PEOPLE_PER_ORGANISATION = 15
FACILITIES_PER_BUILDING = 1.5
HOUSEHOLD = 2.6
DEMO_GRIDWORKER_POINT = (113.08, 22.60)  # yiwang.accounts.demo: the demo grid worker's grid
SOURCE = "演示生成"

SURNAMES = list("李陈黄张梁刘林吴何郑谢罗冯邓周余苏许叶杨朱区关伍甄司谭雷胡容钟麦")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文志国荣嘉俊浩宇欣怡婷子轩梓涵诗琪家乐锦添耀")
ROADS = list("建设 胜利 港口 迎宾 白沙 江华 发展 跃进 五邑 丰乐 环市 育德 篁庄 潮连 杜阮 仓后 紫沙 北郊".split())
ESTATES = list("华景花园 碧桂园 金汇小区 怡景湾 江畔豪庭 东湖苑 五邑新村 丽宫花园 锦绣家园 幸福里".split())
FLOATING_REGIONS = ["430421", "450881", "362422", "511322", "412722", "452402", "441581", "445122"]
SHOP_WORDS = list("便利店 五金店 茶餐厅 粉面店 理发店 药房 水果店 烧腊店 士多 菜档".split())
FIRM_WORDS = list("电子 五金 纺织 摩托车 食品 建材 物流 电器 不锈钢 家具".split())
ORG_KINDS = [  # kind, share
    (OrganisationKind.SHOP, 0.58),
    (OrganisationKind.ENTERPRISE, 0.32),
    (OrganisationKind.SOCIAL, 0.04),
    (OrganisationKind.SCHOOL, 0.03),
    (OrganisationKind.HOSPITAL, 0.02),
    (OrganisationKind.GOVERNMENT, 0.01),
]
FACILITY_KINDS = [  # kind, share, owner
    (FacilityKind.STREET_LAMP, 0.32, "市政路灯所"),
    (FacilityKind.MANHOLE, 0.30, "供排水公司"),
    (FacilityKind.BIN, 0.18, "环境卫生所"),
    (FacilityKind.HYDRANT, 0.08, "消防救援大队"),
    (FacilityKind.CAMERA, 0.06, "公安分局"),
    (FacilityKind.ROAD_SIGN, 0.04, "交通运输局"),
    (FacilityKind.BUS_SHELTER, 0.015, "公交公司"),
    (FacilityKind.PUBLIC_TOILET, 0.005, "环境卫生所"),
]


def _density(grids_by_district: dict[str, int]) -> dict[str, tuple[float, float]]:
    """(people, buildings) per grid at full density, per district."""
    out = {}
    other_grids = sum(n for d, n in grids_by_district.items() if d != PENGJIANG) or 1
    other_people_per_grid = (CITY_PEOPLE - PENGJIANG_PEOPLE) / other_grids
    for district in grids_by_district:
        if district == PENGJIANG:
            people = PENGJIANG_PEOPLE / PENGJIANG_GRIDS
        else:
            people = other_people_per_grid
        out[district] = (people, people / PEOPLE_PER_BUILDING[district in URBAN])
    return out


def _points(geom, n: int, rng) -> np.ndarray:
    minx, miny, maxx, maxy = geom.bounds
    out = np.empty((0, 2))
    for _ in range(20):
        if len(out) >= n:
            break
        xs = rng.uniform(minx, maxx, max(2 * n, 16))
        ys = rng.uniform(miny, maxy, max(2 * n, 16))
        inside = shapely.contains_xy(geom, xs, ys)
        out = np.vstack([out, np.column_stack([xs[inside], ys[inside]])])
    if len(out) < n:  # a sliver: fall back to its representative point
        p = geom.representative_point()
        out = np.vstack([out, np.tile([p.x, p.y], (n - len(out), 1))])
    return np.round(out[:n], 6)


def _name(rng) -> str:
    return SURNAMES[rng.integers(len(SURNAMES))] + "".join(GIVEN[i] for i in rng.integers(len(GIVEN), size=rng.integers(1, 3)))


def _id_number(region: str, age: int, male: bool, rng, year: int) -> tuple[str, str]:
    born = f"{year - age:04d}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
    seq = f"{rng.integers(0, 100):02d}{(rng.integers(0, 5) * 2 + (1 if male else 0))}"
    body = region + born + seq
    return body + mainland_id_check_char(body), f"{born[:4]}-{born[4:6]}-{born[6:]}"


def _phone(rng) -> str:
    return f"1{rng.choice([3, 5, 7, 8, 9])}{rng.integers(0, 10)}{rng.integers(0, 10**8):08d}"


def _uscc(prefix: str, region: str, rng) -> str:
    body = prefix + region + "".join(USCC_CHARS[i] for i in rng.integers(0, 31, size=9))
    return body + uscc_check_char(body)


def _choice(options, rng):
    shares = np.array([o[1] for o in options])
    return options[rng.choice(len(options), p=shares / shares.sum())]


def focus_grids() -> list[int]:
    """The demo grid worker's community: its grids get full density."""
    found = locate(*DEMO_GRIDWORKER_POINT)
    community = found.at(Level.COMMUNITY) if found else None
    if community is None:
        return []
    return list(Area.objects.filter(parent_id=community.id, level=Level.GRID).values_list("id", flat=True))


def clear_demo_registers() -> None:
    for model in (Person, Organisation, Facility, Room, Building):
        model.objects.filter(generated=True).delete()


class _Table:
    """Rows for one model, inserted with executemany (the ORM's per-object cost dominates at 10^5 rows).
    Ids are given here, so rows can point at each other before they are written; sequences are reset
    afterwards on databases that have them."""

    def __init__(self, model, fields: list[str]):
        self.model, self.fields, self.rows = model, fields, []
        self.next_id = (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in ["id", *fields])
        marks = ", ".join(["%s"] * (len(fields) + 1))
        self.sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
        self._adapted: dict = {}
        # Personal columns are encrypted at rest: raw SQL must write what the field would write.
        self._encrypted = {
            i: model._meta.get_field(f) for i, f in enumerate(fields) if getattr(model._meta.get_field(f), "encrypted", False)
        }

    def adapt(self, field: str, value):
        """The database form of a JSON, date or datetime value (cached: the same few values recur)."""
        key = (field, json.dumps(value, default=str))
        if key not in self._adapted:
            self._adapted[key] = self.model._meta.get_field(field).get_db_prep_save(value, connection)
        return self._adapted[key]

    def add(self, *values) -> int:
        pk = self.next_id
        self.next_id += 1
        if self._encrypted:
            values = tuple(self._encrypted[i].get_prep_value(v) if i in self._encrypted else v for i, v in enumerate(values))
        self.rows.append((pk, *values))
        return pk

    def flush(self) -> int:
        n = len(self.rows)
        with connection.cursor() as cursor:
            for i in range(0, n, 5000):
                cursor.executemany(self.sql, self.rows[i : i + 5000])
        self.rows.clear()
        return n


COMMON = ["grid_id", "address", "lon", "lat", "placed_by", "sources", "generated", "created_at", "updated_at"]


@transaction.atomic
def load_demo_registers(
    *, scale: float = 0.01, full_density: list[int] | None = None, grid_ids: list[int] | None = None,
    seed: int = 9440700, progress: bool = False,
) -> dict:
    """Generate the registers for the demo grids (all of them, or `grid_ids`), replacing any generated
    before. `full_density`: grid ids generated at scale 1 (default: the demo grid worker's community)."""
    started = time.monotonic()
    rng = np.random.default_rng(seed)
    clear_demo_registers()
    now = clock.now()
    year = clock.today().year
    grids = Area.objects.filter(level=Level.GRID, geometry__isnull=False).select_related("parent__parent__parent")
    if grid_ids is not None:
        grids = grids.filter(pk__in=grid_ids)
    grids = list(grids.order_by("code"))
    per_district: dict[str, int] = {}
    for code in Area.objects.filter(level=Level.GRID).values_list("code", flat=True):
        per_district[code[:6]] = per_district.get(code[:6], 0) + 1
    density = _density(per_district)
    full = set(focus_grids() if full_density is None else full_density)
    iterator = grids
    if progress:
        from tqdm import tqdm

        iterator = tqdm(grids, unit="grid", desc="registers")
    T = {
        "buildings": _Table(Building, [*COMMON, "code", "name", "address_key", "floors", "use"]),
        "rooms": _Table(Room, ["building_id", "number", "generated"]),
        "people": _Table(Person, [*COMMON, "name", "id_number", "phone", "id_digest", "name_phone_digest", "gender",
                                  "birth_date", "kind", "groups", "building_id", "room_id"]),
        "organisations": _Table(Organisation, [*COMMON, "name", "name_key", "uscc", "kind", "legal_rep", "contact_phone",
                                               "employees", "building_id"]),
        "facilities": _Table(Facility, [*COMMON, "code", "kind", "status", "owner"]),
    }
    counts = {key: 0 for key in T}
    b_table = T["buildings"]
    at = b_table.adapt("created_at", now)
    sources = b_table.adapt("sources", [SOURCE])
    no_groups = T["people"].adapt("groups", [])

    for grid in iterator:
        district_code = grid.code[:6]
        people_d, buildings_d = density[district_code]
        s = 1.0 if grid.pk in full else scale
        urban = district_code in URBAN
        n_buildings = max(1, int(rng.poisson(buildings_d * s)))
        n_people = int(rng.poisson(people_d * s))
        n_facilities = int(rng.poisson(n_buildings * FACILITIES_PER_BUILDING))
        community, town = grid.parent, grid.parent.parent
        district = town.parent
        prefix = f"江门市{district.name}{town.name}{community.name}"
        shape = grid.shape
        shapely.prepare(shape)
        points = _points(shape, n_buildings + n_facilities, rng)
        # Buildings: (id, address, lon, lat, floors)
        buildings = []
        for i in range(n_buildings):
            if urban and rng.random() < 0.5:
                name = f"{ESTATES[rng.integers(len(ESTATES))]}{rng.integers(1, 30)}栋"
                address = f"{prefix}{ROADS[rng.integers(len(ROADS))]}路{rng.integers(1, 300)}号{name}"
                floors = int(rng.integers(6, 33))
            else:
                name = ""
                address = f"{prefix}{ROADS[rng.integers(len(ROADS))]}{'路' if urban else '村'}{rng.integers(1, 400)}号"
                floors = int(rng.integers(2, 8 if urban else 5))
            r = rng.random()
            use = BuildingUse.RESIDENTIAL if r < 0.8 else (BuildingUse.MIXED if r < 0.92 else BuildingUse.COMMERCIAL)
            lon, lat = float(points[i][0]), float(points[i][1])
            pk = b_table.add(grid.pk, address, lon, lat, PlacedBy.POINT, sources, True, at, at,
                             f"{grid.code}{i + 1:05d}", name, normalise(address), floors, use)
            buildings.append((pk, address, lon, lat, floors))
        # Rooms, one per household
        rooms, taken = [], set()
        for _h in range(max(1, round(n_people / HOUSEHOLD))):
            b = buildings[rng.integers(n_buildings)]
            number = f"{rng.integers(1, b[4] + 1)}{rng.integers(1, 7):02d}"
            if (b[0], number) in taken:
                continue
            taken.add((b[0], number))
            rooms.append((T["rooms"].add(b[0], number, True), number, b))
        # People
        ages = np.clip(rng.normal(40, 21, size=n_people), 0, 99).astype(int)
        room_of = rng.integers(0, len(rooms), size=n_people)
        draws = rng.random(size=(n_people, 9))
        people = T["people"]
        for k in range(n_people):
            room_id, number, b = rooms[room_of[k]]
            d = draws[k]
            kind = PersonKind.REGISTERED if d[0] < 0.62 else (PersonKind.FLOATING if d[0] < 0.985 else PersonKind.OVERSEAS)
            male = bool(d[1] < 0.51)
            age = int(ages[k])
            name = _name(rng)
            groups = []
            if age >= 70 and d[2] < 0.15:
                groups.append(CareGroup.ELDERLY_ALONE.value)
            if 6 <= age <= 16 and d[3] < 0.05:
                groups.append(CareGroup.LEFT_BEHIND_CHILD.value)
            for j, (group, share) in enumerate(((CareGroup.DISABLED, 0.02), (CareGroup.LOW_INCOME, 0.015),
                                                (CareGroup.VETERAN, 0.01), (CareGroup.SERIOUS_ILLNESS, 0.005))):
                if d[4 + j] < share:
                    groups.append(group.value)
            if kind == PersonKind.OVERSEAS:
                id_number, birth = "", None
            else:
                region = district_code if kind == PersonKind.REGISTERED else FLOATING_REGIONS[int(d[8] * len(FLOATING_REGIONS))]
                id_number, birth = _id_number(region, age, male, rng, year)
            phone = _phone(rng) if age >= 14 else ""
            people.add(
                grid.pk, f"{b[1]}{number}房", b[2], b[3], PlacedBy.BUILDING, sources, True, at, at,
                name, id_number, phone, digest(id_number), digest(name, phone), "M" if male else "F",
                people.adapt("birth_date", dt.date.fromisoformat(birth)) if birth else None, kind,
                people.adapt("groups", groups) if groups else no_groups, b[0], room_id,
            )
        # Organisations
        for _k in range(int(rng.poisson(max(people_d * s / PEOPLE_PER_ORGANISATION, 0.3)))):
            kind = _choice(ORG_KINDS, rng)[0]
            b = buildings[rng.integers(n_buildings)]
            if kind == OrganisationKind.SHOP:
                name = f"{district.name[:2]}{_name(rng)[0]}记{SHOP_WORDS[rng.integers(len(SHOP_WORDS))]}"
                uscc, employees = _uscc("92", district_code, rng), int(rng.integers(1, 6))
            elif kind == OrganisationKind.ENTERPRISE:
                name = f"江门市{ESTATES[rng.integers(len(ESTATES))][:2]}{FIRM_WORDS[rng.integers(len(FIRM_WORDS))]}有限公司"
                uscc, employees = _uscc("91", district_code, rng), int(rng.integers(5, 300))
            elif kind == OrganisationKind.SCHOOL:
                name, uscc, employees = f"{community.name[:-2] or community.name}小学", _uscc("12", district_code, rng), int(rng.integers(30, 120))
            elif kind == OrganisationKind.HOSPITAL:
                name, uscc, employees = f"{community.name}卫生服务站", _uscc("12", district_code, rng), int(rng.integers(3, 30))
            elif kind == OrganisationKind.GOVERNMENT:
                name, uscc, employees = f"{community.name}党群服务中心", _uscc("11", district_code, rng), int(rng.integers(3, 20))
            else:
                name = f"{community.name}{['志愿者协会', '老年人协会', '商会'][rng.integers(3)]}"
                uscc, employees = _uscc("51", district_code, rng), int(rng.integers(1, 15))
            T["organisations"].add(
                grid.pk, b[1], b[2], b[3], PlacedBy.BUILDING, sources, True, at, at,
                name, org_name_key(name), uscc, kind, _name(rng), _phone(rng), employees, b[0],
            )
        # Facilities
        for k in range(n_facilities):
            kind, _share, owner = _choice(FACILITY_KINDS, rng)
            lon, lat = points[n_buildings + k]
            r = rng.random()
            status = FacilityStatus.NORMAL if r < 0.96 else (FacilityStatus.DAMAGED if r < 0.99 else FacilityStatus.MISSING)
            T["facilities"].add(
                grid.pk, f"{prefix}{ROADS[rng.integers(len(ROADS))]}路", float(lon), float(lat), PlacedBy.POINT, sources,
                True, at, at, f"{kind}{grid.code[6:]}{k + 1:04d}", kind, status, owner,
            )
        if len(people.rows) > 20000:
            for key in ("buildings", "rooms", "people", "organisations", "facilities"):
                counts[key] += T[key].flush()
    for key in ("buildings", "rooms", "people", "organisations", "facilities"):
        counts[key] += T[key].flush()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Building, Room, Person, Organisation, Facility]):
            cursor.execute(sql)
    counts["grids"] = len(grids)
    counts["full_density_grids"] = len(full & {g.pk for g in grids})
    counts["scale"] = scale
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts
