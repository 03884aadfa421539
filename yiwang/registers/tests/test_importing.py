"""Department files through the import page and the command: per-row reports, grids, a correct register."""

import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection

from yiwang.registers.models import BatchStatus, Building, Change, ImportBatch, Organisation, Person, Room

from .conftest import POINT, csv_bytes, valid_id, valid_uscc

PEOPLE_HEADER = ["姓名", "身份证号码", "联系电话", "人口类型", "关爱人群", "地址", "房号", "经度", "纬度"]
LON, LAT = str(POINT[0]), str(POINT[1])


def upload(client, register, source, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/grids/import/", {"register": register, "source": source, "file": SimpleUploadedFile(name, content)})


def run_checks(client, batch_id):
    """What the page's progress bar does: post one step at a time until the report is ready."""
    steps = 0
    while True:
        response = client.post(f"/grids/import/{batch_id}/check")
        assert response.status_code == 200
        steps += 1
        batch = ImportBatch.objects.get(pk=batch_id)
        if batch.status != BatchStatus.CHECKING:
            return batch, response, steps
        assert 'hx-post' in response.content.decode() and "<progress" in response.content.decode()


@pytest.fixture
def building(users, client_for, address_of):
    """One building on the register, imported from 住建's file with its point."""
    c = client_for(users["admin"])
    address = address_of("兴华路12号")
    content = csv_bytes([["房屋编码", "楼栋名称", "地址", "层数", "用途", "经度", "纬度"], ["JM-B-0001", "兴华楼", address, "7", "住宅", LON, LAT]])
    response = upload(c, "building", "住建局", "buildings.csv", content)
    batch_id = int(response["Location"].rstrip("/").split("/")[-1])
    run_checks(c, batch_id)
    c.post(f"/grids/import/{batch_id}/apply")
    return Building.objects.get(code="JM-B-0001")


def test_a_file_with_bad_rows_gives_a_report_and_only_the_good_rows(users, client_for, grid, building):
    # given a 公安 list with two good rows and six bad ones
    c = client_for(users["admin"])
    good_id = valid_id("44070319500101123")
    bad_check = valid_id("44070319800101456")[:-1] + ("0" if valid_id("44070319800101456")[-1] != "0" else "1")
    rows = [
        PEOPLE_HEADER,
        ["张三", good_id, "13800138000", "户籍", "独居老人", building.address, "502", "", ""],
        ["李四", bad_check, "13800138001", "户籍", "", building.address, "", "", ""],
        ["王五", "", "12345", "流动", "", building.address, "", "", ""],
        ["", valid_id("44070319900101789"), "", "户籍", "", building.address, "", "", ""],
        ["赵六", "", "", "流动", "", "", "", "120.5", "30.2"],
        ["钱七", "", "", "流动", "", "火星某处", "", "", ""],
        ["孙八", "", "", "外星人", "", building.address, "", "", ""],
        ["周九", valid_id("44070320100202222"), "13900139000", "流动人口", "留守儿童、残疾人", "", "", LON, LAT],
    ]
    # when it is uploaded, checked step by step (two rows a step) and applied
    response = upload(c, "person", "公安局", "公安实有人口.csv", csv_bytes(rows))
    assert response.status_code == 302
    batch_id = int(response["Location"].rstrip("/").split("/")[-1])
    from yiwang.registers import importing

    importing.import_check(batch_id=batch_id, rows=3)  # a first step of three rows
    page = c.get(f"/grids/import/{batch_id}/").content.decode()
    assert "已校验 3 / 8 行" in page and '<progress id="batch-progress" max="8" value="3">' in page and "hx-post" in page
    batch, partial, steps = run_checks(c, batch_id)
    # then the report names each bad row, column and problem, with personal values masked
    assert batch.status == BatchStatus.READY and batch.total_rows == 8 and batch.error_rows == 6
    report = c.get(f"/grids/import/{batch_id}/").content.decode()
    errors = {r.number: r.errors for r in batch.rows.exclude(errors=[])}
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    assert "校验位不正确" in errors[3][0]["message"] and errors[3][0]["column"] == "身份证号码"
    assert errors[3][0]["value"].startswith("4407") and "*" in errors[3][0]["value"] and bad_check not in report
    assert errors[4][0]["column"] == "联系电话"
    assert errors[5][0]["column"] == "姓名" and errors[5][0]["message"] == "必填"
    assert "不在本市" in errors[6][0]["message"]
    assert "无法落到网格" in errors[7][0]["message"]
    assert errors[8][0]["column"] == "人口类型"
    assert "导入 2 条有效记录" in report and "错误报告" in report
    assert Person.objects.count() == 0  # nothing is on the register before it is confirmed

    response = c.post(f"/grids/import/{batch_id}/apply")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED
    assert batch.summary == {"created": 2, "merged": 0, "merged_within_file": 0, "merged_with_register": 0, "skipped": 6, "warnings": 0}
    zhang = only(Person.objects.filter(id_digest__isnull=False), phone="13800138000")
    assert zhang.name == "张三" and zhang.grid == grid and zhang.building == building and zhang.placed_by == "building"
    assert zhang.room == Room.objects.get(building=building, number="502")
    assert zhang.groups == ["elderly_alone"] and zhang.gender == "M" and str(zhang.birth_date) == "1950-01-01"
    with connection.cursor() as cur:  # on disk, the personal columns are Fernet tokens
        cur.execute("SELECT name, id_number, phone FROM registers_person WHERE id = %s", [zhang.pk])
        stored = cur.fetchone()
    assert all(v.startswith("enc1:") for v in stored) and "张三" not in stored[0] and "13800138000" not in stored[2]
    zhou = only(Person.objects.all(), phone="13900139000")
    assert zhou.kind == "floating" and zhou.grid == grid and zhou.placed_by == "point"
    assert sorted(zhou.groups) == ["disabled", "left_behind_child"]
    history = Change.objects.get(register="person", record_id=zhang.pk)
    assert history.action == "created" and history.actor == users["admin"] and "公安局" in history.source
    # the file's values are dropped once applied (the register holds them)
    assert not batch.rows.exclude(cells=[]).exists()
    # and a batch cannot be applied twice
    c.post(f"/grids/import/{batch_id}/apply")
    assert Person.objects.count() == 2


def test_a_file_missing_a_required_column_fails_with_the_columns_named(users, client_for):
    c = client_for(users["admin"])
    response = upload(c, "person", "卫健局", "x.csv", csv_bytes([["身份证号码", "电话"], [valid_id("44070319500101123"), "13800138000"]]))
    batch = ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert batch.status == BatchStatus.FAILED
    assert "缺少必需的列：姓名、地址或经纬度" in batch.message and "身份证号码" in batch.message
    assert batch.message in c.get(f"/grids/import/{batch.pk}/").content.decode()


def test_xlsx_and_gb18030_files_are_read(users, client_for, grid):
    c = client_for(users["admin"])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["单位名称", "统一社会信用代码", "单位类型", "法定代表人", "联系电话", "经度", "纬度"])
    sheet.append(["江门市兴华五金有限公司", valid_uscc("91440703MA4X00001"), "企业", "陈大文", "0750-3123456", POINT[0], POINT[1]])
    sheet.append(["坏代码公司", valid_uscc("91440703MA4X00002")[:-1] + "I", "企业", "", "", POINT[0], POINT[1]])
    sheet.append(["数字身份证公司", "", "公司", "", "", POINT[0], POINT[1]])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(c, "organisation", "市场监管局", "企业.xlsx", buffer.getvalue())
    batch, _r, _s = run_checks(c, int(response["Location"].rstrip("/").split("/")[-1]))
    assert batch.error_rows == 1
    error = batch.rows.exclude(errors=[]).get()
    assert error.number == 3 and error.errors[0]["column"] == "统一社会信用代码"
    c.post(f"/grids/import/{batch.pk}/apply")
    firm = Organisation.objects.get(name="江门市兴华五金有限公司")
    assert firm.grid == grid and firm.contact_phone == "0750-3123456" and firm.kind == "enterprise"
    # lists show the landline and the legal representative by the platform's one rule (security.masking)
    from yiwang.registers.selectors import organisation_row

    row = organisation_row(firm)
    assert row["contact_phone"] == "0750****3456" and row["legal_rep"] == "陈*文"
    assert Organisation.objects.get(name="数字身份证公司").kind == "enterprise"

    gbk = csv_bytes([["姓名", "经度", "纬度"], ["黄小明", LON, LAT]], encoding="gb18030")
    response = upload(c, "person", "民政局", "民政.csv", gbk)
    batch, _r, _s = run_checks(c, int(response["Location"].rstrip("/").split("/")[-1]))
    assert batch.error_rows == 0 and batch.rows.get().data["name"] == "黄小明"


