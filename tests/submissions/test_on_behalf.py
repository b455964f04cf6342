"""Staff acting for a family (submissions.services.entry_submit): only as an explicit act with a reason,
audited, the family notified, and never replacing the entry the family sent."""

import pytest
from django.test import Client

from campaigns.models import AuditEvent, Notice
from submissions.models import Entry

pytestmark = pytest.mark.django_db

ESSAY = "春天来了，图书馆门前的柳树发芽了。" * 3


def essay(client, events, child, **extra):
    return client.post("/api/v1/submissions/entries", {"event": events["essay"].pk, "child": child.pk,
                                                        "text": ESSAY, **extra})


def test_an_organizer_cannot_submit_for_a_family_without_saying_so(contest, family, organizer, tree):
    _, events = contest
    staff = Client()
    staff.force_login(organizer(tree["C-HN-CS"]))
    response = essay(staff, events, family[1])
    assert response.status_code == 403 and response.json()["code"] == "on_behalf_reason_required"
    assert not Entry.objects.exists()


def test_an_explicit_submission_is_audited_and_the_family_told(contest, family, organizer, tree,
                                                               django_capture_on_commit_callbacks):
    _, events = contest
    guardian, child = family
    user = organizer(tree["C-HN-CS"])
    staff = Client()
    staff.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = essay(staff, events, child, on_behalf_reason="家长委托图书馆代交纸质作文的录入稿")
    assert response.status_code == 201, response.content
    entry = Entry.objects.get(pk=response.json()["id"])
    assert entry.submitted_by == user and entry.child == child
    audit = AuditEvent.objects.get(action="entry.submitted_on_behalf", object_id=str(entry.pk))
    assert audit.actor == user and audit.data["reason"].startswith("家长委托") and audit.data["guardian"] == guardian.pk
    notice = Notice.objects.get(user=guardian)
    assert "代" in notice.title and "on your behalf" in notice.body and "长沙图书馆" in notice.body
    # An organizer of another province is still refused outright.
    other = Client()
    other.force_login(organizer(tree["P-HE"]))
    assert essay(other, events, child, on_behalf_reason="x").status_code == 403


def test_it_never_replaces_what_the_family_sent(contest, family, organizer, tree, guardian_client):
    _, events = contest
    guardian, child = family
    mine = essay(guardian_client, events, child)
    assert mine.status_code == 201
    staff = Client()
    staff.force_login(organizer(tree["C-HN-CS"]))
    response = essay(staff, events, child, on_behalf_reason="想替换成更好的版本")
    assert response.status_code == 409 and response.json()["code"] == "family_entry_exists"
    assert response.json()["entry"] == mine.json()["id"]
    family_entry = Entry.objects.get(pk=mine.json()["id"])
    assert family_entry.status not in Entry.NOT_LIVE and Entry.objects.count() == 1
    # The family itself may still replace its own entry, as before.
    again = essay(guardian_client, events, child, text=ESSAY + "（修改稿）")
    assert again.status_code == 201
    family_entry.refresh_from_db()
    assert family_entry.status == Entry.Status.REPLACED
