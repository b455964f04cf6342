"""Once a campaign has entries, structural edits are refused (with a clone suggestion) and nothing changes;
texts, schedule and communication may still change. clonecampaign copies the definition to a new draft."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from builder.campaign_file import CampaignFileError, campaign_clone, campaign_export, campaign_file_load
from campaigns.entry_counters import campaign_entry_count, register_entry_counter, unregister_entry_counter
from campaigns.models import AuditEvent, Campaign, Child, Library, User
from config.errors import UserFacingError
from events.models import Event
from tests.builder.campaign_file_helpers import MINIMAL, line_of, small_tree, snapshot  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_tree")]


@pytest.fixture
def entries_counted_by_registry():
    """A stand-in app that keeps its entries as audit rows and registers how to count them."""

    def count(campaign):
        return AuditEvent.objects.filter(campaign=campaign, action="test.entry_submitted").count()

    register_entry_counter("tests.audit_entries", count)
    yield lambda campaign: AuditEvent.objects.create(action="test.entry_submitted", campaign=campaign,
                                                     object_type="test.entry", object_id="1")
    unregister_entry_counter("tests.audit_entries")


def test_structural_edit_is_refused_once_entries_exist(entries_counted_by_registry):
    campaign = campaign_file_load(text=MINIMAL).campaign
    entries_counted_by_registry(campaign)
    assert campaign_entry_count(campaign) == 1
    before, exported = snapshot(campaign), campaign_export(slug="mini-2027")
    edited = MINIMAL.replace("max_seconds: 120", "max_seconds: 60").replace("max_age: 12", "max_age: 13")
    with pytest.raises(CampaignFileError) as caught:
        campaign_file_load(text=edited)
    found = {(i.path, i.line) for i in caught.value.issues}
    assert found == {("events[0].entries.limits.max_seconds", line_of(edited, "max_seconds: 60")),
                     ("age_groups[0].max_age", line_of(edited, "max_age: 13"))}
    issue = caught.value.issues[0]
    assert "clonecampaign mini-2027" in issue.message_en and "复制活动" in issue.message_zh
    assert snapshot(campaign) == before and campaign_export(slug="mini-2027") == exported


def test_texts_schedule_and_new_libraries_may_still_change(entries_counted_by_registry):
    campaign = campaign_file_load(text=MINIMAL).campaign
    entries_counted_by_registry(campaign)
    edited = (MINIMAL.replace("title: 小小诵读会", "title: 小小诵读会（延期）")
              .replace("ends: 2026-12-31 00:00", "ends: 2027-01-15 00:00")
              .replace("title: 古诗诵读", "title: 古诗词诵读")
              .replace("label: 儿童组（6–12 岁）", "label: 少儿组（6–12 岁）")
              .replace("codes: [NLC, P-HN]", "codes: [NLC, P-HN, P-HE]"))
    result = campaign_file_load(text=edited)
    campaign.refresh_from_db()
    assert campaign.title == "小小诵读会（延期）"
    assert campaign.stages.get(kind="entries_open").ends_at.isoformat() == "2027-01-14T16:00:00+00:00"
    assert Event.objects.get(campaign=campaign).title == "古诗词诵读"
    assert set(campaign.branches.values_list("library__code", flat=True)) == {"NLC", "P-HN", "P-HE"}
    assert "libraries +1" in result.changes


def test_libraries_cannot_leave_and_events_cannot_go_once_entries_exist(entries_counted_by_registry):
    campaign = campaign_file_load(text=MINIMAL).campaign
    entries_counted_by_registry(campaign)
    edited = MINIMAL.replace("codes: [NLC, P-HN]", "codes: [NLC]")
    edited = edited[: edited.index("events:")] + "events: []\n"
    with pytest.raises(CampaignFileError) as caught:
        campaign_file_load(text=edited)
    messages = {i.path: i.message_en for i in caught.value.issues}
    assert "participating libraries cannot leave (1: P-HN)" in messages["libraries"]
    assert "events" in messages
    assert Event.objects.filter(campaign=campaign).count() == 1
    assert campaign.branches.count() == 2


def test_without_entries_the_same_edit_is_applied(entries_counted_by_registry):
    campaign = campaign_file_load(text=MINIMAL).campaign
    result = campaign_file_load(text=MINIMAL.replace("max_seconds: 120", "max_seconds: 60"))
    assert result.changes == ["event recite"]
    assert Event.objects.get(campaign=campaign).settings["entries"]["limits"]["max_seconds"] == 60


def test_rows_of_another_app_pointing_at_an_event_count_as_entries():
    """No registration needed for a plain foreign key to events.Event (here the real submissions.Entry)."""
    Entry = apps.get_model("submissions", "Entry")
    campaign = campaign_file_load(text=MINIMAL).campaign
    assert campaign_entry_count(campaign) == 0
    guardian = User.objects.create_user(username="13800000009", phone="13800000009", password="x-Shuxiang-2027")
    library = Library.objects.get(code="P-HN")
    child = Child.objects.create(guardian=guardian, display_name="李小雨", nickname="小雨", birth_year=2018, library=library)
    Entry.objects.create(event=Event.objects.get(campaign=campaign), child=child, library=library, kind="audio")
    assert campaign_entry_count(campaign) == 1
    with pytest.raises(CampaignFileError, match="clonecampaign"):
        campaign_file_load(text=MINIMAL.replace("max_seconds: 120", "max_seconds: 90"))


def test_clone_copies_the_definition_into_a_new_draft(entries_counted_by_registry):
    source = campaign_file_load(text=MINIMAL).campaign
    entries_counted_by_registry(source)
    source_state = snapshot(source)
    copy = campaign_clone(slug="mini-2027", new_slug="mini-2027-v2").campaign
    assert copy.pk != source.pk and copy.title == "小小诵读会（副本）"
    assert list(copy.stages.values_list("kind", flat=True)) == ["draft"]
    assert copy.stages.get().ends_at is None
    assert set(copy.branches.values_list("library__code", flat=True)) == {"NLC", "P-HN"}
    assert not set(copy.branches.values_list("join_code", flat=True)) & set(source.branches.values_list("join_code", flat=True))
    original_event, copied_event = Event.objects.get(campaign=source), Event.objects.get(campaign=copy)
    assert copied_event.settings == original_event.settings and copied_event.kind == original_event.kind
    assert set(copied_event.poems.values_list("key", flat=True)) == {"jingyesi", "chunxiao"}
    assert list(copied_event.age_groups.values_list("key", "min_age", "max_age")) == [("kids", 6, 12)]
    assert snapshot(source) == source_state
    # The copy has no entries: the structural edit the source refused is accepted there.
    exported = campaign_export(slug="mini-2027-v2").replace("max_seconds: 120", "max_seconds: 60")
    campaign_file_load(text=exported)
    assert Event.objects.get(pk=copied_event.pk).settings["entries"]["limits"]["max_seconds"] == 60


def test_clone_refuses_a_used_slug_and_the_command_reports_it(capsys):
    campaign_file_load(text=MINIMAL)
    with pytest.raises(UserFacingError):
        campaign_clone(slug="mini-2027", new_slug="mini-2027")
    call_command("clonecampaign", "mini-2027", "mini-2028", "--title", "小小诵读会 2028")
    assert "mini-2028" in capsys.readouterr().out
    assert Campaign.objects.get(slug="mini-2028").title == "小小诵读会 2028"
    with pytest.raises(CommandError, match="已被使用"):
        call_command("clonecampaign", "mini-2027", "mini-2028")
    with pytest.raises(CommandError, match="No campaign"):
        call_command("clonecampaign", "nope", "nope-2")


def test_load_command_suggests_a_clone(entries_counted_by_registry, tmp_path, capsys):
    campaign = campaign_file_load(text=MINIMAL).campaign
    entries_counted_by_registry(campaign)
    path = tmp_path / "edited.yaml"
    path.write_text(MINIMAL.replace("media: [audio]", "media: [audio, video]"), encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("loadcampaign", str(path))
    err = capsys.readouterr().err
    assert "events[0].entries.media" in err and "manage.py clonecampaign mini-2027" in err
