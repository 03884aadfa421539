"""Two people act on one case at once: exactly one wins, the other is told the case changed.

Real concurrent transactions need committed rows and separate connections, so this test commits its
own data (outside the per-test rollback) and removes it afterwards, restoring the audit head.
"""

import threading

import pytest
from django.db import connection, connections

from yiwang.accounts.models import Role, User
from yiwang.cases.models import Case, Status
from yiwang.cases.services import Actor, CaseInput, case_create, perform
from yiwang.cases.tests.committed import committed_world
from yiwang.core.errors import ApplicationError
from yiwang.routing.models import Unit

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"
)


def test_two_handlers_sign_and_return_at_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        world = committed_world("cc_")
        world.__enter__()
        unit = Unit.objects.get(code="JM.ZJJ")
        dispatcher = User.objects.create(username="cc_dispatcher", role=Role.DISPATCHER)
        handlers = [
            User.objects.create(username=f"cc_handler{i}", role=Role.HANDLER, unit=unit) for i in (1, 2)
        ]
        case = case_create(
            data=CaseInput(
                request_type="投诉", title="并发测试", text="两人同时办理同一件诉求", lon=113.08, lat=22.60
            ),
            actor=Actor.of(dispatcher),
        )
        try:
            case = perform(case=case, action="accept", actor=Actor.of(dispatcher))
            case = perform(
                case=case, action="dispatch", actor=Actor.of(dispatcher), payload={"lead_unit": "JM.ZJJ"}
            )
            results, barrier = [], threading.Barrier(2)

            def worker(user, action, payload):
                try:
                    mine = Case.objects.get(pk=case.pk)  # both read the same version
                    barrier.wait(timeout=10)
                    perform(case=mine, action=action, actor=Actor.of(user), payload=payload)
                    results.append(("ok", action))
                except ApplicationError as exc:
                    results.append((exc.code, action))
                finally:
                    connections.close_all()

            threads = [
                threading.Thread(target=worker, args=(handlers[0], "sign", {})),
                threading.Thread(target=worker, args=(handlers[1], "return", {"reason": "非本单位"})),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            codes = sorted(code for code, _ in results)
            assert codes == ["case_changed", "ok"], results
            final = Case.objects.get(pk=case.pk)
            winner = next(action for code, action in results if code == "ok")
            assert final.status == {"sign": Status.IN_PROGRESS, "return": Status.RETURNED}[winner]
            assert final.events.count() == 4  # create, accept, dispatch, and the one winning move
        finally:
            world.__exit__(None, None, None)
