"""When every child is already registered, the registration page offers no submit button."""

import pytest

from campaigns import services
from tests.campaigns.family_helpers import make_campaign, this_year


@pytest.mark.django_db
def test_no_register_button_when_all_children_are_registered(client, make_user, libraries):
    guardian = make_user("13900000019", phone="13900000019")
    client.force_login(guardian)
    campaign = make_campaign(libraries, codes=["NLC", "P-HN", "C-HN-CS"])
    first, second = (services.child_create(guardian=guardian, display_name=f"李小{n}", nickname=f"小{n}",
                                           birth_year=this_year() - 8, library=libraries["C-HN-CS"],
                                           consents={"judging": True}) for n in "华明")
    url = f"/c/{campaign.slug}/register/"
    page = client.get(url).content.decode()
    assert page.count('name="child"') == 2 and page.count(" required>") == 2 and "确认报名" in page
    client.post(url, {"child": first.pk})
    page = client.get(url).content.decode()
    assert page.count('name="child"') == 1 and "确认报名" in page  # the second radio is now the required one
    client.post(url, {"child": second.pk})
    page = client.get(url).content.decode()
    assert 'name="child"' not in page and "确认报名" not in page and "孩子们都已报名" in page
