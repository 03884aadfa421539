"""The case API adds the category's and lead unit's names in the caller's language; the stored names
and codes other systems parse stay as they are."""

import pytest

from .test_api import BODY, call

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "language,category,unit",
    [
        ("en", "Urban and rural construction", "Jiangmen Housing and Urban-Rural Development Bureau"),
        ("zh-hant", "城鄉建設", "江門市住房和城鄉建設局"),
        ("zh-hans", "城乡建设", "江门市住房和城乡建设局"),
    ],
)
def test_a_case_carries_localized_names_beside_the_stored_ones(client, tokens, language, category, unit):  # noqa: F811
    # when an operator files a case of 城乡建设 (routed to 江门市住房和城乡建设局) and reads it back
    number = call(client, "post", "/cases", tokens["operator"], {**BODY, "category": "C01"}).json()["number"]
    case = call(client, "get", f"/cases/{number}", tokens["operator"], HTTP_ACCEPT_LANGUAGE=language).json()
    # then
    assert (case["category_name"], case["lead_unit_name"]) == (category, unit)
    assert case["category"] == {"code": "C01", "name": "城乡建设", "path": "城乡建设"}
    assert case["lead_unit"] == {"code": "JM.ZJJ", "name": "江门市住房和城乡建设局"}
