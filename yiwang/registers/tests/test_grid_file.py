"""The grid's file (page and API), role scopes, masking, logged reveals, and grid workers' field updates."""

import pytest

from yiwang.cases.services import Actor, CaseInput
from yiwang.intake.services import case_submit
from yiwang.intake.validators import parse_mainland_id, parse_uscc
from yiwang.registers.demo import load_demo_registers
from yiwang.registers.models import Building, Change, Organisation, Person, Reveal, Visit
from yiwang.security.models import PersonalDataReveal

from .conftest import POINT, valid_id


@pytest.fixture
def demo(grid, other_grid):
    """Generated registers for two grids: the grid worker's at full density, another one scaled down."""
    return load_demo_registers(scale=0.05, grid_ids=[grid.pk, other_grid.pk], full_density=[grid.pk])


def test_demo_registers_are_realistic_valid_and_marked(demo, grid):
    # 蓬江's register density: about 1,076 people and 145 buildings a grid
    assert 800 < Person.objects.filter(grid=grid).count() < 1400
    assert 100 < Building.objects.filter(grid=grid).count() < 200
    people = Person.objects.filter(grid=grid)
    assert all(p.generated for p in people)
    for p in people.exclude(id_number="")[:300]:
        assert parse_mainland_id(p.id_number) == p.id_number
    for o in Organisation.objects.filter(grid=grid)[:100]:
        assert parse_uscc(o.uscc) == o.uscc
    assert people.filter(room__isnull=False).count() == people.count()
    assert people.exclude(groups=[]).exists()


def test_the_grid_file_page_shows_chain_workers_counts_lists_and_cases(demo, grid, users, client_for):
    case = case_submit(
        data=CaseInput(request_type="投诉", title="楼道漏水严重", text="楼顶漏水，雨天楼道积水，请尽快维修。", lon=POINT[0], lat=POINT[1]),
        actor=Actor.of(users["resident"]),
    )[0]
    c = client_for(users["gridworker"])
    assert c.get("/grids/")["Location"] == f"/grids/{grid.code}/"
    page = c.get(f"/grids/{grid.code}/").content.decode()
    for name in (grid.parent.parent.parent.name, grid.parent.parent.name, grid.parent.name, grid.name):
        assert name in page
    assert "r_gridworker" in page  # the grid's workers
    assert "演示生成的数据" in page and "演示生成" in page
    assert case.title in page and "在办诉求" in page
    assert f"<strong>{Person.objects.filter(grid=grid).count()}</strong>实有人口" in page
    # personal values are masked in lists: no full ID number or phone appears
    shown = Person.objects.filter(grid=grid).order_by("id")[:20]
    for p in shown:
        assert p.name not in page or len(p.name) == 1
        if p.id_number:
            assert p.id_number not in page and p.id_number[:4] + "*" * 10 + p.id_number[-4:] in page
        if p.phone:
            assert p.phone not in page and p.phone[:3] + "****" + p.phone[-4:] in page


def test_the_grid_file_api(demo, grid, users):
    from yiwang.accounts.services import token_create

    token = token_create(user=users["leader"], name="t")
    from django.test import Client

    c = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = c.get(f"/api/v1/grids/{grid.code}", **headers).json()
    assert body["grid"]["code"] == grid.code
    assert [a["level"] for a in body["chain"]] == [1, 2, 3, 4, 5]
    assert body["counts"]["people"] == Person.objects.filter(grid=grid).count()
    assert body["counts"]["buildings"] == Building.objects.filter(grid=grid).count()
    assert set(body["counts"]["people_by_kind"]) <= {"户籍人口", "流动人口", "境外人员"}
    assert body["generated"] is True and body["can_write"] is False  # a leader reads only
    person = body["people"][0]
    assert "*" in person["name"] and "*" in person["id_number"]
    page = c.get(f"/api/v1/grids/{grid.code}/people?page=2&group=elderly_alone", **headers).json()
    assert page["count"] == Person.objects.filter(grid=grid, groups__icontains="elderly_alone").count()
    assert c.get("/api/v1/grids/440703999999999", **headers).status_code == 404


def test_scopes(demo, grid, other_grid, users, client_for):
    assert client_for(users["gridworker"]).get(f"/grids/{other_grid.code}/").status_code == 403
    assert client_for(users["other_gridworker"]).get(f"/grids/{grid.code}/").status_code == 403
    assert client_for(users["district_leader"]).get(f"/grids/{other_grid.code}/").status_code == 200
    assert client_for(users["district_leader"]).get(f"/grids/{grid.code}/").status_code == 403
    assert client_for(users["dispatcher"]).get(f"/grids/{grid.code}/").status_code == 403
    assert client_for(users["resident"]).get(f"/api/v1/grids/{grid.code}").status_code == 403
    assert client_for(users["admin"]).get(f"/grids/{grid.code}/").status_code == 200
    person = Person.objects.filter(grid=grid).first()
    assert client_for(users["other_gridworker"]).get(f"/grids/record/person/{person.pk}/").status_code == 403


