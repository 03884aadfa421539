"""A dispatcher corrects a case's category in the dispatch and redispatch moves, as in accept: the case
takes the new category, the responsibility list routes by it, and the event records the change."""


import pytest
from django.core.management import call_command
from django.utils import translation

from yiwang.cases.models import Case, CaseEvent, Status
from yiwang.core.errors import ApplicationError
from yiwang.routing.models import Category
from yiwang.routing.selectors import route

from .conftest import act
from .test_api import BODY, call

pytestmark = pytest.mark.django_db


def code_of(name: str) -> str:
    return Category.objects.get(level=1, name=name).code


def returned_case(make_case, people, *, category: str = "城乡建设") -> Case:
    """Accepted as `category`, dispatched to the housing bureau, returned by it unsigned."""
    case = make_case()
    case = act(case, "accept", people["operator"], {"category": code_of(category)})
    case = act(case, "dispatch", people["dispatcher"], {"lead_unit": "JM.ZJJ"})
    return act(case, "return", people["handler"], {"reason": "不属于本单位职责"})


def snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.status,
        case.category_id,
        case.category_confidence,
        case.lead_unit_id,
        case.version,
        CaseEvent.objects.filter(case=case).count(),
    )


def test_a_redispatch_with_a_category_routes_by_the_new_one(make_case, people):
    # given a case returned by the unit its (wrong) category sent it to
    case = returned_case(make_case, people)
    assert case.status == Status.RETURNED and case.category.name == "城乡建设"
    # when the dispatcher redispatches it as 交通运输 without naming a unit
    case = act(case, "redispatch", people["dispatcher"], {"category": code_of("交通运输")})
    # then the case has the new category, and the unit the responsibility list gives for it
    assert case.status == Status.DISPATCHED
    assert case.category.name == "交通运输" and case.category_confidence == 1.0
    expected = route(category=case.category, area=case.grid or case.community or case.town or case.district)
    assert case.lead_unit == expected.lead_unit and case.lead_unit.code == "JM.JTJ"
    # and the audit event says what the category was and what it became
    event = case.events.order_by("-seq").first()
    assert event.action == "redispatch" and event.actor == people["dispatcher"]
    assert event.payload["category"] == code_of("交通运输")
    assert event.payload["previous_category"] == code_of("城乡建设")
    assert event.payload["lead_unit"] == "JM.JTJ" and event.payload["rule"] == expected.rule_id


def test_a_dispatch_with_a_category_routes_by_the_new_one(make_case, people):
    # given a case accepted as 城乡建设 (whose unit would be the housing bureau)
    case = act(make_case(), "accept", people["operator"], {"category": code_of("城乡建设")})
    # when the dispatcher dispatches it as 环境保护
    case = act(case, "dispatch", people["dispatcher"], {"category": code_of("环境保护")})
    # then
    assert case.category.name == "环境保护" and case.lead_unit.code == "JM.SHJ"
    event = case.events.get(action="dispatch")
    assert (event.payload["previous_category"], event.payload["category"]) == (
        code_of("城乡建设"),
        code_of("环境保护"),
    )


def test_a_named_lead_unit_wins_over_the_new_categorys_unit(make_case, people):
    case = returned_case(make_case, people)
    case = act(
        case, "redispatch", people["dispatcher"], {"category": code_of("交通运输"), "lead_unit": "JM.CGJ"}
    )
    assert case.category.name == "交通运输" and case.lead_unit.code == "JM.CGJ"


def test_a_redispatch_without_a_category_keeps_it(make_case, people):
    # given a case returned by the housing bureau, accepted by a person as 城乡建设
    case = returned_case(make_case, people)
    before = (case.category_id, case.category_confidence)
    # when it is redispatched to another unit, and then back by the responsibility list
    case = act(case, "redispatch", people["dispatcher"], {"lead_unit": "JM.SHJ"})
    # then the category is untouched and the event names no category
    assert (case.category_id, case.category_confidence) == before and case.lead_unit.code == "JM.SHJ"
    assert "category" not in case.events.get(action="redispatch").payload
    case = act(case, "redispatch", people["dispatcher"], {"category": "  "})  # blank: keep it
    assert (case.category_id, case.category_confidence) == before and case.lead_unit.code == "JM.ZJJ"


