"""The admin's inputs have names (campaigns/admin_labels.py): every input of a tabular inline row (Django
names them only in the column header), its delete box, and both halves of a split date and time."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _named(page: str, name: str) -> bool:
    """Does the control whose name is `name` have an aria-label, or a <label for> its id?"""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no control named {name}"
    if "aria-label=" in tag.group(0):
        return True
    control_id = re.search(r'id="([^"]+)"', tag.group(0))
    return bool(control_id) and f'for="{control_id.group(1)}"' in page


def test_a_campaign_page_names_its_stage_rows_and_split_dates(organizer):
    from campaigns.models import Campaign, Library, Stage

    nlc = Library.objects.create(code="NLC", name="国家图书馆", level="national", path="/NLC/")
    campaign = Campaign.objects.create(slug="spring", title="网络书香过大年", lead_library=nlc)
    Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=timezone.now() - timedelta(days=1))
    client = Client()
    client.force_login(organizer(nlc))
    page = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    row = sorted(set(re.findall(r'name="(stages-0-[a-z_]+(?:_[01])?)"', page)) - {"stages-0-id", "stages-0-campaign"})
    assert "stages-0-starts_at_0" in row and "stages-0-starts_at_1" in row and "stages-0-kind" in row, row
    unnamed = [name for name in row if not _named(page, name)]
    assert not unnamed, unnamed
    assert 'aria-label="删除 Delete"' in page or "stages-0-DELETE" not in page
    assert "css/admin.css" in page  # the breadcrumb links are underlined (templates/admin/base_site.html)
