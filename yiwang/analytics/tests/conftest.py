"""Fixtures: the cases app's people and moves (real services, real audit trail), and a clock helper."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from yiwang.analytics import services
from yiwang.cases.tests import conftest as cases_fixtures
from yiwang.cases.tests.conftest import act

# the cases app's fixtures: its people and a case maker that goes through the real intake
people = cases_fixtures.people
make_case = cases_fixtures.make_case

TZ = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2025) -> dt.datetime:
    """A local (Asia/Shanghai) instant."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def move(people):
    """Make one move at a given instant on the freshest version of the case."""

    def do(case, action, who, payload=None, when=None):
        case.refresh_from_db()
        return act(case, action, people[who] if isinstance(who, str) else who, payload or {}, at=when)

    return do


@pytest.fixture
def new_case(make_case):
    def create(when, **kw):
        kw.setdefault("category_code", "C01")
        return make_case(received_at=when, **kw)

    return create


@pytest.fixture
def march(people, new_case, move, settings):
    """The cases A-I below, driven through the services (a reply goes to on-site verification).

    Each measure on a small hand-made set of cases, driven through the real moves, with expected values
    worked out by hand (office hours 08:30-12:00 and 14:00-18:00 = 7.5 h a working day; March 2025 has
    no holidays; Monday 3 March is day 0).

    Complaints (投诉: respond within 1 working day, handle within 15):
      A  dispatched Mon 03 09:00 to ZJJ, signed 10:00, replied Tue 10:00, closed Tue 11:00 (9.5 h),
         rated satisfied + solved.
      B  dispatched Mon 03 09:00 to ZJJ, signed Wed 05 09:00 (late: due Tue 18:00), replied and closed
         Wed 11:00 (7 + 7.5 + 2.5 = 17 h), rated basically satisfied + solved.
      C  dispatched Mon 03 09:00 to ZJJ, returned unsigned 15:00; redispatched Tue 04 09:00 to SHJ, which
         signs 10:00 (response deadline still Tue 18:00), replies Thu 06 10:00, closed 11:00 (17 h from
         the redispatch), rated unsatisfied + unsolved -> reopened by the platform; replied Fri 07 10:00,
         closed 11:00 (24.5 h), rated satisfied + solved.
      D  dispatched Mon 03 09:00 to ZJJ, signed 09:30, suspended 14:00 to Wed 05 14:00 (4 + 7.5 + 3.5 =
         15 h paused), replied Thu 06 10:00, closed 11:00 (24.5 - 15 = 9.5 h). Not rated.
      E  dispatched Mon 03 09:00 to ZJJ, merged into A at 10:00 (withdrawn); closed with A; its requester
         rates it satisfied + solved on Wed 05 (counts for A's unit, ZJJ).
      F  answered at intake and rated satisfied (no answer to "solved").
      G  rejected at intake.
      H  dispatched Mon 03 09:00 to ZJJ, signed 10:00, replied Thu 20 10:00, failed verification Fri 21
         (重办 of the 20 March reply), replied Mon 24 10:00, verified Tue 25 10:00: closed late (due
         Mon 24 18:00); 7 + 4x7.5 + 5x7.5 + 5x7.5 + 7.5 + 1.5 = 121 h.
      I  dispatched Mon 31 17:00 to ZJJ, signed Tue 1 April 10:00 (deadline 1 April 18:00): a response
         counted in March, the month of its dispatch.
    """
    settings.VERIFY_ON_SITE = True
    cases = {}
    t0 = at(3, 3, 9)

    def dispatched(name, unit="JM.ZJJ", when=t0):
        case = new_case(when)
        move(case, "accept", "operator", when=when)
        move(case, "dispatch", "dispatcher", {"lead_unit": unit}, when=when)
        cases[name] = case
        return case

    a = dispatched("A")
    move(a, "sign", "handler", when=at(3, 3, 10))
    e = dispatched("E")
    move(e, "merge", "dispatcher", {"into": a.number}, when=at(3, 3, 10))
    move(a, "reply", "handler", {"text": "已修复"}, when=at(3, 4, 10))
    move(a, "close", "dispatcher", when=at(3, 4, 11))
    move(a, "rate", "resident", {"satisfaction": "satisfied", "solved": True}, when=at(3, 4, 12))
    move(e, "rate", "resident", {"satisfaction": "satisfied", "solved": True}, when=at(3, 5, 9))

    b = dispatched("B")
    move(b, "sign", "handler", when=at(3, 5, 9))
    move(b, "reply", "handler", {"text": "已处理"}, when=at(3, 5, 10))
    move(b, "close", "dispatcher", when=at(3, 5, 11))
    move(b, "rate", "resident", {"satisfaction": "basically_satisfied", "solved": True}, when=at(3, 5, 12))

    c = dispatched("C")
    move(c, "return", "handler", {"reason": "不属于本单位职责"}, when=at(3, 3, 15))
    move(c, "redispatch", "dispatcher", {"lead_unit": "JM.SHJ"}, when=at(3, 4, 9))
    move(c, "sign", "other_handler", when=at(3, 4, 10))
    move(c, "reply", "other_handler", {"text": "已处理"}, when=at(3, 6, 10))
    move(c, "close", "dispatcher", when=at(3, 6, 11))
    move(c, "rate", "resident", {"satisfaction": "unsatisfied", "solved": False}, when=at(3, 6, 12))
    c.refresh_from_db()
    assert c.status == "in_progress"  # reopened by the platform
    move(c, "reply", "other_handler", {"text": "已再次处理"}, when=at(3, 7, 10))
    move(c, "close", "dispatcher", when=at(3, 7, 11))
    move(c, "rate", "resident", {"satisfaction": "satisfied", "solved": True}, when=at(3, 7, 12))

    d = dispatched("D")
    move(d, "sign", "handler", when=at(3, 3, 9, 30))
    move(d, "suspend", "dispatcher", {"reason": "等待批复"}, when=at(3, 3, 14))
    move(d, "resume", "dispatcher", when=at(3, 5, 14))
    move(d, "reply", "handler", {"text": "已处理"}, when=at(3, 6, 10))
    move(d, "close", "dispatcher", when=at(3, 6, 11))

    f = new_case(t0)
    move(f, "answer", "operator", {"text": "已当场答复"}, when=t0)
    move(f, "rate", "resident", {"satisfaction": "satisfied"}, when=at(3, 3, 10))
    g = new_case(t0)
    move(g, "reject", "operator", {"reason": "不属于受理范围"}, when=t0)

    h = dispatched("H")
    move(h, "sign", "handler", when=at(3, 3, 10))
    move(h, "reply", "handler", {"text": "已处理"}, when=at(3, 20, 10))
    move(h, "verify", "gridworker", {"passed": False, "note": "现场未修复"}, when=at(3, 21, 10))
    move(h, "reply", "handler", {"text": "已再次处理"}, when=at(3, 24, 10))
    move(h, "verify", "gridworker", {"passed": True, "note": "已修复"}, when=at(3, 25, 10))

    i = dispatched("I", when=at(3, 31, 17))
    move(i, "sign", "handler", when=at(4, 1, 10))
    services.measures_project()
    cases.update(F=f, G=g)
    return cases
