"""Writes of the quiz layer: banks, attempts (draw, show, answer, finish) and results.

The server draws, times and scores. A question's clock starts when the server hands it out
(`shown_at`) and stops when its answer is received; the client's clock is never trusted."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import CampaignLibrary, Child, Registration, User
from config.errors import UserFacingError
from events.models import (
    OPTION_LETTERS,
    AttemptQuestion,
    Event,
    Question,
    QuestionBank,
    QuizAnswer,
    QuizAttempt,
    QuizResult,
)
from events.scoring import credit, points_for
from events.sections import GRACE_SECONDS, Quiz, quiz_rules

_random = random.SystemRandom()


def _err(code: str, zh: str, en: str, status: int = 400) -> UserFacingError:
    return UserFacingError(code, zh, en, status=status)


# --- banks ------------------------------------------------------------------------------------

def bank_usable_by(bank: QuestionBank, library) -> bool:
    """A bank is shared down the tree: usable by its owner library and every library below it."""
    return library.path.startswith(bank.owner.path)


def quiz_bank(event: Event, settings: Quiz) -> QuestionBank:
    bank = QuestionBank.objects.select_related("owner").filter(slug=settings.bank).first()
    if bank is None:
        raise _err("quiz_no_bank", f"题库“{settings.bank}”不存在", f"Question bank {settings.bank!r} does not exist", 409)
    if not bank_usable_by(bank, event.campaign.lead_library):
        raise _err("quiz_bank_not_shared", f"题库“{bank.title}”不属于本活动主办馆所在的图书馆体系",
                   f"Bank {bank.slug!r} is not shared with the campaign's lead library", 409)
    return bank


# --- the draw ---------------------------------------------------------------------------------

def draw_questions(*, candidates: list[tuple[int, int, list[str]]], settings: Quiz,
                   rng: random.Random = _random) -> list[int]:
    """Pick question ids: first each quota (difficulty or tag) in order, then fill up at random.

    `candidates` are (id, difficulty, tags). Refuses when the bank cannot satisfy the quotas."""
    chosen: list[int] = []
    taken: set[int] = set()
    for quota in settings.draw:
        pool = [qid for qid, difficulty, tags in candidates if qid not in taken
                and (quota.difficulty is None or difficulty == quota.difficulty)
                and (quota.tag is None or quota.tag in tags)]
        if len(pool) < quota.count:
            what = f"难度 {quota.difficulty}" if quota.difficulty is not None else f"标签“{quota.tag}”"
            raise _err("quiz_bank_too_small", f"题库中{what}的题目不足 {quota.count} 道",
                       f"The bank has fewer than {quota.count} questions for quota {quota}", 409)
        picked = rng.sample(pool, quota.count)
        chosen += picked
        taken.update(picked)
    remaining = settings.questions - len(chosen)
    if remaining > 0:
        pool = [qid for qid, _, _ in candidates if qid not in taken]
        if len(pool) < remaining:
            raise _err("quiz_bank_too_small", f"题库题目不足 {settings.questions} 道",
                       f"The bank has fewer than {settings.questions} questions", 409)
        chosen += rng.sample(pool, remaining)
    chosen = chosen[: max(settings.questions, len(chosen))]
    rng.shuffle(chosen)
    return chosen


def option_order(question_options: dict[str, str], shuffle: bool, kind: str,
                 rng: random.Random = _random) -> list[str]:
    letters = list(question_options)
    if shuffle and kind != "truefalse":  # 正确/错误 keep their order
        rng.shuffle(letters)
    return letters


# --- eligibility ------------------------------------------------------------------------------

def campaign_now(campaign, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(campaign.timezone or "Asia/Shanghai"))


def child_library(child: Child, campaign):
    registration = Registration.objects.filter(campaign=campaign, child=child).select_related("library").first()
    return registration.library if registration else child.library


def entries_stage_start(campaign) -> datetime | None:
    """When the campaign's entries stage starts (None when the campaign has no such stage)."""
    starts = [stage.starts_at for stage in campaign.stages.all() if stage.kind == "entries_open"]
    return starts[0] if starts else None


def quiz_opens_at(event: Event, now: datetime | None = None) -> datetime | None:
    """When the campaign's entries stage opens, if it has not yet (the quiz page offers no start
    before then); a later `opens` of the quiz itself is said by the service when a child starts."""
    now = now or timezone.now()
    start = entries_stage_start(event.campaign)
    return start if start and start > now else None


