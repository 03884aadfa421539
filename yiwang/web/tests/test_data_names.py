"""Category and unit names follow the reader's language on the portal and the desks (they are data,
so gettext alone would leave them in simplified Chinese)."""

import pytest

from yiwang.cases.models import Case
from yiwang.routing.models import Category

pytestmark = pytest.mark.django_db

ZJJ_EN = "Jiangmen Housing and Urban-Rural Development Bureau"
C01_EN = "Urban and rural construction"


def page(client, user, url, language):
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_english_portal_shows_the_english_category_and_unit(client, people, drive):
    # given a case of 城乡建设 handled by 江门市住房和城乡建设局, with its reply
    case = drive("verifying")
    # when its resident reads it in English
    html = page(client, people["resident"], f"/portal/case/{case.number}/", "en")
    # then
    assert C01_EN in html and ZJJ_EN in html
    assert "城乡建设" not in html and "江门市住房和城乡建设局" not in html


def test_the_english_desks_show_english_category_and_unit_names(client, people, drive):
    case = drive("in_progress")
    html = page(client, people["dispatcher"], f"/desk/dispatch/case/{case.number}/", "en")
    assert C01_EN in html and ZJJ_EN in html
    assert "江门市住房和城乡建设局" not in html
    # the unit desk: its own name in the heading, the case's category in the facts
    assert ZJJ_EN in page(client, people["handler"], "/desk/unit/", "en")
    html = page(client, people["handler"], f"/desk/unit/case/{case.number}/", "en")
    assert C01_EN in html and ZJJ_EN in html


def test_the_traditional_pages_convert_the_simplified_names(client, people, drive):
    case = drive("verifying")
    html = page(client, people["resident"], f"/portal/case/{case.number}/", "zh-hant")
    assert "城鄉建設" in html and "江門市住房和城鄉建設局" in html
    assert "城乡建设" not in html
    html = page(client, people["dispatcher"], f"/desk/dispatch/case/{case.number}/", "zh-hant")
    assert "城鄉建設" in html and "江門市住房和城鄉建設局" in html


def test_the_simplified_pages_keep_the_stored_names(client, people, drive):
    case = drive("verifying")
    html = page(client, people["resident"], f"/portal/case/{case.number}/", "zh-hans")
    assert "城乡建设" in html and "江门市住房和城乡建设局" in html and ZJJ_EN not in html


def test_a_category_without_an_english_name_reads_in_chinese(client, people, drive):
    Category.objects.filter(code="C01").update(name_en="")
    case = drive("verifying")
    html = page(client, people["resident"], f"/portal/case/{case.number}/", "en")
    assert "城乡建设" in html and C01_EN not in html
    assert ZJJ_EN in html  # the unit still has its English name


def test_the_dispatch_console_offers_categories_units_and_suggestions_in_english(client, people, drive):
    # given a received case the classifier had suggestions for
    case = drive("received")
    Case.objects.filter(pk=case.pk).update(
        category_candidates=[
            {"code": "C01", "name": "城乡建设", "confidence": 0.6},
            {"code": None, "name": "旧模型的标签", "confidence": 0.1},
        ]
    )
    # when the dispatcher opens it in English
    html = page(client, people["dispatcher"], f"/desk/dispatch/case/{case.number}/", "en")
    # then the suggestions and the category choices read in English; codes stay the values
    assert f"<span>{C01_EN}</span>" in html
    assert "<span>旧模型的标签</span>" in html  # a label without a category is shown as it is
    assert '<optgroup label="Environmental protection">' in html
    assert "Environmental protection / Environmental pollution" in html
    assert 'value="C01"' in html


def test_the_redispatch_form_lists_units_in_english(client, people, drive):
    case = drive("dispatched")
    client.force_login(people["handler"])
    client.post(
        f"/desk/unit/case/{case.number}/return/",
        {"return-version": case.version, "return-reason": "不属于本单位职责，请改派"},
    )
    case.refresh_from_db()
    assert case.status == "returned"
    html = page(client, people["dispatcher"], f"/desk/dispatch/case/{case.number}/", "en")
    assert '<option value="JM.SHJ">Jiangmen Ecology and Environment Bureau</option>' in html
