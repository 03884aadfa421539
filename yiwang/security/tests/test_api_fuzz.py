"""Bad input never makes a server error: schemathesis drives every operation of /api/v1/openapi.json
in-process through the WSGI application, as a signed-in dispatcher, with bounded examples each.

(schemathesis' own pytest plugin does not run under pytest 9 yet, so the operations are walked here
with one hypothesis run each.)"""

import io

import pytest
import schemathesis
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from yiwang.accounts.models import Role, User
from yiwang.geo.models import Area

pytestmark = pytest.mark.django_db
MAX_EXAMPLES = 15  # per operation: the whole run stays well under two minutes


@pytest.fixture
def bearer(db, settings):
    settings.INTAKE_RATE_LIMITS = []  # a refusal for speed would hide what the input does
    User.objects.create(username="t_fuzz", role=Role.DISPATCHER, area=Area.objects.get(code="440700"))
    out = io.StringIO()
    call_command("token", "create", "--user", "t_fuzz", stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def in_test_transaction():
    """Like Django's test client: the application called in-process must not close the test's
    connection at the end of each request (that would end the test transaction on PostgreSQL)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def real_case(db):
    from yiwang.cases.services import Actor, CaseInput
    from yiwang.intake.services import case_submit
    operator = User.objects.create(username="t_fuzz_op", role=Role.OPERATOR)
    data = CaseInput(request_type="投诉", title="路灯不亮", text="白沙街道某路段路灯一周不亮，请尽快维修。",
                     lon=113.08, lat=22.60, requester_name="张三", requester_phone="13800138000")
    return case_submit(data=data, actor=Actor.of(operator))[0].number


def test_no_operation_answers_with_a_server_error(bearer, real_case, in_test_transaction):
    from yiwang.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []
    calls = 0
    statuses: dict[int, int] = {}

    for operation in operations:

        @hsettings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,  # the same examples on every run: CI never flakes on a lucky draw
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), on_real_case=st.booleans())
        def run(case, on_real_case):
            nonlocal calls
            calls += 1
            if on_real_case and "number" in (case.path_parameters or {}):
                case.path_parameters["number"] = real_case  # moves on a case that exists, with bad bodies
            # Each example in a savepoint: a database error in one request (PostgreSQL aborts the
            # transaction) is rolled back, so it cannot turn every later example into a 500 too.
            with transaction.atomic():
                response = case.call(headers={"Authorization": f"Bearer {bearer}"})
                if response.status_code >= 500:
                    transaction.set_rollback(True)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}\n"
                    f"{case.as_curl_command()}\n{response.text[:1500]}"
                )
            elif response.status_code >= 400 and response.headers.get("Content-Type", [""])[0].startswith(
                "application/json"
            ):
                body = response.json()
                if not (isinstance(body, dict) and {"code", "message"} <= set(body)):
                    failures.append(f"{case.method} {case.formatted_path}: not the error shape: {body}")

        run()
    print(f"{len(operations)} operations, {calls} calls, statuses {sorted(statuses.items())}")
    assert calls >= len(operations)
    assert any(200 <= code < 300 for code in statuses)  # the token works: input reached the handlers
    assert not failures, "\n\n".join(failures[:5])


@pytest.mark.parametrize(
    "query",
    [
        "channel=a%00b",
        "q=%00",
        "area=%00&category=%00&unit=%00&status=%00",
        "page=209988241348363583488",  # an OFFSET past int64 (list_cases bounds page now)
    ],
)
def test_inputs_the_fuzzer_found_answer_without_a_server_error(client, bearer, query):
    """Inputs that made 500s on PostgreSQL before (NUL characters, a huge page), kept as examples."""
    response = client.get(f"/api/v1/cases?{query}", HTTP_AUTHORIZATION=f"Bearer {bearer}")
    assert response.status_code < 500
    assert {"code", "message"} <= set(response.json()) if response.status_code >= 400 else True
