"""The public participant counter counts every child taking part once: registered, with a
received entry, or with a finished quiz paper — the same people the reports count."""

from django.utils import timezone

from campaigns.models import Campaign, CampaignLibrary, Child, Registration
from campaigns.selectors import campaign_participant_count
from events.models import Event, QuizAttempt, QuizResult
from submissions.models import Entry


def _quiz_result(event, child):
    now = timezone.now()
    attempt = QuizAttempt.objects.create(event=event, child=child, library=child.library, token=f"t{child.pk}",
                                         local_date=now.date(), started_at=now, deadline=now, question_count=5,
                                         status="finished", score=300, total_time_ms=60000, finished_at=now,
                                         answered_count=5)
    QuizResult.objects.create(event=event, child=child, library=child.library, best_attempt=attempt, score=300,
                              total_time_ms=60000, finished_at=now, completed=True)


def test_counter_unites_registrations_entries_and_quiz_results(libraries, make_user, client):
    lib = libraries["C-HN-CS"]
    campaign = Campaign.objects.create(slug="count-me", title="数人头", lead_library=libraries["NLC"])
    CampaignLibrary.objects.create(campaign=campaign, library=lib)
    quiz = Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="答题")
    recite = Event.objects.create(campaign=campaign, slug="recite", kind="recitation", title="诵读")
    other = Campaign.objects.create(slug="elsewhere", title="别处", lead_library=libraries["NLC"])
    other_quiz = Event.objects.create(campaign=other, slug="quiz", kind="quiz", title="答题")
    guardian = make_user("g", phone="13900000001")
    kids = [Child.objects.create(guardian=guardian, display_name=f"孩子{i}", nickname=f"小{i}", birth_year=2017,
                                 library=lib) for i in range(6)]

    Registration.objects.create(campaign=campaign, child=kids[0], library=lib)
    _quiz_result(quiz, kids[0])  # registered and quizzed: counted once
    Entry.objects.create(event=recite, child=kids[1], library=lib, kind="audio", status="ready")
    Entry.objects.create(event=recite, child=kids[2], library=lib, kind="audio", status="rejected")  # refused file
    _quiz_result(quiz, kids[3])
    _quiz_result(other_quiz, kids[4])  # another campaign

    assert campaign_participant_count(campaign.pk) == 3
    assert campaign_participant_count(other.pk) == 1
    page = client.get(f"/c/{campaign.slug}/")
    assert page.status_code == 200
    assert page.context["participants"] == 3
