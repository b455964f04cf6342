"""The builder and the campaign file agree: the examples open in the builder and save back unchanged, and a
campaign made in the builder exports to a file that loads (fresh) and uploads to the same campaign."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from builder import file_port
from builder.file_port import poems_import
from builder.steps import STEPS
from campaigns.models import Campaign
from tests.builder.conftest import organizer
from tests.builder.forms import as_data, post_forms

pytestmark = pytest.mark.django_db
EXAMPLES = ["wangluo-shuxiang-2027", "tongyin-2027"]
FORM_STEPS = [s.key for s in STEPS if s.key not in ("review", "publish")]


def submit_first_form(client, url: str):
    page = client.get(url)
    assert page.status_code == 200, url
    form = post_forms(page.content.decode())[0]
    data = as_data(form["fields"])
    data.setdefault("go", [url.rstrip("/").split("/")[-1]])
    response = client.post(url, data)
    import re
    assert response.status_code == 302, (url, re.findall(r"<li><a [^>]*><code>.*?</li>|message error.*?</p>",
                                                         response.content.decode()))
    return data


def opened_in_forms(step: str, posted: dict, data: dict) -> None:
    """The judging, awards and WeChat steps show the example's sections in their fields (not as text)."""
    if step == "judging":
        for i, round_ in enumerate(data["judging"]["rounds"]):
            assert posted[f"rounds-{i}-key"] == [round_["key"]] and posted[f"rounds-{i}-scope"] == [round_["scope"]]
            for j, criterion in enumerate(round_.get("rubric") or []):
                assert posted[f"rounds-{i}-rubric-{j}-weight"] == [str(criterion["weight"])]
        assert posted["scoring-formula"] == [data["scoring"]["formula"]]
    elif step == "awards":
        assert [posted[f"awards-{i}-title"][0] for i in range(len(data["awards"]))] == [a["title"] for a in data["awards"]]
    elif step == "wechat":
        assert [posted[f"keywords-{i}-word"][0] for i in range(len(data["wechat"]["keywords"]))] == \
            list(data["wechat"]["keywords"])
        for i, push in enumerate(data["pushes"]):
            assert posted[f"pushes-{i}-key"] == [push["key"]]
            assert posted[f"pushes-{i}-articles-0-title"] == [push["articles"][0]["title"]]


@pytest.mark.parametrize("slug", EXAMPLES)
def test_example_opens_in_the_builder_and_saves_back_unchanged(client, tree, slug):
    poems_import()
    text = (settings.BASE_DIR / "builder" / "examples" / f"{slug}.yaml").read_text(encoding="utf-8")
    file_port.load_text(text)
    campaign = Campaign.objects.get(slug=slug)
    before = file_port.export_text(campaign)
    client.force_login(organizer("org-nlc", tree["NLC"]))
    data = file_port.export_dict(campaign)
    for step in FORM_STEPS:
        opened_in_forms(step, submit_first_form(client, f"/builder/c/{slug}/{step}/"), data)
    for index in range(len(file_port.export_dict(campaign)["events"])):
        submit_first_form(client, f"/builder/c/{slug}/events/{index}/")
    assert file_port.export_text(campaign) == before
    for step in ("review", "publish"):
        assert client.get(f"/builder/c/{slug}/{step}/").status_code == 200


def test_builder_made_campaign_exports_loads_fresh_and_uploads_the_same(hn_client, tree, bank):
    hn_client.post("/builder/new/", {"template": "blank", "slug": "hn-summer-2028", "title": "2028 湖南暑期阅读答题",
                                     "lead": "P-HN"})
    draft = Campaign.objects.get().stages.get().starts_at
    hn_client.post("/builder/c/hn-summer-2028/schedule/", {
        "starts_draft": draft.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M"),
        "starts_published": "2028-06-01T09:00", "ends_published": "2028-09-01T00:00",
        "starts_archived": "2028-09-01T00:00", "go": "schedule"})
    hn_client.post("/builder/c/hn-summer-2028/events/", {"action": "add", "kind": "quiz", "title": "暑期答题", "slug": "q"})
    hn_client.post("/builder/c/hn-summer-2028/events/0/", {
        "title": "暑期答题", "bank": "hn-summer", "questions": "10", "draw_rows": "0", "per_question_seconds": "20",
        "formula": "time_bonus", "opens": "2028-07-01T00:00", "closes": "2028-08-01T00:00"})
    hn_client.post("/builder/c/hn-summer-2028/publish/")

    out = io.StringIO()
    call_command("exportcampaign", "hn-summer-2028", stdout=out)
    exported = out.getvalue()
    assert "bank: hn-summer" in exported and "subtrees: [P-HN]" in exported
    campaign = Campaign.objects.get()
    branches = campaign.branches.count()
    campaign.delete()  # a database without it

    path = settings.MEDIA_ROOT / "hn.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(exported, encoding="utf-8")
    call_command("loadcampaign", str(path), stdout=io.StringIO())
    again = io.StringIO()
    call_command("exportcampaign", "hn-summer-2028", stdout=again)
    assert again.getvalue() == exported
    assert Campaign.objects.get().branches.count() == branches > 10

    Campaign.objects.all().delete()
    response = hn_client.post("/builder/upload/", {"file": SimpleUploadedFile("hn.yaml", exported.encode())})
    assert response.status_code == 302
    assert file_port.export_text(Campaign.objects.get()) == exported
