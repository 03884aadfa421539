"""The audit page (/audit/) through Django's test client, as the auditor: the events of cases made
through the services, filters, keyset paging, the stored chain check (intact, then after tampering),
the XLSX export, and who may open it."""

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from openpyxl import load_workbook

from yiwang.accounts.models import Role, User
from yiwang.cases.models import CaseEvent, Status
from yiwang.core import clock
from yiwang.web import audit
from yiwang.web.models import AuditCheck

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
REPLY = "已安排维修，路灯已恢复。"  # a reply text: in the payload, never shown on the page


@pytest.fixture
def auditor(db):
    return User.objects.create(username="w_auditor", role=Role.AUDITOR, is_staff=True)


@pytest.fixture
def as_auditor(client, auditor):
    client.force_login(auditor)
    return client


def seqs(response) -> list[int]:
    """The global sequences of the listed rows, in page order."""
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)"', response.content.decode())]


def chain_state(response) -> str:
    return re.search(r'data-chain="(\w+)"', response.content.decode()).group(1)


def listed(qs) -> list[int]:
    return list(qs.order_by("-global_seq").values_list("global_seq", flat=True))


# --------------------------------------------------------------------------- landing and access
def test_the_auditor_starts_on_the_audit_page_and_the_nav_leads_there(as_auditor):
    response = as_auditor.get("/")
    assert response.status_code == 302 and response["Location"] == "/audit/"
    page = as_auditor.get("/audit/")
    assert page.status_code == 200 and 'href="/audit/"' in page.content.decode()


def test_an_admin_opens_it_and_sees_it_in_the_nav(client, people):
    client.force_login(people["admin"])
    response = client.get("/audit/")
    assert response.status_code == 200 and 'href="/audit/"' in client.get("/").content.decode()


@pytest.mark.parametrize("role", ["handler", "dispatcher", "leader", "resident", "operator"])
def test_other_roles_get_403_on_every_audit_url(client, people, role):
    client.force_login(people[role])
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/events.xlsx").status_code == 403
    assert client.post("/audit/check/").status_code == 403
    assert not AuditCheck.objects.exists()
    assert 'href="/audit/"' not in client.get("/audit/").content.decode()  # nor in the nav


def test_a_visitor_is_sent_to_sign_in(client):
    for response in (client.get("/audit/"), client.get("/audit/events.xlsx"), client.post("/audit/check/")):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_check_needs_the_csrf_token(auditor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor)
    assert client.post("/audit/check/").status_code == 403
    assert not AuditCheck.objects.exists()


# --------------------------------------------------------------------------- the list
def test_the_page_lists_the_events_of_cases_made_through_the_services(as_auditor, drive):
    # given a case taken through the loop (created, accepted, dispatched, signed, replied, verified)
    case = drive(Status.CLOSED)
    events = list(CaseEvent.objects.filter(case=case).order_by("-global_seq"))
    # when the auditor opens the page
    response = as_auditor.get("/audit/")
    text = response.content.decode()
    # then every event is listed, newest first, with its translated move, actor, role, hash prefix
    assert seqs(response) == [e.global_seq for e in events]
    assert case.number in text
    for label in ("登记", "受理", "派遣", "签收", "反馈", "核查"):
        assert f'<td class="action">{label}</td>' in text, label
    assert "w_handler" in text and "承办人" in text
    assert f'<code title="{events[0].hash}">{events[0].hash[:12]}</code>' in text
    assert "已派遣" in text and "处置中" in text  # from -> to statuses, as labels
    # the auditor has no desk: the number is plain text, with a link that filters the list to the case
    assert f"/desk/dispatch/case/{case.number}/" not in text
    assert f'href="?case={case.number}"' in text
    # and payloads show field names and safe codes only, never what was typed
    assert "lead_unit=JM.ZJJ" in text and "<code>text</code>" in text
    assert REPLY not in text and "张三" not in text and "13800138000" not in text
    # and the chain was never checked from the page
    assert chain_state(response) == "never"


def test_an_admin_gets_a_link_to_the_case_page(client, people, drive):
    case = drive(Status.DISPATCHED)
    client.force_login(people["admin"])
    text = client.get("/audit/").content.decode()
    assert f'href="/desk/dispatch/case/{case.number}/"' in text


