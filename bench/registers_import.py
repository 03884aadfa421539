"""Importing a department's people list, and generating the demo registers.

Migrates a fresh SQLite database in a temporary directory and loads the demo geography. Then:
1. import: a generated 公安 list of N people (5% bad rows: wrong ID check characters, bad phones, points
   outside the city), then a 卫健 list of N/4 people of whom half are on the first list (merged by ID
   number or by name and phone), through the same functions the import page and command call
   (import_start, import_check in steps, import_apply). Rows per second, wall and CPU.
2. baseline: the same first list, row by row, the way a first attempt does it: parse, locate,
   look for a duplicate by ID, save the person and its history row, one transaction per row.
3. demo: load_demo_registers at the demo's scale (all 4,424 grids), wall and CPU seconds.
ratio = import rows/s over baseline rows/s (same rows, same process). The last line is one JSON object.

    .venv/bin/python bench/registers_import.py [--rows 20000] [--baseline-rows 2000] [--scale 0.01]
"""

import argparse
import csv
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--baseline-rows", type=int, default=2000)
    parser.add_argument("--scale", type=float, default=0.01)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="yiwang-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["YIWANG_VAR_DIR"] = workdir
    os.environ.setdefault("YIWANG_MODE", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from yiwang.accounts.models import Role, User
    from yiwang.core import clock
    from yiwang.geo.demo import load_demo_geography
    from yiwang.geo.locate import locate
    from yiwang.geo.models import Area
    from yiwang.intake.validators import Invalid, mainland_id_check_char, parse_mainland_id, parse_phone
    from yiwang.registers import importing
    from yiwang.registers.demo import load_demo_registers
    from yiwang.registers.models import Change, Person
    from yiwang.registers.personal import digest

    call_command("migrate", verbosity=0)
    load_demo_geography()
    admin = User.objects.create(username="bench_admin", role=Role.ADMIN, area=Area.objects.get(code="440700"))
    rng = random.Random(7)
    grids = list(Area.objects.filter(level=5, code__startswith="440703").values_list("centroid_lon", "centroid_lat"))

    def person(i):
        # unique for i below 23.5 million: sequence, then day, month, year
        body = f"440703{1940 + (i // 336000) % 70}{1 + (i // 28000) % 12:02d}{1 + (i // 1000) % 28:02d}{i % 1000:03d}"
        lon, lat = grids[i % len(grids)]
        return [f"测试{i}", body + mainland_id_check_char(body), f"139{i:08d}", "户籍", str(lon), str(lat)]

    header = ["姓名", "身份证号码", "联系电话", "人口类型", "经度", "纬度"]
    first = [person(i) for i in range(args.rows)]
    for row in rng.sample(first, args.rows // 20):
        kind = rng.randrange(3)
        if kind == 0:
            row[1] = row[1][:-1] + ("0" if row[1][-1] != "0" else "1")
        elif kind == 1:
            row[2] = "12345"
        else:
            row[4], row[5] = "120.5", "30.2"
    second = [person(i) for i in rng.sample(range(args.rows), args.rows // 8)]
    second += [person(args.rows + i) for i in range(args.rows // 8)]

    def as_csv(rows):
        out = io.StringIO()
        csv.writer(out).writerows([header, *rows])
        return out.getvalue().encode()

    def run(source, rows):
        wall, cpu = time.perf_counter(), time.process_time()
        batch = importing.import_start(register="person", source=source, filename=f"{source}.csv", content=as_csv(rows), user=admin)
        batch = importing.import_check_all(batch_id=batch.pk)
        batch = importing.import_apply(batch_id=batch.pk, user=admin)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return batch, {"rows": len(rows), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "rows_per_s": round(len(rows) / wall),
                       "error_rows": batch.error_rows, **batch.summary}

    batch1, police = run("公安局", first)
    batch2, health = run("卫健局", second)

    # baseline: row by row, one transaction each, on a copy of the first list's head
    Person.objects.all().delete()
    rows = first[: args.baseline_rows]
    wall = time.perf_counter()
    for row in rows:
        try:
            number = parse_mainland_id(row[1])
            phone = parse_phone(row[2]).normalized
        except Invalid:
            continue
        found = locate(row[4], row[5])
        if found is None or found.grid is None:
            continue
        with transaction.atomic():
            if Person.objects.filter(id_digest=digest(number)).exists():
                continue
            now = clock.now()
            p = Person.objects.create(name=row[0], id_number=number, phone=phone, id_digest=digest(number),
                                      name_phone_digest=digest(row[0], phone), grid_id=found.grid.id, created_at=now, updated_at=now)
            Change.objects.create(register="person", record_id=p.pk, action="created", actor=admin, at=now)
    baseline_wall = time.perf_counter() - wall
    baseline = {"rows": len(rows), "wall_s": round(baseline_wall, 2), "rows_per_s": round(len(rows) / baseline_wall)}

    wall, cpu = time.perf_counter(), time.process_time()
    demo = load_demo_registers(scale=args.scale)
    demo_timing = {"wall_s": round(time.perf_counter() - wall, 2), "cpu_s": round(time.process_time() - cpu, 2)}
    shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps({
        "import_police_list": police,
        "import_health_list_with_duplicates": health,
        "baseline_row_by_row": baseline,
        "demo_registers": {**demo, **demo_timing},
        "ratio": round(police["rows_per_s"] / baseline["rows_per_s"], 2),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
