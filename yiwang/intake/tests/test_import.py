"""Bulk import of historical cases: per-row errors reported, never half a row, resumable, never twice."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yiwang.cases.models import Case, CaseEvent
from yiwang.intake import services
from yiwang.intake.models import ImportJob

pytestmark = pytest.mark.django_db
HEADER = ["id", "title", "text", "label", "submitted_at", "request_type", "lon", "lat", "address", "status"]
HEADER += ["reply", "replied_at", "requester_phone"]
ROWS = [
    # row 2: good, with a point
    [
        "m1",
        "路灯不亮",
        "白沙街道某路段路灯一周不亮",
        "城乡建设",
        "2019/11/10 18:59:24",
        "",
        "113.08",
        "22.60",
        "",
        "",
    ]
    + ["", "", ""],
    # row 3: no time
    ["m2", "噪音扰民", "夜间施工噪音很大影响休息", "环境保护", "", "", "", "", "", "", "", "", ""],
    # row 4: unknown label and a bad phone: both reported
    [
        "m3",
        "公交改线",
        "公交线路突然改线很不方便",
        "外星事务",
        "2019/3/1 9:00",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "123",
    ],
    # row 5: good, placed by its address, with the reply given then
    [
        "m4",
        "咨询社保",
        "请问社保卡丢了怎么补办",
        "劳动和社会保障",
        "2019-03-02 10:00",
        "咨询",
        "",
        "",
        "江门市新会区会城街道",
    ]
    + ["", "请到社保窗口补办。", "2019-03-05 09:00", "13800138000"],
    # row 6: a longitude without its latitude
    [
        "m5",
        "井盖缺失",
        "路口井盖缺失很危险",
        "城乡建设",
        "2019/3/3 8:00",
        "",
        "113.08",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    # row 7: good, still open in the old system
    [
        "m6",
        "举报违建",
        "小区楼顶有人加建违章建筑",
        "城乡建设",
        "2019/3/4 8:00",
        "举报",
        "",
        "",
        "",
        "待受理",
        "",
        "",
        "",
    ],
]
GOOD = {"m1", "m4", "m6"}


def write_csv(path, rows=ROWS):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def run(path, *args):
    out = io.StringIO()
    try:
        call_command("import_cases", str(path), "--no-progress", *args, stdout=out)
        return 0, out.getvalue()
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)


def imported():
    return {c.external_id: c for c in Case.objects.filter(external_id__startswith="import:")}


def test_good_rows_are_imported_and_bad_rows_reported(tmp_path):
    # given
    source = write_csv(tmp_path / "history.csv")
    report = tmp_path / "errors.csv"
    # when
    status, output = run(source, "--report", str(report))
    # then: the command says how it went and fails because rows were refused
    assert status == 1 and "3 imported" in output and "3 refused" in output
    cases = imported()
    assert set(cases) == {f"import:{i}" for i in GOOD}
    closed = cases["import:m1"]
    assert closed.status == "closed" and closed.channel == "import" and closed.grid_id is not None
    assert closed.category.name == "城乡建设" and closed.received_at == dt.datetime(
        2019, 11, 10, 10, 59, 24, tzinfo=dt.UTC
    )
    answered = cases["import:m4"]
    assert (
        answered.request_type == "咨询"
        and answered.placement == "address"
        and answered.town.name == "会城街道"
    )
    assert answered.reply_text == "请到社保窗口补办。" and answered.closed_at == answered.replied_at
    assert cases["import:m6"].status == "received" and cases["import:m6"].request_type == "举报"
    # every imported case has its audit event, and nobody was notified or routed
    assert CaseEvent.objects.filter(case__in=cases.values(), action="import").count() == 3
    assert all(c.lead_unit_id is None for c in cases.values())
    # the report names each refused row and column
    rows = list(csv.DictReader(open(report, encoding="utf-8-sig")))
    assert {(r["row"], r["id"], r["column"]) for r in rows} == {
        ("3", "m2", "submitted_at"),
        ("4", "m3", "label"),
        ("4", "m3", "requester_phone"),
        ("6", "m5", "lat"),
    }
    assert all(r["message"] for r in rows)
    job = ImportJob.objects.get()
    assert (job.status, job.last_row, job.imported, job.failed) == ("done", 7, 3, 3)
    call_command("verify_audit", stdout=io.StringIO())  # the audit chain is intact


def test_a_re_run_never_imports_a_row_twice(tmp_path):
    source = write_csv(tmp_path / "history.csv")
    run(source)
    # when: the same file again, and another file with overlapping ids
    status, output = run(source)
    other = write_csv(tmp_path / "more.csv", [ROWS[0], ROWS[3]])
    run(other)
    # then
    assert "0 imported" in output and "3 already present" in output
    assert len(imported()) == 3


def test_an_interrupted_import_leaves_no_half_row_and_resumes(tmp_path, monkeypatch):
    # given: the platform fails while writing row 5 (m4), after its case was saved, before its event
    from yiwang.cases import services as case_services

    source = write_csv(tmp_path / "history.csv")
    real_save = case_services.save_events

    def save_or_fail(events):
        if any(e.payload.get("row") == 5 for e in events):
            raise RuntimeError("disk full")
        return real_save(events)

    monkeypatch.setattr(case_services, "save_events", save_or_fail)
    # when
    with pytest.raises(RuntimeError):
        services.cases_import(path=source)
    # then: row 5 left nothing behind; the job knows row 4 was the last one done
    assert set(imported()) == {"import:m1"}
    job = ImportJob.objects.get()
    assert job.status == "running" and job.last_row == 4
    # when: resumed, with the platform working again
    monkeypatch.undo()
    status, output = run(source, "--resume")
    # then: it starts after row 4 and finishes the file, each row once
    assert "resumed after row 4" in output and "2 imported" in output and "1 refused" in output
    assert set(imported()) == {f"import:{i}" for i in GOOD}
    assert ImportJob.objects.get().status == "done"


def test_xlsx_files_with_spreadsheet_values(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    local = dt.datetime(2019, 5, 1, 8, 30)  # noqa: DTZ001 - a spreadsheet holds local wall-clock times
    sheet.append([101, "垃圾未清运", "小区垃圾三天没人清运", "城乡建设", local])
    sheet.append([])
    sheet.append([102, "", "", "城乡建设", local + dt.timedelta(days=1)])
    path = tmp_path / "history.xlsx"
    book.save(path)
    status, output = run(path, "--source", "oldsys")
    assert status == 1 and "1 imported" in output
    case = Case.objects.get(external_id="oldsys:101")
    assert case.received_at == dt.datetime(2019, 5, 1, 0, 30, tzinfo=dt.UTC) and case.title == "垃圾未清运"


def test_files_that_cannot_be_imported(tmp_path):
    missing = tmp_path / "no_text.csv"
    missing.write_text("id,title\n1,x\n", encoding="utf-8")
    assert "text" in run(missing)[1]
    wrong = tmp_path / "cases.json"
    wrong.write_text("{}", encoding="utf-8")
    assert "CSV" in run(wrong)[1]
    assert run(tmp_path / "nowhere.csv")[0] == 1