def test_the_filters_narrow_the_list(as_auditor, drive, people):
    # given two cases, one of them made last year
    clock.freeze(dt.datetime(2025, 3, 3, 10, 0, tzinfo=SH))
    old = drive(Status.DISPATCHED, title="去年的诉求")
    clock.freeze(None)
    new = drive(Status.IN_PROGRESS)
    everything = CaseEvent.objects.filter(case__in=[old, new])

    def shown(**query):
        response = as_auditor.get("/audit/", query)
        assert response.status_code == 200
        return seqs(response)

    # when filtered, then only the matching events are listed (newest first)
    assert shown(case=old.number) == listed(everything.filter(case=old))
    assert shown(case="NOSUCHNUMBER") == []
    assert shown(action="dispatch") == listed(everything.filter(action="dispatch"))
    assert shown(actor="w_handler") == listed(everything.filter(actor=people["handler"]))
    assert shown(actor="system") == listed(everything.filter(actor_name="system"))
    assert shown(role="dispatcher") == listed(everything.filter(actor_role="dispatcher"))
    assert shown(date_from="2025-03-03", date_to="2025-03-03") == listed(everything.filter(case=old))
    assert shown(date_from=clock.today().isoformat()) == listed(everything.filter(case=new))
    assert shown(case=new.number, action="sign") == listed(everything.filter(case=new, action="sign"))
    # and a reversed date range is refused with a message, listing nothing
    response = as_auditor.get("/audit/", {"date_from": "2025-03-04", "date_to": "2025-03-03"})
    assert seqs(response) == [] and "截止日期不能早于起始日期" in response.content.decode()


