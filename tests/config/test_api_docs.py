"""The API docs page works without the internet: Swagger UI comes from our own static files."""

import pytest


@pytest.mark.django_db
def test_api_docs_use_local_static_files(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn.jsdelivr.net" not in page and "django-ninja.dev" not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert '<html lang="en">' in page  # axe-core: html-has-lang
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/openapi.json").json()["info"]["title"].startswith("书香")
