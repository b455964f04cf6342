"""config/nul_guard.py: a NUL in the address or a cookie never reaches the database. On PostgreSQL each
of these was a 500 (DataError: text cannot contain NUL); on SQLite they passed through quietly."""

import pytest

from tests.campaigns.family_helpers import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(libraries):
    return make_campaign(libraries)


@pytest.mark.parametrize("path", ["/c/tongyin-test/lib/%00/", "/c/tongyin-test/?province=%00", "/c/tongyin-test/?a%00=1",
                                  "/events/quiz/1/?x=%00", "/api/v1/judging/certificates/AB%00CD"])
def test_an_address_with_nul_gets_a_bilingual_400(client, campaign, path):
    response = client.get(path)
    assert response.status_code == 400
    body = response.content.decode()
    assert "无效字符" in body and "invalid character" in body
    if path.startswith("/api/"):
        assert response.json()["code"] == "bad_characters"


def test_a_cookie_with_nul_is_dropped_not_a_500(client, campaign):
    client.cookies["sessionid"] = "abcdefgh\x00ij"  # what Python's cookie parser makes of "abcdefgh\000ij"
    assert client.get("/").status_code == 200
    assert client.get("/c/tongyin-test/").status_code == 200


def test_ordinary_addresses_pass(client, campaign):
    assert client.get("/c/tongyin-test/?province=湖南").status_code == 200
    assert client.get("/c/tongyin-test/lib/NO-SUCH/").status_code == 404