def check_eligible(*, event: Event, child: Child, settings: Quiz, now: datetime, practice: bool) -> None:
    campaign = event.campaign
    open_kinds = {stage.kind for stage in campaign.stages.all() if stage.is_open(now)}
    if open_kinds & {"draft", "archived"}:
        raise _err("quiz_closed", "答题活动尚未开始或已经结束", "The quiz is not open", 403)
    entries = entries_stage_start(campaign)
    if entries is not None and now < entries:
        # A quiz is part of taking part: it never opens before the campaign's entries stage.
        raise _err("quiz_not_open_yet", f"答题将于 {campaign_now(campaign, entries):%Y-%m-%d %H:%M} 开始",
                   f"The quiz opens on {campaign_now(campaign, entries):%Y-%m-%d %H:%M}", 403)
    if not practice:
        if settings.opens and now < settings.opens:
            raise _err("quiz_not_open_yet", f"答题将于 {campaign_now(campaign, settings.opens):%Y-%m-%d %H:%M} 开始",
                       "The quiz has not opened yet", 403)
        if settings.closes and now >= settings.closes:
            raise _err("quiz_closed", "答题已经结束", "The quiz has closed", 403)
    groups = list(event.age_groups.all())
    if groups:
        age = child.age_in(campaign_now(campaign, now).year)
        if not any(group.admits(age) for group in groups):
            labels = "、".join(g.label for g in groups)
            raise _err("quiz_age_not_eligible", f"本答题面向 {labels}，{child.nickname} 今年 {age} 岁，不在参赛年龄范围内",
                       f"This quiz is for {labels}; the child's age {age} is outside", 403)
    if settings.members_only and CampaignLibrary.objects.filter(campaign=campaign).exists():
        library = child_library(child, campaign)
        if not CampaignLibrary.objects.filter(campaign=campaign, library=library).exists():
            raise _err("quiz_members_only", f"本答题仅限参与馆的读者，{library.name} 未参加本次活动",
                       f"Only members of participating libraries may take this quiz; {library.code} is not one", 403)


# --- attempts ---------------------------------------------------------------------------------

def _local_date(campaign, at: datetime):
    return campaign_now(campaign, at).date()


def attempt_close_if_expired(*, attempt: QuizAttempt, now: datetime | None = None) -> QuizAttempt:
    """Lazily close an open attempt whose deadline has passed (the scheduled sweep does the rest)."""
    now = now or timezone.now()
    if attempt.status == QuizAttempt.Status.OPEN and now >= attempt.deadline:
        return attempt_finish(attempt=attempt, now=now)
    return attempt


def attempt_start(*, event: Event, child: Child, user: User, practice: bool = False, elder: bool = False,
                  now: datetime | None = None) -> QuizAttempt:
    """Start (or resume) a child's attempt of the kind asked for. An open attempt of that kind is
    resumed (no re-draws); practice and scored papers never stand in for each other."""
    now = now or timezone.now()
    if event.kind != Event.Kind.QUIZ:
        raise _err("not_a_quiz", "这个活动项目不是答题", "This event is not a quiz", 404)
    if child.guardian_id != user.pk:
        raise _err("not_your_child", "只能为自己的孩子答题", "You can only start quizzes for your own children", 403)
    for stale in QuizAttempt.objects.filter(event=event, child=child, practice=practice,
                                            status=QuizAttempt.Status.OPEN):
        stale = attempt_close_if_expired(attempt=stale, now=now)
        if stale.status == QuizAttempt.Status.OPEN:
            return stale
    settings = quiz_rules(event)
    if practice and not settings.practice:
        raise _err("quiz_practice_off", "本答题未开放练习模式", "Practice mode is not enabled for this quiz", 403)
    check_eligible(event=event, child=child, settings=settings, now=now, practice=practice)
    campaign = event.campaign
    today = _local_date(campaign, now)
    if not practice:
        scored = QuizAttempt.objects.filter(event=event, child=child, practice=False)
        if settings.attempts_per_day and scored.filter(local_date=today).count() >= settings.attempts_per_day:
            raise _err("quiz_daily_limit", f"今天的 {settings.attempts_per_day} 次答题机会已用完，明天再来吧",
                       f"All {settings.attempts_per_day} attempt(s) for today are used; come back tomorrow", 429)
        if settings.attempts_per_campaign and scored.count() >= settings.attempts_per_campaign:
            raise _err("quiz_campaign_limit", f"本次活动的 {settings.attempts_per_campaign} 次答题机会已全部用完",
                       f"All {settings.attempts_per_campaign} attempt(s) for this campaign are used", 429)
    bank = quiz_bank(event, settings)
    candidates = [(qid, difficulty, tags or []) for qid, difficulty, tags in
                  Question.objects.filter(bank=bank).values_list("id", "difficulty", "tags")]
    ids = draw_questions(candidates=candidates, settings=settings)
    questions = Question.objects.in_bulk(ids)
    try:
        with transaction.atomic():
            attempt = QuizAttempt.objects.create(
                event=event, child=child, library=child_library(child, campaign), token=secrets.token_urlsafe(18),
                practice=practice, elder=elder, local_date=today, started_at=now,
                deadline=now + timedelta(seconds=settings.attempt_seconds(elder)), question_count=len(ids),
            )
            AttemptQuestion.objects.bulk_create([
                AttemptQuestion(attempt=attempt, position=position, question_id=qid,
                                option_order=option_order(questions[qid].options, settings.shuffle_options,
                                                          questions[qid].kind))
                for position, qid in enumerate(ids, start=1)
            ])
    except IntegrityError:
        # Two tabs pressed "start" at once: the unique open-attempt constraint let one through.
        existing = QuizAttempt.objects.filter(event=event, child=child, practice=practice,
                                              status=QuizAttempt.Status.OPEN).first()
        if existing is None:
            raise
        return existing
    return attempt