def test_paging_walks_every_event_once_by_global_sequence(as_auditor, drive, monkeypatch):
    # given more events than fit on a page
    monkeypatch.setattr(audit, "PAGE_SIZE", 4)
    drive(Status.CLOSED)
    drive(Status.IN_PROGRESS)
    expected = listed(CaseEvent.objects.all())
    assert len(expected) > 8
    # when the auditor follows "older" from the newest page to the end
    pages, url = [], "/audit/"
    while url:
        response = as_auditor.get(url)
        pages.append(seqs(response))
        found = re.search(r'rel="next" href="([^"]+)"', response.content.decode())
        url = "/audit/" + found.group(1).replace("&amp;", "&") if found else None
    # then each event was listed exactly once, newest first, four to a page
    assert [s for p in pages for s in p] == expected
    assert all(len(p) == 4 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 4
    # and "newer" from the last page goes back over the same pages to the newest, which has no "newer"
    back, text = [pages[-1]], response.content.decode()
    while found := re.search(r'rel="prev" href="([^"]+)"', text):
        response = as_auditor.get("/audit/" + found.group(1).replace("&amp;", "&"))
        text = response.content.decode()
        back.append(seqs(response))
    assert back == list(reversed(pages))


def test_paging_keeps_the_filters(as_auditor, drive, monkeypatch):
    monkeypatch.setattr(audit, "PAGE_SIZE", 2)
    case = drive(Status.CLOSED)
    drive(Status.CLOSED)
    response = as_auditor.get("/audit/", {"case": case.number})
    older = re.search(r'rel="next" href="\?([^"]+)"', response.content.decode()).group(1)
    assert f"case={case.number}" in older.replace("&amp;", "&")
    second = as_auditor.get("/audit/?" + older.replace("&amp;", "&"))
    assert seqs(second) == listed(CaseEvent.objects.filter(case=case))[2:4]


# --------------------------------------------------------------------------- the chain check
def test_the_check_records_an_intact_chain(as_auditor, auditor, drive):
    # given cases made through the services
    drive(Status.CLOSED)
    drive(Status.DISPATCHED)
    total = CaseEvent.objects.count()
    # when the auditor presses the button
    response = as_auditor.post("/audit/check/", follow=True)
    # then the result is stored, with who ran it, and shown
    check = AuditCheck.objects.get()
    assert check.ok and check.checked == total and check.run_by == auditor and check.head_seq == total
    assert chain_state(response) == "ok"
    text = response.content.decode()
    assert f"已校验 {total} 条记录" in text and "w_auditor" in text
    # and a later view shows the stored result without walking the chain again
    assert chain_state(as_auditor.get("/audit/")) == "ok"


def test_the_check_names_the_first_tampered_event(as_auditor, drive):
    # given an intact trail, checked once
    case = drive(Status.CLOSED)
    drive(Status.DISPATCHED)
    as_auditor.post("/audit/check/")
    # when someone rewrites a reason directly in the database
    event = case.events.get(action="sign")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")  # bypass the append-only trigger
        cur.execute("UPDATE cases_caseevent SET reason = %s WHERE id = %s", ["改过的", event.id])
    # then the next check names that event, and the page says so and marks its row
    response = as_auditor.post("/audit/check/", follow=True)
    last = AuditCheck.objects.order_by("-id").first()
    assert not last.ok and last.broken_event == event.global_seq
    assert chain_state(response) == "broken"
    text = response.content.decode()
    assert f"全局序号 {event.global_seq}" in text and "does not match its hash" in text
    page = as_auditor.get(f"/audit/?before={event.global_seq + 1}").content.decode()
    assert f'<tr data-seq="{event.global_seq}" class="broken">' in page


def test_moves_made_after_a_check_are_counted_as_not_yet_checked(as_auditor, drive):
    drive(Status.ACCEPTED)
    as_auditor.post("/audit/check/")
    drive(Status.RECEIVED)  # one more event
    assert "此后新增 1 条记录，尚未校验" in as_auditor.get("/audit/").content.decode()


# --------------------------------------------------------------------------- export
def _sheet_rows(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "时间")
    return rows[:header], [r for r in rows[header + 1 :] if r and r[0] is not None]


def test_the_export_has_the_filtered_rows(as_auditor, drive):
    case = drive(Status.CLOSED)
    drive(Status.DISPATCHED)
    response = as_auditor.get("/audit/events.xlsx", {"action": "dispatch"})
    assert response.status_code == 200
    top, rows = _sheet_rows(response)
    dispatches = list(CaseEvent.objects.filter(action="dispatch").order_by("-global_seq"))
    assert [r[10] for r in rows] == [e.global_seq for e in dispatches]
    assert {r[3] for r in rows} == {"派遣"} and rows[-1][11] == dispatches[-1].hash
    assert all("lead_unit=JM.ZJJ" in r[9] for r in rows)
    assert not any("超过" in str(t[0]) for t in top if t)
    # the reply text is not in the export either
    everything = as_auditor.get("/audit/events.xlsx", {"case": case.number})
    _, all_rows = _sheet_rows(everything)
    assert len(all_rows) == case.events.count()
    assert not any(REPLY in str(v) for r in all_rows for v in r)


def test_the_export_is_capped_and_says_so(as_auditor, drive, monkeypatch):
    monkeypatch.setattr(audit, "EXPORT_MAX_ROWS", 3)
    drive(Status.CLOSED)
    response = as_auditor.get("/audit/events.xlsx")
    top, rows = _sheet_rows(response)
    assert len(rows) == 3 and response["X-Export-Capped"] == "1"
    assert any("仅导出最新的 3 条" in str(t[0]) for t in top if t)
    assert [r[10] for r in rows] == listed(CaseEvent.objects.all())[:3]


# --------------------------------------------------------------------------- personal data
def test_payload_fields_show_only_safe_values():
    fields = audit.payload_fields(
        {
            "text": "张三说路灯坏了，电话13800138000",
            "lead_unit": "JM.ZJJ",
            "assisting_units": ["JM.SHJ"],
            "passed": True,
            "praised_unit": "某某单位的李四",
            "attachments": ["tok1"],
            "days": 5,
            "rule": None,
            "previous_category": [],
        }
    )
    assert fields == [
        ("assisting_units", "JM.SHJ"),
        ("attachments", None),
        ("days", "5"),
        ("lead_unit", "JM.ZJJ"),
        ("passed", "true"),
        ("praised_unit", None),
        ("previous_category", "[]"),
        ("rule", "null"),
        ("text", None),
    ]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("Audit events", "Never checked", "Check now")),
        ("zh-hant", ("審計記錄", "尚未校驗", "立即校驗")),
    ],
)
def test_the_page_speaks_the_chosen_language(as_auditor, language, words):
    as_auditor.cookies["django_language"] = language
    text = as_auditor.get("/audit/").content.decode()
    assert all(w in text for w in words), words


def test_a_reason_typed_as_a_formula_stays_text_in_the_export(as_auditor, make_case, people):
    from .conftest import act

    case = act(make_case(), "reject", people["operator"], {"reason": '=HYPERLINK("http://evil.example","x")'})
    response = as_auditor.get("/audit/events.xlsx", {"case": case.number, "action": "reject"})
    ws = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert len(cells) == 1 and cells[0].data_type == "s"
