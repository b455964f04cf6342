"""The branch QR code answers HEAD as well as GET (link checkers and chat link previews send HEAD)."""

import pytest

from tests.campaigns.family_helpers import make_campaign


@pytest.mark.django_db
def test_branch_qr_answers_head(client, libraries):
    campaign = make_campaign(libraries, codes=["NLC", "P-HN", "C-HN-CS"])
    url = f"/c/{campaign.slug}/lib/C-HN-CS/qr.svg"
    head = client.head(url)
    assert head.status_code == 200 and head["Content-Type"] == "image/svg+xml"
    assert client.post(url).status_code == 405
