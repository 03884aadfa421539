"""The admin speaks the reader's language: every registered model's change list and form, read in
English, shows no Chinese label, and read in simplified Chinese, no untranslated English one.

The admin sits above every app (each registers its models), so the walk lives with the platform."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

from yiwang.accounts.models import Role, User

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Labels that are the same in every language: codes, standards and names of formats.
SAME_IN_EVERY_LANGUAGE = {"ID", "H3", "URL", "API", "XLSX", "SHA", "GPS", "Open311", "SMS"}


class Labels(HTMLParser):
    """The texts of <label>s and of the change list's column headers in the admin's content (the
    navigation sidebar's hidden headers are Django's own words, outside the models' labels)."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # inside a label or a column header
        self.nav = 0  # inside the navigation sidebar
        self.texts: list[str] = []
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "nav":
            self.nav += 1
        if self.nav:
            return
        if tag == "label" or (tag == "th" and dict(attrs).get("scope") == "col" and "action-checkbox" not in cls):
            self.depth += 1
            self._buf = []

    def handle_endtag(self, tag):
        if tag == "nav" and self.nav:
            self.nav -= 1
        if tag in ("label", "th") and self.depth:
            self.depth -= 1
            text = " ".join("".join(self._buf).split()).strip(" :：")
            if text:
                self.texts.append(text)

    def handle_data(self, data):
        if self.depth:
            self._buf.append(data)


def labels_of(html: str) -> list[str]:
    parser = Labels()
    parser.feed(html)
    return parser.texts


def english_word_left(text: str) -> bool:
    words = [w for w in LATIN_WORD.findall(text) if w not in SAME_IN_EVERY_LANGUAGE]
    return bool(words) and not CJK.search(text)


PAGES = [
    (model, kind)
    for model, model_admin in admin.site._registry.items()
    for kind in ("changelist", "add", "change")
]


@pytest.fixture
def superuser(db):
    return User.objects.create(username="labels_admin", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model,kind", PAGES, ids=[f"{m._meta.label}-{k}" for m, k in PAGES])
def test_admin_labels_are_in_the_readers_language(client, superuser, new_case, model, kind):
    # given the admin signed in, and a case (with its events, outbox rows, …) to open
    client.force_login(superuser)
    new_case()
    model_admin = admin.site._registry[model]
    args = ()
    if kind == "change":
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            pytest.skip(f"no {model._meta.label} in the test data")
        args = (obj.pk,)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{kind}", args=args)
    for language, wrong in (("en", CJK.search), ("zh-hans", english_word_left)):
        # when the page is read in that language
        response = client.get(url, headers={"accept-language": language})
        if kind == "add" and response.status_code == 403:
            assert not model_admin.has_add_permission(response.wsgi_request)
            continue
        assert response.status_code == 200, (url, response.status_code)
        # then no label is in the other language
        found = [t for t in labels_of(response.content.decode()) if wrong(t)]
        assert not found, f"{url} in {language}: {found}"