def attempt_lean(token: str) -> QuizAttempt:
    """The attempt without its relations: what the question endpoint needs, in one narrow query."""
    attempt = (QuizAttempt.objects.filter(token=token)
               .only("id", "event_id", "child_id", "library_id", "token", "status", "practice", "elder", "deadline",
                     "started_at", "question_count").first())
    if attempt is None:
        raise _err("attempt_not_found", "找不到这次答题", "Attempt not found", 404)
    return attempt


def attempt_for_token(token: str) -> QuizAttempt:
    attempt = (QuizAttempt.objects.select_related("event__campaign", "child", "library")
               .filter(token=token).first())
    if attempt is None:
        raise _err("attempt_not_found", "找不到这次答题", "Attempt not found", 404)
    return attempt


def _question_expired(aq: AttemptQuestion, settings: Quiz, now: datetime, elder: bool = False) -> bool:
    limit = settings.question_limit(elder)
    if aq.shown_at is None or not limit:
        return False
    return now > aq.shown_at + timedelta(seconds=limit + GRACE_SECONDS)


def attempt_current_question(*, attempt: QuizAttempt, now: datetime | None = None,
                             settings: Quiz | None = None) -> AttemptQuestion | None:
    """The question the child must answer now, started on the server clock when first handed out.
    A shown question whose time ran out is skipped (scored as unanswered). None when done."""
    now = now or timezone.now()
    attempt = attempt_close_if_expired(attempt=attempt, now=now)
    if not attempt.is_open:
        return None
    settings = settings or event_quiz_settings(attempt.event_id)
    pending = (AttemptQuestion.objects.filter(attempt=attempt, answer__isnull=True)
               .select_related("question").order_by("position"))
    for aq in pending:
        if _question_expired(aq, settings, now, attempt.elder):
            continue
        if aq.shown_at is None:
            # Conditional update: two tabs fetching at once start the clock once.
            started = AttemptQuestion.objects.filter(pk=aq.pk, shown_at__isnull=True).update(shown_at=now)
            if started:
                aq.shown_at = now
            else:
                aq.refresh_from_db(fields=["shown_at"])
        return aq
    attempt_finish(attempt=attempt, now=now)
    return None


def question_seconds_left(*, aq: AttemptQuestion, attempt: QuizAttempt, now: datetime,
                          settings: Quiz | None = None) -> float:
    """Seconds the child has left for `aq`; pass the quiz `settings` when already read in this request."""
    settings = settings or event_quiz_settings(attempt.event_id)
    left = (attempt.deadline - now).total_seconds()
    limit = settings.question_limit(attempt.elder)
    if limit and aq.shown_at:
        left = min(left, limit - (now - aq.shown_at).total_seconds())
    return max(0.0, left)


def event_quiz_settings(event_id: int) -> Quiz:
    """The event's quiz settings as stored now (an edit in the admin applies to the next request)."""
    return quiz_rules(Event.objects.only("settings").get(pk=event_id))


