"""Quiz pages: phone first (375 px), keyboard usable, every control labelled. Thin views."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from campaigns.selectors import children_of, is_organizer
from config.errors import UserFacingError
from config.qr import qr_svg
from config.spreadsheets import XLSX_CONTENT_TYPE, Sheet, xlsx_bytes
from events import live, selectors, services
from events.api import question_out, result_out
from events.models import AttemptQuestion, Event, LiveSession, QuestionBank
from events.sections import event_settings, quiz_rules


def ping(request):
    """Trivial JSON view: the baseline of bench/quiz_burst.py."""
    return JsonResponse({"ok": True})


def _quiz(event_id: int) -> Event:
    return get_object_or_404(Event.objects.select_related("campaign__lead_library"), pk=event_id, kind=Event.Kind.QUIZ)


def quiz_home(request, event_id: int):
    event = _quiz(event_id)
    try:
        settings = quiz_rules(event)
    except UserFacingError as exc:
        return render(request, "events/error.html", {"error": exc}, status=exc.status)
    children = []
    if request.user.is_authenticated:
        for child in children_of(request.user):
            used = services.attempts_used(event=event, child=child)
            open_papers = {a.practice: a for a in event.quiz_attempts.filter(child=child, status="open")}
            children.append({"child": child, "used": used, "open": open_papers.get(False),
                             "open_practice": open_papers.get(True), "rank": selectors.child_rank(event, child)})
    return render(request, "events/quiz_home.html", {
        "event": event, "settings": settings, "children": children,
        "can_host": is_organizer(request.user), "opens_at": services.quiz_opens_at(event),
    })


@login_required
@require_POST
def quiz_start(request, event_id: int):
    event = _quiz(event_id)
    child = children_of(request.user).filter(pk=request.POST.get("child")).first()
    if child is None:
        messages.error(request, "请选择要答题的孩子 (Choose which child takes the quiz)")
        return redirect("events:quiz", event_id=event.pk)
    try:
        attempt = services.attempt_start(event=event, child=child, user=request.user,
                                         practice=request.POST.get("practice") == "1",
                                         elder=request.COOKIES.get("elder_mode") == "1")
    except UserFacingError as exc:
        messages.error(request, str(exc))
        return redirect("events:quiz", event_id=event.pk)
    return redirect("events:attempt", token=attempt.token)


def attempt_page(request, token: str):
    try:
        attempt = services.attempt_for_token(token)
    except UserFacingError as exc:
        return render(request, "events/error.html", {"error": exc}, status=404)
    now = timezone.now()
    aq = services.attempt_current_question(attempt=attempt, now=now)
    if aq is None:
        return redirect("events:result", token=token)
    settings = services.event_quiz_settings(attempt.event_id)
    return render(request, "events/attempt.html", {
        "attempt": attempt, "event": attempt.event, "q": question_out(aq, attempt, now),
        "multiple": aq.question.kind == "multiple", "question_limit": settings.question_limit(attempt.elder),
        "elder_extra": settings.elder.extra_time_percent,
    })


@require_POST
def attempt_answer(request, token: str):
    choice = "".join(request.POST.getlist("choice"))
    try:
        position = int(request.POST.get("position", "0"))
        recorded = services.attempt_answer(token=token, position=position, choice=choice)
    except ValueError:
        messages.error(request, "提交内容有误 (Malformed answer)")
        return redirect("events:attempt", token=token)
    except UserFacingError as exc:
        messages.error(request, str(exc))
        if exc.code == "attempt_not_found":
            return render(request, "events/error.html", {"error": exc}, status=404)
        return redirect("events:attempt", token=token)
    attempt = services.attempt_for_token(token)
    if quiz_rules(attempt.event).explanations == "after_each":
        aq = recorded.attempt_question
        return render(request, "events/feedback.html", {
            "attempt": attempt, "event": attempt.event, "answer": recorded, "aq": aq,
            "correct_answer": services.display_answer(aq), "chosen": services.display_choice(aq, recorded.choice),
            "options": question_out(aq, attempt, timezone.now())["options"],
        })
    if not attempt.is_open:
        return redirect("events:result", token=token)
    return redirect("events:attempt", token=token)


@require_POST
def attempt_finish(request, token: str):
    try:
        services.attempt_finish(attempt=services.attempt_for_token(token))
    except UserFacingError as exc:
        return render(request, "events/error.html", {"error": exc}, status=404)
    return redirect("events:result", token=token)


def attempt_result(request, token: str):
    try:
        attempt = services.attempt_close_if_expired(attempt=services.attempt_for_token(token))
    except UserFacingError as exc:
        return render(request, "events/error.html", {"error": exc}, status=404)
    if attempt.is_open:
        return redirect("events:attempt", token=token)
    attempt = services.attempt_for_token(token)
    settings = quiz_rules(attempt.event)
    review = []
    if settings.explanations != "never":
        for aq in (AttemptQuestion.objects.filter(attempt=attempt).select_related("question", "answer")
                   .order_by("position")):
            answer = getattr(aq, "answer", None)
            options = aq.question.options
            review.append({
                "position": aq.position, "stem": aq.question.stem,
                "options": [(chr(65 + i), options[o]) for i, o in enumerate(aq.option_order)],
                "correct_answer": services.display_answer(aq),
                "chosen": services.display_choice(aq, answer.choice) if answer else "",
                "correct": bool(answer and answer.correct), "points": answer.points if answer else 0,
                "explanation": aq.question.explanation,
            })
    return render(request, "events/result.html", {
        "attempt": attempt, "event": attempt.event, "result": result_out(attempt), "review": review,
        "my_library": selectors.library_rank(attempt.event, attempt.library) if not attempt.practice else None,
    })


def leaderboard(request, event_id: int):
    event = _quiz(event_id)
    services.attempts_close_expired(event_id=event.pk)
    mine = []
    if request.user.is_authenticated:
        for child in children_of(request.user):
            rank = selectors.child_rank(event, child)
            if rank:
                mine.append(rank)
    return render(request, "events/leaderboard.html", {
        "event": event, "board": selectors.leaderboard_payload(event), "mine": mine,
        "can_export": request.user.is_authenticated and request.user.is_staff,
    })


def leaderboard_xlsx(request, event_id: int):
    if not (request.user.is_authenticated and request.user.is_staff):
        raise PermissionDenied
    event = _quiz(event_id)
    sheets = [
        Sheet("个人 Individuals", ["名次 Rank", "昵称 Nickname", "图书馆 Library", "代码 Code", "得分 Score",
                                  "用时(秒) Time (s)", "长辈模式 Elder mode"],
              [[r["rank"], r["nickname"], r["library"], r["library_code"], r["score"], r["total_time_s"],
                "是 yes" if r["elder"] else ""]
               for r in selectors.individual_board(event, limit=100000,
                                                   elder=False if selectors.elders_apart(event) else None)]),
    ]
    if selectors.elders_apart(event):
        sheets.append(Sheet("长辈模式 Elders", ["名次 Rank", "昵称 Nickname", "图书馆 Library", "代码 Code",
                                               "得分 Score", "用时(秒) Time (s)"],
                            [[r["rank"], r["nickname"], r["library"], r["library_code"], r["score"],
                              r["total_time_s"]] for r in selectors.individual_board(event, limit=100000, elder=True)]))
    columns = ["名次 Rank", "图书馆 Library", "代码 Code", "参与人数 Participants", "平均分 Average", "最高分 Best",
               "完成率 Completion"]
    for title, rows in [("图书馆 Libraries", selectors.library_board(event)),
                        ("市 Cities", selectors.tree_board(event, "city")),
                        ("省 Provinces", selectors.tree_board(event, "province"))]:
        sheets.append(Sheet(title, columns, [[r["rank"], r["library"], r["library_code"], r["participants"], r["average"],
                                              r["best"], r["completion"]] for r in rows]))
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="leaderboard-{event.pk}.xlsx"'
    return response


def practice_bank(request, event_id: int):
    """Practice mode opens the bank: every question with its answer and explanation."""
    event = _quiz(event_id)
    settings = event_settings(event).quiz
    bank = QuestionBank.objects.filter(slug=settings.bank).first() if settings else None
    if settings is None or not settings.practice or bank is None:
        return render(request, "events/error.html", {"error": UserFacingError(
            "quiz_practice_off", "本答题未开放题库练习", "Practice mode is not enabled for this quiz")}, status=404)
    return render(request, "events/practice.html", {"event": event, "bank": bank,
                                                    "questions": bank.questions.order_by("external_id")})


# --- live mode ---------------------------------------------------------------------------------

@login_required
@require_POST
def live_new(request, event_id: int):
    event = _quiz(event_id)
    try:
        session = live.live_open(event=event, host=request.user)
    except UserFacingError as exc:
        messages.error(request, str(exc))
        return redirect("events:quiz", event_id=event.pk)
    return redirect("events:live_host", code=session.code)


@login_required
def live_host(request, code: str):
    session = get_object_or_404(LiveSession.objects.select_related("event"), code=code)
    if not (request.user.pk == session.host_id or request.user.is_superuser):
        raise PermissionDenied
    join_url = request.build_absolute_uri(reverse("events:live_join") + f"?code={session.code}")
    return render(request, "events/live_host.html", {"session": session, "join_url": join_url,
                                                     "qr_svg": qr_svg(join_url)})


def live_join(request):
    code = request.POST.get("code") or request.GET.get("code") or ""
    nickname = request.POST.get("nickname", "")
    error = None
    if request.method == "POST":
        try:
            player = live.live_join(code=code, nickname=nickname)
        except UserFacingError as exc:
            error = exc
        else:
            layer = get_channel_layer()
            group = live.live_group(player.session.code)
            transaction.on_commit(lambda: async_to_sync(layer.group_send)(group, {"type": "live.answers"}))
            return redirect("events:live_play", code=player.session.code, token=player.token)
    default_nick = ""
    if request.user.is_authenticated:
        first = children_of(request.user).first()
        default_nick = first.nickname if first else ""
    return render(request, "events/live_join.html", {"code": code, "nickname": nickname or default_nick,
                                                     "error": error})


def live_play(request, code: str, token: str):
    session = get_object_or_404(LiveSession, code=code)
    player = live.live_player(session, token)
    if player is None:
        return redirect(reverse("events:live_join") + f"?code={code}")
    return render(request, "events/live_play.html", {"session": session, "player": player})
