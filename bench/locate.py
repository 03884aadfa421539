"""Point location throughput: the STRtree index against a brute-force shapely scan, same process.

Locates 100,000 random points over Jiangmen's bounding box, once on the demo grids and once on
100,000 generated grids. Reports points per second for single lookups (locate_id, what an intake
request does) and for the vectorised bulk path (locate_grid_ids, what imports do), each as a ratio
to a brute-force scan (every polygon tested for each point with shapely.contains_xy) timed beside
it on a sample of the same points. The last line is one JSON object.

    .venv/bin/python bench/locate.py [--points 100000]
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
os.environ.setdefault("YIWANG_MODE", "demo")  # unset means production
import django  # noqa: E402

django.setup()

from yiwang.geo.demo import build_records  # noqa: E402
from yiwang.geo.locate import AreaIndex  # noqa: E402
from yiwang.geo.models import Level  # noqa: E402

BBOX = (111.9, 21.5, 113.3, 22.9)


def index_from_records(records):
    rows = []
    ids = {r.code: i for i, r in enumerate(records, start=1)}
    for i, r in enumerate(records, start=1):
        rows.append(
            (
                i,
                r.code,
                r.name,
                r.level,
                ids.get(r.parent_code),
                r.approximate,
                shapely.to_wkb(r.geometry) if r.geometry is not None else None,
            )
        )
    return AreaIndex(rows)


def generated_grids(n, rng):
    """n Voronoi cells over the bounding box: a city-scale grid set far larger than Jiangmen's."""
    seeds = shapely.MultiPoint(
        np.column_stack([rng.uniform(BBOX[0], BBOX[2], n), rng.uniform(BBOX[1], BBOX[3], n)])
    )
    cells = shapely.voronoi_polygons(seeds, extend_to=shapely.box(*BBOX))
    box = shapely.box(*BBOX)
    rows = [(1, "440700", "city", Level.CITY, None, True, shapely.to_wkb(box))]
    for i, cell in enumerate(cells.geoms, start=2):
        rows.append(
            (
                i,
                f"{i:015d}",
                f"grid {i}",
                Level.GRID,
                1,
                True,
                shapely.to_wkb(shapely.intersection(cell, box)),
            )
        )
    return AreaIndex(rows)


def measure(index, xs, ys, brute_sample):
    t = time.perf_counter()
    for x, y in zip(xs, ys, strict=True):
        index.locate_id(x, y)
    single_pps = len(xs) / (time.perf_counter() - t)

    t = time.perf_counter()
    bulk = index.locate_grid_ids(xs, ys)
    bulk_pps = len(xs) / (time.perf_counter() - t)

    geoms, ids = index.grid_geoms, index.grid_ids
    t = time.perf_counter()
    brute = []
    for x, y in zip(xs[:brute_sample], ys[:brute_sample], strict=True):
        hit = np.flatnonzero(shapely.contains_xy(geoms, x, y))
        brute.append(int(ids[hit[0]]) if len(hit) else -1)
    brute_pps = brute_sample / (time.perf_counter() - t)

    # The three methods must agree where a grid was found (edges aside: contains_xy excludes them).
    agree = np.mean([(b == -1) or (b == int(g)) for b, g in zip(brute, bulk[:brute_sample], strict=True)])
    return {
        "grids": int(len(ids)),
        "single_pps": round(single_pps),
        "bulk_pps": round(bulk_pps),
        "brute_pps": round(brute_pps, 1),
        "brute_sample": brute_sample,
        "single_ratio": round(single_pps / brute_pps, 1),
        "bulk_ratio": round(bulk_pps / brute_pps, 1),
        "agreement_with_brute": round(float(agree), 4),
        "located_share": round(float(np.mean(bulk >= 0)), 3),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--big-grids", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(42)

    demo_index = index_from_records(build_records())
    # Random points over the districts' extent (some fall in the sea or neighbouring cities: realistic misses).
    xs, ys = rng.uniform(BBOX[0], BBOX[2], args.points), rng.uniform(BBOX[1], BBOX[3], args.points)
    demo = measure(demo_index, xs, ys, brute_sample=2000)
    print(
        f"demo grids ({demo['grids']}): single {demo['single_pps']:,}/s, bulk {demo['bulk_pps']:,}/s, "
        f"brute force {demo['brute_pps']:,}/s -> x{demo['single_ratio']} single, x{demo['bulk_ratio']} bulk"
    )

    big_index = generated_grids(args.big_grids, rng)
    big = measure(big_index, xs, ys, brute_sample=200)
    print(
        f"generated grids ({big['grids']}): single {big['single_pps']:,}/s, bulk {big['bulk_pps']:,}/s, "
        f"brute force {big['brute_pps']:,}/s -> x{big['single_ratio']} single, x{big['bulk_ratio']} bulk"
    )
    print(
        json.dumps(
            {
                "benchmark": "locate",
                "points": args.points,
                "ratio": demo["single_ratio"],
                "demo": demo,
                "generated_100k": big,
            }
        )
    )


if __name__ == "__main__":
    main()