def attempt_answer(*, token: str, position: int, choice: str, now: datetime | None = None) -> QuizAnswer:
    """Record the answer to drawn question `position`, with `choice` in the letters the child saw.

    The returned answer carries `position`, `finished`, `correct_display`, `explanation` and the quiz's
    `settings` for the caller to show (after the answer is stored, never before). The hot path of a New
    Year's Eve burst: one SELECT (the drawn question with its answer key and the quiz settings, read as
    stored now: a corrected key or a re-imported bank applies to the next answer), one INSERT."""
    now = now or timezone.now()
    row = (AttemptQuestion.objects.filter(attempt__token=token, position=position)
           .values_list("pk", "option_order", "shown_at", "attempt_id", "attempt__status",
                        "attempt__deadline", "attempt__practice", "attempt__question_count", "attempt__event_id",
                        "attempt__event__settings", "question__kind", "question__answer", "question__explanation",
                        "attempt__elder")
           .first())
    if row is None:
        raise _err("question_not_found", "找不到这道题", "No such question in this attempt", 404)
    (aq_id, order, shown_at, attempt_id, status, deadline, practice, count, event_id, event_settings,
     kind, correct, explanation, elder) = row
    if status != QuizAttempt.Status.OPEN:
        raise _err("attempt_closed", "这次答题已经交卷", "This attempt is already finished", 409)
    if now >= deadline:
        attempt_finish(attempt=QuizAttempt.objects.get(pk=attempt_id), now=now)
        raise _err("answer_late", "答题时间已到，已自动交卷", "Time is up; the attempt was closed and scored", 409)
    settings = quiz_rules(Event(pk=event_id, settings=event_settings))
    if shown_at is None:
        raise _err("question_not_shown", "请先打开这道题再作答", "Fetch the question before answering it", 409)
    limit = settings.question_limit(elder)
    if limit and now > shown_at + timedelta(seconds=limit + GRACE_SECONDS):
        raise _err("answer_late", "这道题的答题时间已过，不能再作答", "Time for this question is over", 409)
    letters = sorted({c for c in (choice or "").upper() if not c.isspace() and c not in ",，"})
    shown = OPTION_LETTERS[: len(order)]
    if not letters or any(letter not in shown for letter in letters):
        raise _err("invalid_choice", "请选择一个有效的选项", "Choose one of the options shown", 400)
    if kind != "multiple" and len(letters) != 1:
        raise _err("invalid_choice", "这道题只能选一个答案", "This question takes exactly one answer", 400)
    original = "".join(sorted(order[shown.index(letter)] for letter in letters))
    seconds = (now - shown_at).total_seconds()
    share = credit(kind=kind, correct=correct, chosen=original, partial=settings.multiple_partial)
    # Elder mode's extra time never earns extra points: time-based points use the time scaled back.
    points = 0 if practice else points_for(settings=settings, share=share, seconds=seconds / settings.time_factor(elder))
    answer = QuizAnswer(attempt_question_id=aq_id, attempt_id=attempt_id, choice=original, correct=share == 1.0,
                        points=points, time_ms=int(seconds * 1000), received_at=now)
    try:
        # The one-to-one key refuses a second answer to the same question, whatever the timing.
        with transaction.atomic():
            answer.save(force_insert=True)
    except IntegrityError as exc:
        raise _err("already_answered", "这道题已经答过了，每题只能作答一次", "This question was already answered", 409) from exc
    answer.position = position
    answer.event_id = event_id
    answer.correct_display = "".join(sorted(OPTION_LETTERS[order.index(letter)] for letter in correct))
    answer.explanation = explanation
    answer.settings = settings
    answer.finished = False
    if position >= count and not AttemptQuestion.objects.filter(attempt_id=attempt_id, answer__isnull=True).exists():
        attempt_finish(attempt=QuizAttempt.objects.get(pk=attempt_id), now=now)
        answer.finished = True
    return answer


def display_answer(aq: AttemptQuestion) -> str:
    """The correct answer in the letters this child saw (only ever sent after the answer is in)."""
    return "".join(sorted(OPTION_LETTERS[aq.option_order.index(letter)] for letter in aq.question.answer))


def display_choice(aq: AttemptQuestion, original: str) -> str:
    return "".join(sorted(OPTION_LETTERS[aq.option_order.index(letter)] for letter in original))


# --- finishing and results --------------------------------------------------------------------

