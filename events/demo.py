"""Demo data of the quiz layer: the poetry question bank, attached to every quiz event of the
example campaigns, and a few finished attempts so the leaderboards show something.

Idempotent: the bank is re-imported by id (no duplicates), attempts are only made once."""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.models import AgeGroup, Campaign, CampaignLibrary, Child, Library, Stage, User

DEMO_BANK = settings.BASE_DIR / "events" / "demo_data" / "quiz_bank.xlsx"
DEFAULT_BANK = "poetry-2027"
FALLBACK_CAMPAIGN = "demo-quiz-2027"
FALLBACK_QUIZ = {
    "bank": DEFAULT_BANK, "questions": 10,
    "draw": [{"difficulty": 1, "count": 5}, {"difficulty": 2, "count": 4}, {"difficulty": 3, "count": 1}],
    "shuffle_options": True, "time_limit": {"per_question_seconds": 20},
    "attempts": {"per_day": 3, "per_campaign": 20},
    "scoring": {"formula": "time_bonus", "points": 100, "bonus_per_second": 30, "multiple_partial": "proportional"},
    "tie_break": ["score", "total_time", "finished_at"], "explanations": "after_each", "practice": True,
}
# Demo players: (username, nickname, library code, birth year).
PLAYERS = [
    ("13800000101", "书虫小乐", "C-HN-CS", 2016), ("13800000102", "诗词小达人", "P-HN", 2015),
    ("13800000103", "小月亮", "X-HN-CSX", 2018), ("13800000104", "读书郎", "P-HE", 2016),
    ("13800000105", "小荷", "C-HN-CS", 2017),
]


def _bank(slug: str, stdout):
    from events.bank_import import questions_import
    from events.models import QuestionBank

    bank = QuestionBank.objects.filter(slug=slug).first()
    if bank is None:
        bank = QuestionBank.objects.create(slug=slug, title="古诗词与阅读常识题库 Poetry & reading bank",
                                           owner=Library.objects.get(code="NLC"))
    if not bank.questions.exists():  # once: running the demo twice changes nothing
        questions_import(bank=bank, data=DEMO_BANK.read_bytes(), filename=DEMO_BANK.name)
    stdout.write(f"题库 {slug}: {bank.questions.count()} 道题")
    return bank


def _fallback_event():
    """Only when no campaign file defines a quiz: a small quiz campaign of our own."""
    from events.models import Event

    nlc = Library.objects.get(code="NLC")
    campaign, _ = Campaign.objects.get_or_create(slug=FALLBACK_CAMPAIGN, defaults={
        "title": "网络书香过大年 · 诗词答题", "title_en": "Spring Festival poetry quiz",
        "theme": "过大年，答诗题", "lead_library": nlc, "timezone": "Asia/Shanghai",
        "participation": {"all": True}})
    now = timezone.now()
    Stage.objects.get_or_create(campaign=campaign, kind="published",
                                defaults={"starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=365)})
    group, _ = AgeGroup.objects.get_or_create(campaign=campaign, key="kids",
                                              defaults={"label": "6–12 岁", "min_age": 6, "max_age": 12})
    for code in ["P-HN", "C-HN-CS", "X-HN-CSX", "P-HE"]:
        library = Library.objects.filter(code=code).first()
        if library:
            CampaignLibrary.objects.get_or_create(campaign=campaign, library=library)
    event, created = Event.objects.get_or_create(campaign=campaign, slug="poetry-quiz", defaults={
        "kind": "quiz", "title": "古诗词知识答题", "description": "10 道题，每题 20 秒，答得又对又快得分高。",
        "settings": {"quiz": FALLBACK_QUIZ}})
    if created:
        event.age_groups.add(group)
    return event


def _players():
    from config.demo_accounts import DEMO_PASSWORD

    children = list(Child.objects.filter(guardian__username="13800000001"))
    for username, nickname, code, year in PLAYERS:
        library = Library.objects.filter(code=code).first()
        if library is None:
            continue
        user, created = User.objects.get_or_create(username=username, defaults={"phone": username,
                                                                                "display_name": f"{nickname}家长"})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        child, _ = Child.objects.get_or_create(guardian=user, nickname=nickname, defaults={
            "display_name": nickname, "birth_year": year, "library": library})
        children.append(child)
    return children


def _play(event, child, rng: random.Random, stdout) -> None:
    """A finished attempt answered through the real services, on the server clock of a moment
    inside the quiz's window (so a quiz that opens in the future still shows a board)."""
    from config.errors import UserFacingError
    from events import services
    from events.models import OPTION_LETTERS, AttemptQuestion, QuizAttempt
    from events.sections import quiz_rules

    if QuizAttempt.objects.filter(event=event, child=child).exists():
        return
    rules = quiz_rules(event)
    skill = rng.uniform(0.5, 0.95)
    now = timezone.now() - timedelta(hours=rng.randint(26, 60))  # before today: demo families can still play today
    if rules.opens and now < rules.opens:
        now = rules.opens + timedelta(minutes=rng.randint(5, 600))
    if rules.closes and now >= rules.closes:
        now = rules.closes - timedelta(hours=rng.randint(2, 20))
    try:
        attempt = services.attempt_start(event=event, child=child, user=child.guardian, now=now)
        for aq in AttemptQuestion.objects.filter(attempt=attempt).select_related("question").order_by("position"):
            services.attempt_current_question(attempt=attempt, now=now)
            now += timedelta(seconds=rng.uniform(2, min(12, (rules.per_question_seconds or 30) - 1)))
            question = aq.question
            choice = question.answer if rng.random() < skill else rng.choice(list(question.options))
            shown = "".join(sorted(OPTION_LETTERS[aq.option_order.index(c)] for c in choice))
            services.attempt_answer(token=attempt.token, position=aq.position, choice=shown, now=now)
            now += timedelta(seconds=1)
        services.attempt_finish(attempt=attempt, now=now)
    except UserFacingError as exc:
        stdout.write(f"  {child.nickname}: {exc.message_en}")


def load(stdout) -> None:
    from events.models import Event
    from events.sections import event_settings

    with transaction.atomic():
        events = list(Event.objects.filter(kind=Event.Kind.QUIZ).select_related("campaign"))
        if not events:
            events = [_fallback_event()]
        banks = {}
        for event in events:
            quiz = event_settings(event).quiz
            if quiz is None:  # a quiz event without its rules: the demo's own
                event.settings = {**event.settings, "quiz": FALLBACK_QUIZ}
                event.save(update_fields=["settings"])
                quiz = event_settings(event).quiz
            if quiz.bank not in banks:
                banks[quiz.bank] = _bank(quiz.bank, stdout)
        children = _players()
    rng = random.Random(2027)
    for event in events:
        for child in children:
            _play(event, child, rng, stdout)
        stdout.write(f"答题 {event.campaign.slug}/{event.slug}: /events/quiz/{event.pk}/ · "
                     f"排行榜 /events/quiz/{event.pk}/leaderboard/")
