"""The API's contract (config/api_contract.py): bounded numbers answer 422 naming the field (never 500),
every refusal has the one error schema, and the OpenAPI document lists every status a path answers."""

import pytest
from django.test import Client

HUGE = "9223372036854775808"

pytestmark = pytest.mark.django_db


def error_shaped(response, status, code=None, field=None):
    body = response.json()
    assert response.status_code == status, (response.status_code, body)
    assert {"code", "message_zh", "message_en"} <= set(body), body
    if code:
        assert body["code"] == code, body
    if field:
        assert body["field"] == field, body
    return body


@pytest.fixture
def staff(make_user):
    client = Client()
    client.force_login(make_user("root-api", is_staff=True, is_superuser=True))
    return client


def test_huge_offsets_are_refused_naming_the_field(staff, libraries):
    from campaigns.models import Campaign
    from events.models import Event

    campaign = Campaign.objects.create(slug="api-contract", title="t", lead_library=libraries["NLC"])
    event = Event.objects.create(campaign=campaign, slug="photo", kind="photo", title="照片")
    for path in ("/api/v1/campaigns/libraries", "/api/v1/campaigns/registrations",
                 f"/api/v1/submissions/events/{event.pk}/gallery"):
        body = error_shaped(staff.get(path, {"offset": HUGE}), 422, "invalid_input", "offset")
        assert "offset" in body["message_zh"] and "offset" in body["message_en"]
        error_shaped(staff.get(path, {"offset": "-1"}), 422, "invalid_input", "offset")
        error_shaped(staff.get(path, {"limit": "0"}), 422, "invalid_input", "limit")
        error_shaped(staff.get(path, {"limit": "abc"}), 422, "invalid_input", "limit")
        assert staff.get(path, {"offset": "100000", "limit": "200"}).status_code == 200
    error_shaped(staff.get("/api/v1/campaigns/libraries", {"limit": "1001"}), 422, "invalid_input", "limit")
    error_shaped(staff.get(f"/api/v1/submissions/events/{HUGE}/gallery"), 422, "invalid_input", "event_id")
    error_shaped(staff.get(f"/api/v1/events/quizzes/{event.pk}/leaderboard", {"limit": HUGE}), 422,
                 "invalid_input", "limit")
    error_shaped(staff.get(f"/api/v1/events/quizzes/{event.pk}/leaderboard", {"child_id": HUGE}), 422,
                 "invalid_input", "child_id")


def test_every_refusal_has_the_one_error_schema(staff):
    anonymous = Client()
    error_shaped(anonymous.get("/api/v1/campaigns/libraries"), 401, "login_required")
    error_shaped(anonymous.get("/api/v1/judging/assignments"), 401, "login_required")
    error_shaped(staff.get("/api/v1/submissions/events/999999/gallery"), 404, "not_found")
    error_shaped(staff.get("/api/v1/campaigns/no-such-campaign"), 404)
    error_shaped(staff.post("/api/v1/judging/assignments/1/play", "{}", content_type="application/json"), 422,
                 "invalid_input", "seconds")


def test_the_openapi_document_lists_every_status(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "ErrorOut" in str(schema["components"])
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) > 20
    for path, method, op in operations:
        statuses = set(op["responses"])
        assert {"400", "403", "404", "409", "413", "422"} <= statuses, (method, path, statuses)
        if op.get("security"):
            assert "401" in statuses, (method, path)
    offset = next(p for p in schema["paths"]["/api/v1/campaigns/libraries"]["get"]["parameters"]
                  if p["name"] == "offset")
    assert offset["schema"]["maximum"] == 100_000 and offset["schema"]["minimum"] == 0


def test_unreadable_bodies_are_refused_in_the_error_shape(staff, make_user, libraries):
    """Found by the fuzzing (tests/config/test_api_schemathesis.py): a multipart body without a boundary
    was an HTML 400, a campaign file with a control character a 500."""
    from campaigns.models import OrganizerRole, User

    browser = Client(enforce_csrf_checks=True)  # the CSRF check reads the form body first, as in production
    browser.force_login(User.objects.get(username="root-api"))
    browser.cookies["csrftoken"] = "a" * 32
    body = error_shaped(browser.post("/api/v1/builder/campaigns", b"x", content_type="multipart/form-data",
                                     HTTP_X_CSRFTOKEN="a" * 32), 400, "unreadable_body")
    assert "multipart" in body["message_en"]

    organizer = make_user("org-yaml", is_staff=True)
    OrganizerRole.objects.create(user=organizer, library=libraries["NLC"])
    client = Client()
    client.force_login(organizer)
    response = client.post("/api/v1/builder/campaigns/file", {"yaml": "title: a\x8d"}, content_type="application/json")
    assert 400 <= response.status_code < 500, response.status_code
    body = response.json()
    assert {"code", "message_zh", "message_en"} <= set(body)
    assert any("control character" in issue["message_en"] for issue in body["issues"]), body


def test_reports_answer_401_as_documented(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/reports/dashboard/", "/api/v1/reports/c/{slug}/"):
        assert "401" in schema["paths"][path]["get"]["responses"], path
    error_shaped(client.get("/api/v1/reports/dashboard/"), 401, "login_required")