def test_an_address_naming_only_a_community_lands_in_a_grid_of_it_with_a_warning(users, client_for, grid, address_of):
    c = client_for(users["admin"])
    response = upload(c, "person", "民政局", "m.csv", csv_bytes([["姓名", "地址"], ["梁一", address_of("幸福路8号")]]))
    batch, _r, _s = run_checks(c, int(response["Location"].rstrip("/").split("/")[-1]))
    row = batch.rows.get()
    assert not row.errors and row.data["placed_by"] == "address"
    assert "只匹配到社区" in row.warnings[0]
    c.post(f"/grids/import/{batch.pk}/apply")
    assert Person.objects.get().grid.parent == grid.parent


def test_only_admins_import(users, client_for):
    for who in ("gridworker", "leader", "dispatcher"):
        c = client_for(users[who])
        assert c.get("/grids/import/").status_code == 403


def test_the_command_checks_reports_and_applies(users, tmp_path, grid, capsys):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes([["姓名", "身份证号码", "经度", "纬度"], ["何一", valid_id("44070319600101123"), LON, LAT], ["何二", "123", LON, LAT]]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("registers_import", str(path), register="person", source="公安局", user="r_admin", apply=True, json=True)
    assert exit_info.value.code == 1  # some rows had errors
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["status"] == "applied" and result["error_rows"] == 1
    assert result["errors"][0]["row"] == 3 and result["errors"][0]["column"] == "身份证号码"
    assert result["summary"]["created"] == 1 and Person.objects.get().grid == grid


def only(qs, **values):
    """The one row of `qs` with these values. Personal columns are encrypted at rest (random tokens),
    so they are compared after reading, as the platform itself does."""
    found = [row for row in qs if all(getattr(row, k) == v for k, v in values.items())]
    assert len(found) == 1, found
    return found[0]
