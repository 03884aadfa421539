"""Personal data on the workbench (issue 15): masked on every desk; the full value only after a logged
reveal with a reason, shown to that person on that answer."""

import pytest

from yiwang.security.models import PersonalDataReveal

from .conftest import PHONE

pytestmark = pytest.mark.django_db


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize(
    ("who", "desk"), [("dispatcher", "dispatch"), ("handler", "unit"), ("gridworker", "grid"), ("operator", "operator")]
)
def test_every_desks_case_page_masks_the_requester(client, people, drive, who, desk):
    # given a case dispatched to the handler's unit, filed by 张三 from 13800138000
    case = drive("dispatched")
    # when each desk opens it
    html = page(client, people[who], f"/desk/{desk}/case/{case.number}/")
    # then the name and phone are masked and nothing was logged
    assert PHONE not in html and "张三" not in html
    assert "138****8000" in html and "张*" in html
    assert not PersonalDataReveal.objects.exists()


def test_the_caller_lookup_shows_masked_names(client, people, make_case):
    make_case()
    html = page(client, people["operator"], f"/desk/operator/caller/?phone={PHONE}")
    assert "张*" in html and "张三" not in html
    assert PHONE not in html and "138****8000" in html


def test_a_reveal_with_a_reason_shows_the_value_once_and_logs_it(client, people, drive):
    # given a dispatcher on a case page
    case = drive("dispatched")
    client.force_login(people["dispatcher"])
    # when they ask for the phone with a reason
    response = client.post(
        f"/desk/dispatch/case/{case.number}/reveal/",
        {"reveal-field": "requester_phone", "reveal-reason": "回访核实办理结果"},
    )
    # then this answer shows it in full, and the look is logged with who, what and why
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    row = PersonalDataReveal.objects.get()
    assert (row.user, row.object_label, row.field, row.reason) == (
        people["dispatcher"], case.number, "requester_phone", "回访核实办理结果"
    )
    # and the next look at the page is masked again
    assert PHONE not in page(client, people["dispatcher"], f"/desk/dispatch/case/{case.number}/")


def test_no_reason_no_reveal(client, people, drive):
    case = drive("dispatched")
    client.force_login(people["dispatcher"])
    response = client.post(f"/desk/dispatch/case/{case.number}/reveal/", {"reveal-field": "requester_phone"})
    assert response.status_code == 400
    html = response.content.decode()
    assert PHONE not in html and "查看理由" in html
    assert not PersonalDataReveal.objects.exists()


def test_no_reveal_of_a_case_outside_ones_scope(client, people, drive):
    case = drive("dispatched")
    client.force_login(people["other_handler"])
    response = client.post(
        f"/desk/unit/case/{case.number}/reveal/", {"reveal-field": "requester_phone", "reveal-reason": "想看看"}
    )
    assert response.status_code == 404
    assert not PersonalDataReveal.objects.exists()


def test_the_audit_trail_masks_personal_data_in_reasons(client, people, drive, settings):
    # given a case a dispatcher carded with a note quoting the caller's phone and door
    from yiwang.accounts.models import Role, User
    from yiwang.cases.services import Actor, perform

    case = drive("dispatched")
    perform(
        case=case, action="supervise", actor=Actor.of(people["dispatcher"]),
        payload={"card": "yellow", "note": "已联系13900139000，住3栋502"},
    )
    auditor = User.objects.create(username="w_auditor", role=Role.AUDITOR, is_staff=True)
    # when the auditor reads the trail and exports it
    html = page(client, auditor, f"/audit/?case={case.number}")
    # then the note is there, masked
    assert "已联系139****9000，住*栋***" in html
    assert "13900139000" not in html and "3栋502" not in html


def test_leaders_read_similar_cases_masked(client, people, drive):
    case = drive("dispatched", text="路灯坏了，联系13900139000，住幸福路12号。")
    html = page(client, people["leader"], f"/classifier/cases/{case.number}/similar/")
    assert "13900139000" not in html and "12号" not in html and "139****9000" in html


# --------------------------------------------------------------------------- other cases next to one's own
@pytest.fixture
def neighbours(people, make_case, drive):
    """Two alike cases at one place: the first dispatched to another unit, the second to the handler's."""
    from .conftest import act

    other = make_case()
    other = act(other, "accept", people["operator"], {"category": "C01"})
    other = act(other, "dispatch", people["dispatcher"], {"lead_unit": "JM.SHJ"})
    return other, drive("dispatched")


def test_the_place_panel_lists_only_cases_the_viewer_may_read(client, people, neighbours):
    other, own = neighbours
    # the handler of the second case's unit sees no trace of the other unit's case
    html = page(client, people["handler"], f"/desk/unit/case/{own.number}/")
    assert "此处以往诉求" in html and other.number not in html
    # while the city's dispatcher, who may read both, sees it among the earlier cases here
    assert other.number in page(client, people["dispatcher"], f"/desk/dispatch/case/{own.number}/")


def test_likely_duplicates_list_only_cases_the_viewer_may_read(client, people, neighbours):
    other, own = neighbours

    def duplicates(user):
        client.force_login(user)
        response = client.get(f"/api/v1/cases/{own.number}/duplicates")
        assert response.status_code == 200
        return [d["number"] for d in response.json()]

    assert other.number in duplicates(people["dispatcher"])
    assert other.number not in duplicates(people["handler"])
