"""A role files only through its own channels (issue 15): a resident cannot name `import` and skip the
place rule, nor pass a request off as a hotline call."""

import pytest

from .conftest import BODY, call

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("channel", ["import", "hotline", "patrol", "sensor"])
def test_a_resident_cannot_file_through_a_channel_that_is_not_theirs(client, tokens, channel):
    # given: a complaint without any place, which only a historical import may be
    body = {k: v for k, v in BODY.items() if k not in ("lon", "lat")} | {"channel": channel}
    # when a resident files it
    response = call(client, "post", "/cases", tokens["resident"], body)
    # then: refused, naming the channel, and nothing is filed
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error" and "channel" in response.json()["fields"]


def test_each_role_still_files_through_its_own(client, tokens):
    assert call(client, "post", "/cases", tokens["resident"], {**BODY, "channel": "web"}).status_code == 201
    assert (
        call(client, "post", "/cases", tokens["operator"], {**BODY, "channel": "hotline"}).status_code == 201
    )
    body = {k: v for k, v in BODY.items() if k not in ("lon", "lat")} | {"channel": "import"}
    assert call(client, "post", "/cases", tokens["operator"], body).status_code == 201
