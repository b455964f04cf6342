"""The builder's API: the same operations as the pages, for scripts; listed in the OpenAPI document."""

import json

import pytest

from campaigns.models import AuditEvent, Campaign
from tests.builder.conftest import organizer

pytestmark = pytest.mark.django_db


def post(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_openapi_lists_the_builder_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/builder/campaigns", "/api/v1/builder/campaigns/{slug}/file",
            "/api/v1/builder/campaigns/{slug}/publish", "/api/v1/builder/campaigns/{slug}/clone"} <= set(paths)


def test_script_creates_reads_replaces_checks_and_publishes(hn_client, tree):
    created = post(hn_client, "/api/v1/builder/campaigns",
                   {"slug": "hn-api-2028", "title": "接口创建的活动", "lead_library": "P-HN"})
    assert created.status_code == 201 and created.json()["status"] == "draft"
    text = hn_client.get("/api/v1/builder/campaigns/hn-api-2028/file").json()["yaml"]
    assert "subtrees: [P-HN]" in text

    bad = post(hn_client, "/api/v1/builder/campaigns/hn-api-2028/file",
               {"yaml": text.replace("subtrees: [P-HN]", "subtrees: [P-HE]")}, method="put")
    assert bad.status_code == 400
    assert bad.json()["issues"][0]["path"] == "libraries" and "管理范围" in bad.json()["issues"][0]["message_zh"]

    problems = hn_client.get("/api/v1/builder/campaigns/hn-api-2028/check").json()["issues"]
    assert {"stages", "events"} <= {p["path"] for p in problems}
    refused = post(hn_client, "/api/v1/builder/campaigns/hn-api-2028/publish", {})
    assert refused.status_code == 400 and refused.json()["code"] == "publish_without_schedule"

    scheduled = text.replace("stages:\n", "stages:\n  - kind: published\n    starts: 2028-06-01 09:00\n", 1)
    assert post(hn_client, "/api/v1/builder/campaigns/hn-api-2028/file", {"yaml": scheduled}, method="put").status_code == 200
    published = post(hn_client, "/api/v1/builder/campaigns/hn-api-2028/publish", {})
    assert published.status_code == 200 and published.json()["status"] == "scheduled"
    actions = list(AuditEvent.objects.filter(campaign__slug="hn-api-2028").values_list("action", flat=True))
    assert actions.count("builder.saved") == 2 and "builder.uploaded" in actions


def test_other_provinces_and_visitors_are_refused(hn_client, tree):
    from django.test import Client

    post(hn_client, "/api/v1/builder/campaigns", {"slug": "hn-api-2028", "title": "湖南", "lead_library": "P-HN"})
    assert Client().get("/api/v1/builder/campaigns").status_code == 401
    client = Client()
    client.force_login(organizer("org-he", tree["P-HE"]))
    assert client.get("/api/v1/builder/campaigns/hn-api-2028/file").status_code == 403
    led_elsewhere = post(client, "/api/v1/builder/campaigns", {"slug": "x", "title": "x", "lead_library": "P-HN"})
    assert led_elsewhere.status_code == 403 and led_elsewhere.json()["code"] == "lead_outside_scope"
    assert client.get("/api/v1/builder/campaigns").json() == []
    assert Campaign.objects.count() == 1
