"""The Jiangmen demo geography.

Real: the city outline and the 7 districts (DataV GeoAtlas, converted to WGS84) and the 82 towns and
streets with their NBS 2023 codes and village-level unit counts. Generated: the shapes of towns,
communities and grids, which are not public. They are seeded Voronoi partitions of the real district
outlines, balanced by k-means, with streets (街道) placed nearest the district seat and finer grids in
the urban core. Every generated area has approximate=True and every map says so.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings

from .models import Level
from .services import AreaRecord, area_import

GEO_DIR = Path(settings.DATA_DIR) / "geo"
# Hand-checked English names of the city, districts and towns (data/i18n/README.md); the generated
# communities and grids get pinyin at import.
ENGLISH_NAMES = Path(settings.DATA_DIR) / "i18n" / "area_names_en.csv"
URBAN_DISTRICTS = {"440703", "440704"}  # 蓬江, 江海: urban throughout
URBAN_CORE_TOWNS_PREFIX = ("440705",)  # 新会: its streets (街道) form the central urban area
SYLLABLES = list("东西南北新和平安富民联星龙凤石沙江华永兴荣光长乐福田岭塘湖岗明德仁信宁康丰盛泰锦隆源桥溪湾")


def _sample_points(poly, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    out = np.empty((0, 2))
    while len(out) < n:
        xs = rng.uniform(minx, maxx, n * 2)
        ys = rng.uniform(miny, maxy, n * 2)
        inside = shapely.contains_xy(poly, xs, ys)
        out = np.vstack([out, np.column_stack([xs[inside], ys[inside]])])
    return out[:n]


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 12) -> np.ndarray:
    centers = points[rng.choice(len(points), k, replace=False)]
    for _ in range(iterations):
        d = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(-1)
        labels = d.argmin(1)
        for j in range(k):
            members = points[labels == j]
            if len(members):
                centers[j] = members.mean(0)
    return centers


def _polygonal(geom):
    """Keep only the polygonal part of a clipped cell (clipping can leave lines or points on edges)."""
    geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def partition(poly, k: int, rng: np.random.Generator, anchor: tuple[float, float] | None = None) -> list:
    """Split poly into k balanced cells; ordered by distance from anchor (default: its centroid)."""
    if k <= 1:
        return [poly]
    points = _sample_points(poly, max(40 * k, 300), rng)
    scale = math.cos(math.radians(poly.centroid.y))
    pts = points * [scale, 1.0]
    centers = _kmeans(pts, k, rng) / [scale, 1.0]
    # Assign each cell by nearest center, exactly: the Voronoi cell of each center, clipped.
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint(centers), extend_to=poly.envelope.buffer(0.1), ordered=True
    )
    out = []
    for cell in cells.geoms:
        piece = _polygonal(shapely.intersection(cell, poly))
        if piece is not None and not piece.is_empty and piece.area > 0:
            out.append(piece)
    ax, ay = anchor if anchor else (poly.centroid.x, poly.centroid.y)
    out.sort(key=lambda g: (g.representative_point().x - ax) ** 2 + (g.representative_point().y - ay) ** 2)
    return out


def _names(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    names = []
    while len(names) < n:
        name = "".join(rng.choice(SYLLABLES, 2))
        if name[0] != name[1] and name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _grids_per_community(district_code: str, town_kind: str, community_kind: str, rng) -> int:
    urban_core = district_code in URBAN_DISTRICTS or (
        district_code.startswith(URBAN_CORE_TOWNS_PREFIX) and town_kind == "街道"
    )
    if urban_core:
        return int(rng.integers(5, 9)) if town_kind == "街道" else int(rng.integers(3, 6))
    if community_kind == "社区":
        return int(rng.integers(3, 5))
    return int(rng.integers(2, 4))


def build_records(seed: int = 7440700) -> list[AreaRecord]:
    rng = np.random.default_rng(seed)
    city_fc = json.loads((GEO_DIR / "jiangmen_city_outline_wgs84.geojson").read_text(encoding="utf-8"))
    districts_fc = json.loads((GEO_DIR / "jiangmen_districts_wgs84.geojson").read_text(encoding="utf-8"))
    with open(GEO_DIR / "jiangmen_townships_2023.csv", encoding="utf-8") as fh:
        towns = list(csv.DictReader(fh))

    def clean(geom):
        return shapely.make_valid(shapely.geometry.shape(geom)) if geom else None

    records = [
        AreaRecord(
            "city", "440700", "江门市", Level.CITY, None, "地级市", clean(city_fc["features"][0]["geometry"])
        )
    ]
    for i, f in enumerate(districts_fc["features"], start=1):
        p = f["properties"]
        district_code = str(p["adcode"])
        dpoly = clean(f["geometry"])
        records.append(
            AreaRecord(
                f"district {i}",
                district_code,
                p["name"],
                Level.DISTRICT,
                "440700",
                "市辖区" if p["name"].endswith("区") else "县级市",
                dpoly,
            )
        )
        dtowns = [t for t in towns if t["areaCode"] == district_code]
        # Streets first so that they take the cells nearest the district seat (the urban core).
        dtowns.sort(key=lambda t: (t["type"] != "街道", t["code12"]))
        cells = partition(dpoly, len(dtowns), rng, anchor=tuple(p["center"]))
        for town, tpoly in zip(dtowns, cells, strict=False):
            tcode = town["code12"]
            records.append(
                AreaRecord(
                    f"town {tcode}",
                    tcode,
                    town["name"],
                    Level.TOWN,
                    district_code,
                    town["type"],
                    tpoly,
                    approximate=True,
                )
            )
            n_comm = max(1, int(town["n_village_level_units_2020"] or 0))
            n_shequ = n_comm if town["type"] == "街道" else max(1, round(n_comm * 0.15))
            ccells = partition(tpoly, n_comm, rng)
            names = _names(rng, len(ccells), set())
            next_shequ, next_cun = 1, 200  # NBS: residents' committees 0xx-1xx, village committees 2xx-
            for j, (cpoly, stem) in enumerate(zip(ccells, names, strict=True)):
                kind = "社区" if j < n_shequ else "村"
                if kind == "社区":
                    number, next_shequ = next_shequ, next_shequ + 1
                else:
                    number, next_cun = next_cun, next_cun + 1
                ccode = tcode[:9] + f"{number:03d}"
                cname = stem + ("社区" if kind == "社区" else "村")
                records.append(
                    AreaRecord(
                        f"community {ccode}",
                        ccode,
                        cname,
                        Level.COMMUNITY,
                        tcode,
                        kind,
                        cpoly,
                        approximate=True,
                    )
                )
                k = _grids_per_community(district_code, town["type"], kind, rng)
                for g, gpoly in enumerate(partition(cpoly, k, rng), start=1):
                    records.append(
                        AreaRecord(
                            f"grid {ccode}{g:03d}",
                            f"{ccode}{g:03d}",
                            f"{cname}第{g}网格",
                            Level.GRID,
                            ccode,
                            "网格",
                            gpoly,
                            approximate=True,
                        )
                    )
    return records


def _with_english_names(records: list[AreaRecord]) -> list[AreaRecord]:
    with open(ENGLISH_NAMES, encoding="utf-8", newline="") as fh:
        english = {row["code"]: row["en"] for row in csv.DictReader(fh)}
    for r in records:
        r.name_en = english.get(r.code, r.name_en)
    return records


def load_demo_geography(*, progress: bool = False) -> dict:
    return area_import(records=_with_english_names(build_records()), progress=progress)