def test_a_reveal_is_an_explicit_logged_action(demo, grid, users, client_for):
    person = Person.objects.filter(grid=grid).exclude(id_number="").first()
    c = client_for(users["gridworker"])
    page = c.get(f"/grids/record/person/{person.pk}/").content.decode()
    assert person.id_number not in page and "查看明文" in page
    # without a reason: refused, nothing shown, nothing logged
    refused = c.post(f"/grids/record/person/{person.pk}/reveal", {"field": "id_number"})
    assert refused.status_code == 400 and person.id_number not in refused.content.decode()
    api = c.post(f"/api/v1/grids/records/person/{person.pk}/reveal", {"field": "phone"}, content_type="application/json")
    assert api.status_code == 400 and api.json()["code"] == "reveal_reason_required"
    assert not Reveal.objects.exists() and not PersonalDataReveal.objects.exists()
    # with one: shown, and logged like a case's reveal (who, what, why)
    page = c.post(f"/grids/record/person/{person.pk}/reveal", {"field": "id_number", "reason": "核对独居老人身份"}).content.decode()
    assert person.id_number in page and person.phone not in page
    reveal = Reveal.objects.get()
    assert (reveal.user, reveal.register, reveal.record_id, reveal.field) == (users["gridworker"], "person", person.pk, "id_number")
    logged = PersonalDataReveal.objects.get()
    assert (logged.user, logged.object_id, logged.field, logged.reason) == (
        users["gridworker"], str(person.pk), "id_number", "核对独居老人身份"
    )
    # a leader reads, masked, and may not reveal
    leader = client_for(users["leader"])
    assert leader.post(f"/grids/record/person/{person.pk}/reveal", {"field": "id_number"}).status_code == 403
    assert leader.post(f"/api/v1/grids/records/person/{person.pk}/reveal", {"field": "phone"}, content_type="application/json").status_code == 403
    assert Reveal.objects.count() == 1
    # the admin sees who looked
    page = client_for(users["admin"]).get(f"/grids/record/person/{person.pk}/").content.decode()
    # by name and grid (the login only stands in for an account without a name)
    worker = users["gridworker"]
    assert "明文查看记录" in page and f"r_gridworker · {worker.area.name} · id_number" in page


def test_grid_workers_correct_records_and_record_visits_with_history(demo, grid, users, client_for):
    person = Person.objects.filter(grid=grid, kind="registered").first()
    c = client_for(users["gridworker"])
    # a bad ID number is refused with the reason
    good = valid_id("44070319500101123")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    response = c.post(f"/grids/record/person/{person.pk}/edit", {"id_number": bad, "kind": "registered", "note": ""})
    assert response.status_code == 400 and "校验位不正确" in response.content.decode()
    # a correction
    response = c.post(f"/grids/record/person/{person.pk}/edit", {"phone": "13912345678", "kind": "floating", "groups": ["elderly_alone"], "room": person.room.number, "address": person.address, "note": "入户核实"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "13912345678" and person.kind == "floating" and person.groups == ["elderly_alone"]
    change = Change.objects.get(register="person", record_id=person.pk, action="updated")
    assert change.actor == users["gridworker"] and change.source == "入户核实"
    assert change.fields["phone"][1] == "139****5678" and change.fields["kind"] == ["registered", "floating"]
    # a visit
    assert c.post(f"/grids/record/person/{person.pk}/visit", {"kind": "care", "note": "上门探望，老人身体尚好"}).status_code == 302
    visit = Visit.objects.get()
    assert visit.by == users["gridworker"] and visit.grid == grid
    page = c.get(f"/grids/record/person/{person.pk}/").content.decode()
    assert "变更历史" in page and "r_gridworker" in page and "入户核实" in page and "关爱走访" in page
    # through the API too; a leader may not
    api = c.patch(f"/api/v1/grids/records/person/{person.pk}", {"fields": {"room": "9901"}, "note": "搬到 9901"}, content_type="application/json")
    assert api.status_code == 200 and api.json()["record"]["room"] == "9901"
    assert api.json()["history"][0]["by"] == "r_gridworker"
    leader = client_for(users["leader"])
    assert leader.patch(f"/api/v1/grids/records/person/{person.pk}", {"fields": {"room": "1"}}, content_type="application/json").status_code == 403
