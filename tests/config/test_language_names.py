"""The language switch names each language in itself ("English", not "英语"), so a reader who
cannot read the current language can still find theirs."""

import re

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["zh-CN", "en"])
def test_language_names_are_in_their_own_language(client, accept):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    options = dict(re.findall(r'<option value="(zh-hans|en)"[^>]*>([^<]+)</option>', page))
    assert options == {"zh-hans": "简体中文", "en": "English"}
