"""Every page names an icon that exists (browsers otherwise log a 404 for /favicon.ico on each visit)."""

import re

import pytest


@pytest.mark.django_db
def test_pages_link_an_existing_icon(client):
    page = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    response = client.get(icon)
    assert response.status_code == 200 and b"<svg" in b"".join(response.streaming_content)
