"""docs/campaign-file.md documents every field of the CampaignFile model, and its examples are valid."""

import re

import pytest
from django.conf import settings

from builder.campaign_file import CampaignFile, campaign_file_validate
from campaigns.typed import field_paths
from tests.builder.campaign_file_helpers import small_tree  # noqa: F401 (fixture)

DOC = (settings.BASE_DIR / "docs" / "campaign-file.md").read_text(encoding="utf-8")


def test_every_field_has_a_row_in_the_reference():
    documented = set(re.findall(r"^\| `([^`]+)` \|", DOC, flags=re.MULTILINE))
    missing = [path for path in field_paths(CampaignFile) if path not in documented]
    assert not missing, f"fields missing from docs/campaign-file.md: {missing}"
    assert len(documented & set(field_paths(CampaignFile))) > 100


def test_the_three_commands_are_documented():
    for command in ("loadcampaign FILE", "exportcampaign SLUG", "clonecampaign SLUG NEW_SLUG"):
        assert command in DOC


@pytest.mark.django_db
@pytest.mark.usefixtures("small_tree")
def test_the_small_complete_file_of_the_docs_is_valid():
    example = DOC.split("## A small complete file", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    valid = campaign_file_validate(text=example)
    assert valid.data["slug"] == "mini-2027"