@pytest.mark.parametrize("bad", ["C99", "C0 1", ["C01"], {"code": "C01"}, 42])
def test_an_unknown_category_is_refused_and_changes_nothing(make_case, people, bad):
    # given
    case = returned_case(make_case, people)
    before = snapshot(case)
    # when (with a unit named, so only the category can be wrong)
    with pytest.raises(ApplicationError) as err:
        act(case, "redispatch", people["dispatcher"], {"category": bad, "lead_unit": "JM.SHJ"})
    # then the error names the field, and the case is as it was
    assert err.value.code == "validation_error" and err.value.status_code == 400
    expected = "不存在" if isinstance(bad, str) else "须为文字"  # an unknown code, or not a code at all
    assert set(err.value.fields) == {"category"} and expected in str(err.value.fields["category"])
    assert snapshot(case) == before


def test_an_inactive_category_is_refused(make_case, people):
    case = returned_case(make_case, people)
    Category.objects.filter(level=1, name="交通运输").update(is_active=False)
    before = snapshot(case)
    with pytest.raises(ApplicationError) as err:
        act(case, "redispatch", people["dispatcher"], {"category": code_of("交通运输")})
    assert err.value.fields.keys() == {"category"}
    assert snapshot(case) == before


def test_accept_and_dispatch_refuse_an_unknown_category_alike(make_case, people):
    # given a case waiting to be accepted, and one waiting to be dispatched
    received = make_case()
    accepted = act(make_case(), "accept", people["operator"])
    # when both are given a code that does not exist
    errors = []
    for case, action, who in ((received, "accept", "operator"), (accepted, "dispatch", "dispatcher")):
        with pytest.raises(ApplicationError) as err:
            act(case, action, people[who], {"category": "C99"})
        errors.append(
            (err.value.code, str(err.value.message), {k: str(v) for k, v in err.value.fields.items()})
        )
    # then they say the same thing, naming the code
    assert errors[0] == errors[1]
    assert errors[0][0] == "validation_error" and "C99" in errors[0][2]["category"]


# --------------------------------------------------------------------------- through the API
@pytest.fixture
def _catalogues():
    """The project's compiled catalogues (.mo files are build output; `make test` compiles them too)."""
    from django.utils.translation import trans_real

    call_command("compilemessages_yiwang", verbosity=0)
    trans_real._translations = {}
    trans_real._default = None
    yield


def api_returned_case(client, tokens) -> str:
    number = call(client, "post", "/cases", tokens["resident"], BODY).json()["number"]
    for who, action, body in [
        ("operator", "accept", {"category": code_of("城乡建设")}),
        ("dispatcher", "dispatch", {"lead_unit": "JM.ZJJ"}),
        ("handler", "return", {"reason": "不属于本单位职责"}),
    ]:
        response = call(client, "post", f"/cases/{number}/{action}", tokens[who], body)
        assert response.status_code == 200, (action, response.content)
    return number


def test_the_api_redispatches_with_a_category(client, tokens):
    # given
    number = api_returned_case(client, tokens)
    # when
    response = call(
        client, "post", f"/cases/{number}/redispatch", tokens["dispatcher"], {"category": code_of("交通运输")}
    )
    # then
    assert response.status_code == 200, response.content
    case = response.json()
    assert case["status"] == "dispatched" and case["category"]["code"] == code_of("交通运输")
    assert case["category_confidence"] == 1.0 and case["lead_unit"]["code"] == "JM.JTJ"


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "分类编码 C99 不存在"), ("en", "Category code C99 does not exist")]
)
def test_the_api_refuses_an_unknown_category_in_the_callers_language(
    client, tokens, _catalogues, language, words
):
    # given
    number = api_returned_case(client, tokens)
    before = snapshot(Case.objects.get(number=number))
    # when
    response = call(
        client,
        "post",
        f"/cases/{number}/redispatch",
        tokens["dispatcher"],
        {"category": "C99"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    translation.activate("zh-hans")
    # then
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "validation_error" and error["fields"] == {"category": words}
    assert error["message"] == words
    assert snapshot(Case.objects.get(number=number)) == before


def test_the_move_docs_offer_the_category(client):
    doc = client.get("/api/v1/openapi.json").json()
    text = doc["paths"]["/api/v1/cases/{number}/{action}"]["post"]["description"]
    lines = {line.split("`")[1]: line for line in text.splitlines() if line.startswith("- `")}
    assert '"category": CODE' in lines["dispatch"] and '"category": CODE' in lines["redispatch"]
