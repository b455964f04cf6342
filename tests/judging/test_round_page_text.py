"""The round page states the advance rule in words, not as a Python dict."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("advance, text", [({"top_percent": 20}, "前 20%"), ({"top": 5}, "前 5 名"), ({}, "不设")])
def test_advance_rule_in_words(world, organizer, advance, text):
    round_ = world["round"]
    round_.advance = advance
    round_.save(update_fields=["advance"])
    c = Client()
    c.force_login(organizer(world["libraries"]["NLC"]))
    page = c.get(f"/judging/rounds/{round_.id}/").content.decode()
    assert text in page and "{'top" not in page and "{}" not in page