def _ranks_better(a: QuizResult | dict, b: QuizResult, chain: tuple[str, ...]) -> bool:
    """Whether standing `a` beats `b` under the tie-break chain (score, total_time, finished_at)."""
    def get(x, name):
        return x[name] if isinstance(x, dict) else getattr(x, name)
    for key in chain:
        if key == "score":
            if get(a, "score") != get(b, "score"):
                return get(a, "score") > get(b, "score")
        elif key == "total_time":
            if get(a, "total_time_ms") != get(b, "total_time_ms"):
                return get(a, "total_time_ms") < get(b, "total_time_ms")
        elif key == "finished_at":
            if get(a, "finished_at") != get(b, "finished_at"):
                return get(a, "finished_at") < get(b, "finished_at")
    return False


def attempt_finish(*, attempt: QuizAttempt, now: datetime | None = None) -> QuizAttempt:
    """Close and score an attempt (idempotent). Past its deadline it closes *at* the deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = QuizAttempt.objects.select_for_update().select_related("event").get(pk=attempt.pk)
        if locked.status != QuizAttempt.Status.OPEN:
            return locked
        settings = quiz_rules(locked.event)
        expired = now >= locked.deadline
        end = min(now, locked.deadline)
        answers = list(QuizAnswer.objects.filter(attempt=locked).values_list("correct", "points", "time_ms"))
        unanswered = locked.question_count - len(answers)
        limit = settings.question_limit(locked.elder)
        if limit:
            total_ms = sum(a[2] for a in answers) + int(unanswered * limit * 1000)
        else:
            total_ms = int((end - locked.started_at).total_seconds() * 1000)
        locked.status = QuizAttempt.Status.EXPIRED if expired else QuizAttempt.Status.FINISHED
        locked.finished_at = end
        locked.answered_count = len(answers)
        locked.correct_count = sum(1 for a in answers if a[0])
        locked.score = sum(a[1] for a in answers)
        locked.total_time_ms = total_ms
        locked.save(update_fields=["status", "finished_at", "answered_count", "correct_count", "score",
                                   "total_time_ms"])
        if not locked.practice:
            _result_record(attempt=locked, settings=settings)
            event_id = locked.event_id
            transaction.on_commit(lambda: _leaderboard_changed(event_id))
    attempt.__dict__.update({k: getattr(locked, k) for k in ("status", "finished_at", "answered_count",
                                                             "correct_count", "score", "total_time_ms")})
    return locked


def _leaderboard_changed(event_id: int) -> None:
    from events.broadcast import leaderboard_changed

    leaderboard_changed(event_id)


def _result_record(*, attempt: QuizAttempt, settings: Quiz) -> None:
    candidate = {"score": attempt.score, "total_time_ms": attempt.total_time_ms, "finished_at": attempt.finished_at}
    completed = attempt.answered_count >= attempt.question_count
    result = QuizResult.objects.select_for_update().filter(event_id=attempt.event_id, child_id=attempt.child_id).first()
    if result is None:
        try:
            with transaction.atomic():
                QuizResult.objects.create(event_id=attempt.event_id, child_id=attempt.child_id, library=attempt.library,
                                          best_attempt=attempt, completed=completed, attempts=1,
                                          elder=attempt.elder, **candidate)
            return
        except IntegrityError:
            result = QuizResult.objects.select_for_update().get(event_id=attempt.event_id, child_id=attempt.child_id)
    result.attempts += 1
    result.completed = result.completed or completed
    if _ranks_better(candidate, result, settings.tie_break):
        result.best_attempt = attempt
        result.library = attempt.library
        result.elder = attempt.elder
        for key, value in candidate.items():
            setattr(result, key, value)
    result.save()


def attempts_close_expired(*, now: datetime | None = None, event_id: int | None = None) -> int:
    """Close every open attempt past its deadline (the scheduled sweep; safe to run twice)."""
    now = now or timezone.now()
    qs = QuizAttempt.objects.filter(status=QuizAttempt.Status.OPEN, deadline__lte=now)
    if event_id is not None:
        qs = qs.filter(event_id=event_id)
    closed = 0
    for attempt in qs.only("pk", "deadline", "status"):
        attempt_finish(attempt=attempt, now=now)
        closed += 1
    return closed


def attempts_used(*, event: Event, child: Child, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    scored = QuizAttempt.objects.filter(event=event, child=child, practice=False)
    return {"today": scored.filter(local_date=_local_date(event.campaign, now)).count(), "total": scored.count()}



