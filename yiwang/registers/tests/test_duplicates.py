"""The same person or organisation in two departments' lists: merged, and the merge shown with its reason."""

import pytest

from yiwang.registers.models import Merge, Organisation, Person

from .conftest import POINT, csv_bytes, valid_id, valid_uscc
from .test_importing import run_checks, upload

LON, LAT = str(POINT[0]), str(POINT[1])


def import_file(c, register, source, rows):
    response = upload(c, register, source, f"{source}.csv", csv_bytes(rows))
    batch, _r, _s = run_checks(c, int(response["Location"].rstrip("/").split("/")[-1]))
    assert c.post(f"/grids/import/{batch.pk}/apply").status_code == 302
    batch.refresh_from_db()
    return batch


@pytest.mark.django_db
def test_people_in_two_departments_lists_are_merged_by_id_or_by_name_and_phone(users, client_for, grid):
    c = client_for(users["admin"])
    chen_id, lin_id = valid_id("44070319400303123"), valid_id("44070319880808456")
    other_id = valid_id("44070319770707789")
    # given 公安's list
    import_file(c, "person", "公安局", [
        ["姓名", "身份证号码", "联系电话", "人口类型", "经度", "纬度"],
        ["陈伯", chen_id, "", "户籍", LON, LAT],
        ["林姐", lin_id, "13600136000", "户籍", LON, LAT],
        ["吴生", "", "13700137000", "流动", LON, LAT],
    ])
    # when 卫健's list of people to visit names some of them again (and one twice)
    batch = import_file(c, "person", "卫健局", [
        ["姓名", "身份证号码", "联系电话", "关爱人群", "人口类型", "经度", "纬度"],
        ["陈伯", chen_id, "13500135000", "独居老人", "户籍", LON, LAT],  # same ID: fills the phone, adds the group
        ["林 姐", lin_id, "13600136000", "", "流动", LON, LAT],  # same ID; kind disagrees: the register keeps its own
        ["吴生", "", "13700137000", "残疾人", "", LON, LAT],  # no ID: the same name and phone
        ["林姐", other_id, "13600136000", "", "", LON, LAT],  # another ID number: another person, even with that name and phone
        ["何婆", "", "13300133000", "独居老人", "", LON, LAT],
        ["何婆", "", "13300133000", "", "", LON, LAT],  # twice in the same file
    ])
    # then
    assert batch.summary["created"] == 2 and batch.summary["merged"] == 4
    assert batch.summary["merged_with_register"] == 3 and batch.summary["merged_within_file"] == 1
    assert Person.objects.count() == 5
    chen = Person.objects.get(id_digest=only(Person.objects.all(), name="陈伯").id_digest)
    assert chen.phone == "13500135000" and chen.groups == ["elderly_alone"] and chen.sources == ["公安局", "卫健局"]
    merges = {m.row_number: m for m in Merge.objects.filter(batch=batch)}
    assert merges[2].rule == "same_id" and merges[2].record_id == chen.pk and "phone" in merges[2].filled
    assert merges[3].rule == "same_id"
    assert merges[3].conflicts == [{"field": "kind", "kept": "registered", "offered": "floating"}]
    assert merges[4].rule == "same_name_phone"
    assert 5 not in merges  # different ID number
    assert merges[7].rule == "same_name_phone" and merges[7].record_id == only(Person.objects.all(), name="何婆").pk
    # the report and the record show what was merged and why
    report = c.get(f"/grids/import/{batch.pk}/").content.decode()
    assert "身份证号码相同" in report and "姓名和联系电话相同" in report and "合并结果" in report
    page = c.get(f"/grids/record/person/{chen.pk}/").content.decode()
    assert "卫健局 名单第 2 行：身份证号码相同，已合并" in page
    assert "13500135000" not in page and "135****5000" in page


@pytest.mark.django_db
def test_organisations_merge_by_credit_code_or_by_name_at_the_same_address(users, client_for, address_of):
    c = client_for(users["admin"])
    code = valid_uscc("91440703MA4Y00007")
    address = address_of("港口路1号")
    import_file(c, "organisation", "市场监管局", [
        ["单位名称", "统一社会信用代码", "单位类型", "地址", "经度", "纬度"],
        ["江门市港口物流有限公司", code, "企业", address, LON, LAT],
        ["港口小学（本部）", "", "学校", address, LON, LAT],
    ])
    batch = import_file(c, "organisation", "应急管理局", [
        ["单位名称", "统一社会信用代码", "从业人数", "地址", "经度", "纬度"],
        ["江门港口物流公司", code, "85", "", LON, LAT],  # a short name, the same code
        ["港口小学 (本部)", "", "60", address, LON, LAT],  # spaces and bracket widths aside, the same name and address
        ["港口小学（本部）", "", "60", "别处1号", LON, LAT],  # the same name elsewhere: another school
    ])
    assert batch.summary["merged"] == 2 and batch.summary["created"] == 1
    firm = Organisation.objects.get(uscc=code)
    assert firm.employees == 85 and firm.name == "江门市港口物流有限公司" and firm.sources == ["市场监管局", "应急管理局"]
    rules = dict(Merge.objects.filter(batch=batch).values_list("row_number", "rule"))
    assert rules == {2: "same_uscc", 3: "same_name_address"}
    conflict = Merge.objects.get(batch=batch, row_number=2).conflicts
    assert conflict == [{"field": "name", "kept": "江门市港口物流有限公司", "offered": "江门港口物流公司"}]


def only(qs, **values):
    """The one row of `qs` with these values. Personal columns are encrypted at rest (random tokens),
    so they are compared after reading, as the platform itself does."""
    found = [row for row in qs if all(getattr(row, k) == v for k, v in values.items())]
    assert len(found) == 1, found
    return found[0]
