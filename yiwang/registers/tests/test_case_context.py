"""A case page's place context: the building, the organisations there and earlier cases at that address."""

from django.template import Context, Template

from yiwang.cases.services import Actor, CaseInput
from yiwang.intake.services import case_submit
from yiwang.registers.selectors import case_place_context

from .conftest import POINT
from .test_duplicates import import_file


def test_a_case_sees_its_building_organisations_and_earlier_cases(users, client_for, grid, address_of):
    # given a building and a shop in it, from two departments' files
    admin = client_for(users["admin"])
    address = address_of("兴华路12号")
    import_file(admin, "building", "住建局", [["房屋编码", "楼栋名称", "地址", "层数", "经度", "纬度"], ["JM-B-1", "兴华楼", address, "7", str(POINT[0]), str(POINT[1])]])
    import_file(admin, "organisation", "市场监管局", [["单位名称", "单位类型", "地址"], ["兴华士多", "商铺", address]])
    import_file(admin, "person", "公安局", [["姓名", "关爱人群", "地址", "房号"], ["陈伯", "独居老人", address, "301"]])
    resident = Actor.of(users["resident"])
    earlier = case_submit(data=CaseInput(request_type="投诉", title="屋顶漏水", text="兴华楼屋顶漏水，三楼住户家中渗水。", address=address), actor=resident)[0]
    # when a new case comes from the same building, by its point
    case = case_submit(data=CaseInput(request_type="投诉", title="楼顶又漏水了", text="下雨后楼顶继续漏水，楼道积水。", lon=POINT[0] + 0.0001, lat=POINT[1]), actor=resident)[0]
    ctx = case_place_context(case)
    # then
    assert ctx["building"]["name"] == "兴华楼" and ctx["building"]["distance_m"] < 15
    assert ctx["building"]["residents"] == {"people": 1, "rooms": 1, "care_groups": {"独居老人": 1}}
    assert [o["name"] for o in ctx["organisations"]] == ["兴华士多"]
    assert [c["number"] for c in ctx["earlier_cases"]] == [earlier.number]
    assert ctx["grid"]["code"] == grid.code and ctx["generated"] is False
    # and the includable template shows it, with the grid link only for those who may open the file
    template = Template("{% load registers %}{% registers_case_context case %}")
    html = template.render(Context({"case": case, "user": users["gridworker"]}))
    assert "兴华楼" in html and "兴华士多" in html and earlier.number in html and f"/grids/{grid.code}/" in html
    html = template.render(Context({"case": case, "user": users["dispatcher"]}))
    assert "兴华楼" in html and f"/grids/{grid.code}/" not in html and "陈伯" not in html


def test_earlier_cases_show_the_local_date_not_the_utc_one(users, client_for, grid, address_of):
    import datetime as dt

    admin = client_for(users["admin"])
    address = address_of("兴华路12号")
    import_file(admin, "building", "住建局", [["房屋编码", "楼栋名称", "地址", "层数", "经度", "纬度"], ["JM-B-1", "兴华楼", address, "7", str(POINT[0]), str(POINT[1])]])
    resident = Actor.of(users["resident"])
    at = dt.datetime(2025, 6, 10, 20, 30, tzinfo=dt.UTC)  # 2025-06-11 04:30 in Jiangmen
    case_submit(data=CaseInput(request_type="投诉", title="屋顶漏水", text="兴华楼屋顶漏水，三楼住户家中渗水。", address=address, received_at=at), actor=resident)
    case = case_submit(data=CaseInput(request_type="投诉", title="楼顶又漏水了", text="下雨后楼顶继续漏水，楼道积水。", lon=POINT[0] + 0.0001, lat=POINT[1]), actor=resident)[0]
    html = Template("{% load registers %}{% registers_case_context case %}").render(Context({"case": case, "user": users["gridworker"]}))
    assert "2025-06-11" in html and "2025-06-10" not in html
