"""Reading pages: the family's log page (with points, streak, badges and posters), the collective goal,
offline check-ins (the organizer's rotating QR screen and the family's scan page), the library's
review of flagged logs, and the reading report. Thin: services write, selectors read."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.models import Campaign, Library
from campaigns.selectors import (
    campaign_stage_is_open,
    child_has_consent,
    children_of,
    is_organizer,
    libraries_visible_to,
    user_can_manage_campaign,
    user_can_manage_library,
)
from config.errors import UserFacingError
from events.models import Event
from reading import registry, selectors, services
from reading.config import campaign_reading, reading_rules
from reading.models import CheckinSession, ReadingLog


def _fail(request, exc: UserFacingError) -> None:
    messages.error(request, str(exc))


@login_required
@require_http_methods(["GET", "POST"])
def log(request, event_id: int):
    event = get_object_or_404(Event.objects.select_related("campaign"), pk=event_id, kind="reading")
    campaign = event.campaign
    children = list(children_of(request.user))
    rules = reading_rules(event)
    if request.method == "POST":
        child = next((c for c in children if str(c.id) == request.POST.get("child")), None)
        try:
            if child is None:
                raise services.error("child", "请选择孩子", "choose a child")
            day_text = request.POST.get("day") or ""
            try:
                day = datetime.strptime(day_text, "%Y-%m-%d").date() if day_text else None
            except ValueError:
                raise services.error("day", "日期格式应为 年-月-日", "the date must look like 2027-01-31") from None
            entry = services.reading_log_add(
                event=event, child=child, actor=request.user, minutes=request.POST.get("minutes"),
                title=request.POST.get("title", ""), day=day, note=request.POST.get("note", ""),
                photo=request.FILES.get("photo"))
            if entry.status == ReadingLog.Status.FLAGGED:
                messages.warning(request, "已收到，这条打卡需要图书馆核实后计入 Received: the library will check this log "
                                          "before it counts")
            else:
                messages.success(request, f"打卡成功：{entry.minutes} 分钟 Logged: {entry.minutes} minutes")
        except UserFacingError as exc:
            _fail(request, exc)
        return redirect(reverse("reading:log", args=[event.id]) + (f"?child={child.id}" if child else ""))
    today = services.local_now(campaign).date()
    days = [today - timedelta(days=k) for k in range(rules.backdate_days + 1)]
    summaries = [{"child": c, "s": selectors.child_summary(campaign, c, today)} for c in children]
    return render(request, "reading/log.html", {
        "event": event, "campaign": campaign, "rules": rules, "children": children, "days": days,
        "summaries": summaries, "selected": request.GET.get("child", ""),
        "open": campaign_stage_is_open(campaign, "entries_open"),
        "goal_panel": registry.goal_context(campaign),
    })


@login_required
@require_GET
def poster(request, slug: str, child_id: int, badge_key: str):
    """A shareable PNG for WeChat Moments: the badge, the child's nickname and library, the campaign's QR."""
    from reading.models import BadgeAward
    from reading.poster import badge_poster

    campaign = get_object_or_404(Campaign, slug=slug)
    child = next((c for c in children_of(request.user) if c.id == child_id), None)
    if child is None:
        raise Http404("not your child")
    if not BadgeAward.objects.filter(campaign=campaign, child=child, badge_key=badge_key).exists():
        raise Http404("no such badge")
    badge = next((b for b in campaign_reading(campaign).badges if b.key == badge_key), None)
    url = request.build_absolute_uri(reverse("campaign", args=[campaign.slug]))
    png = badge_poster(campaign_title=campaign.title, badge_title=badge.title if badge else badge_key,
                       badge_description=badge.description if badge else "", nickname=child.nickname,
                       library=child.library.name, url=url)
    resp = HttpResponse(png, content_type="image/png")
    resp["Content-Disposition"] = f'inline; filename="badge-{badge_key}.png"'
    resp["Cache-Control"] = "private, max-age=300"
    return resp


@require_GET
def card(request, slug: str, child_id: int):
    """A child's public nickname card with their badges — only with the family's consent to show the
    child's name publicly (publish_name); otherwise there is no such page."""
    campaign = get_object_or_404(Campaign, slug=slug)
    from campaigns.models import Child

    child = get_object_or_404(Child.objects.select_related("library"), pk=child_id)
    if not child_has_consent(child, "publish_name"):
        raise Http404("no public card")
    summary = selectors.child_summary(campaign, child, services.local_now(campaign).date())
    if not summary["logs"] and not summary["badges"] and not summary["points"]:
        raise Http404("no public card")
    return render(request, "reading/card.html", {"campaign": campaign, "child": child, "s": summary})


@require_GET
def goal(request, slug: str):
    campaign = get_object_or_404(Campaign, slug=slug)
    library = None
    if request.GET.get("library"):
        library = Library.objects.filter(code=request.GET["library"][:40]).first()
        if library is None:
            return JsonResponse({"code": "library", "message_zh": "没有这个图书馆", "message_en": "no such library"},
                                status=404)
    data = selectors.goal_for_library(campaign, library)
    if data is None:
        return JsonResponse({"code": "no_goal", "message_zh": "这个活动没有共同目标",
                             "message_en": "this campaign has no collective goal"}, status=404)
    resp = JsonResponse(data)
    resp["Cache-Control"] = "public, max-age=15"
    return resp


# --- offline check-ins --------------------------------------------------------------------------


def _campaign_for_organizer(request, slug: str) -> Campaign:
    campaign = get_object_or_404(Campaign, slug=slug)
    if not is_organizer(request.user) and not request.user.is_superuser:
        raise PermissionDenied("organizers only")
    return campaign


def _parse_local(campaign: Campaign, value: str) -> datetime:
    try:
        naive = datetime.strptime((value or "").strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise services.error("when", "时间格式应为 年-月-日 时:分", "a time must look like 2027-01-31 14:30") from None
    return naive.replace(tzinfo=ZoneInfo(campaign.timezone or "Asia/Shanghai"))


@login_required
@require_http_methods(["GET", "POST"])
def manage(request, slug: str):
    """The library's reading desk: flagged logs to check, check-in sessions to run."""
    campaign = _campaign_for_organizer(request, slug)
    libraries = libraries_visible_to(request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("approve", "reject"):
                entry = get_object_or_404(ReadingLog, pk=request.POST.get("log") or 0, campaign=campaign)
                services.reading_log_review(log=entry, actor=request.user, approve=action == "approve")
                messages.success(request, "已处理 Done")
            elif action == "session":
                library = get_object_or_404(Library, code=request.POST.get("library", ""))
                session = services.checkin_session_create(
                    campaign=campaign, library=library, actor=request.user, title=request.POST.get("title", ""),
                    kind=request.POST.get("kind", "exhibition"), place=request.POST.get("place", ""),
                    starts_at=_parse_local(campaign, request.POST.get("starts_at", "")),
                    ends_at=_parse_local(campaign, request.POST.get("ends_at", "")))
                messages.success(request, "签到活动已创建 Check-in created")
                return redirect("reading:checkin_screen", session.id)
            else:
                messages.error(request, "未知操作 Unknown action")
        except UserFacingError as exc:
            _fail(request, exc)
        return redirect("reading:manage", campaign.slug)
    now = services.local_now(campaign)
    return render(request, "reading/manage.html", {
        "campaign": campaign, "flagged": selectors.flagged_logs(campaign, libraries)[:200],
        "sessions": selectors.checkin_sessions(campaign, libraries)[:100],
        "my_libraries": libraries.order_by("path")[:300],
        "start_default": now.strftime("%Y-%m-%dT%H:%M"),
        "end_default": (now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
    })


def _session_for_organizer(request, session_id: int) -> CheckinSession:
    session = get_object_or_404(CheckinSession.objects.select_related("campaign", "library"), pk=session_id)
    if not user_can_manage_library(request.user, session.library):
        raise PermissionDenied("not your library")
    return session


def _scan_url(request, session: CheckinSession) -> str:
    return request.build_absolute_uri(reverse("reading:checkin", args=[session.id, services.checkin_code(session)]))


@login_required
@require_GET
def checkin_screen(request, session_id: int):
    """The screen at the venue: the QR changes every period; the page fetches the new one by itself."""
    session = _session_for_organizer(request, session_id)
    from config.qr import qr_svg

    return render(request, "reading/checkin_screen.html", {
        "session": session, "qr": qr_svg(_scan_url(request, session)), "count": session.checkins.count(),
        "refresh_ms": max(10, session.period_seconds // 3) * 1000,
    })


@login_required
@require_GET
def checkin_code_json(request, session_id: int):
    session = _session_for_organizer(request, session_id)
    from config.qr import qr_svg

    resp = JsonResponse({"svg": qr_svg(_scan_url(request, session)), "count": session.checkins.count(),
                         "open": session.starts_at <= timezone.now() <= session.ends_at})
    resp["Cache-Control"] = "no-store"
    return resp


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request, session_id: int, code: str):
    session = get_object_or_404(CheckinSession.objects.select_related("campaign", "library"), pk=session_id)
    children = list(children_of(request.user))
    if request.method == "POST":
        child = next((c for c in children if str(c.id) == request.POST.get("child")), None)
        try:
            if child is None:
                raise services.error("child", "请选择孩子", "choose a child")
            services.checkin_scan(session=session, code=code, child=child, actor=request.user)
            messages.success(request, f"签到成功：{child.nickname} Checked in: {child.nickname}")
        except UserFacingError as exc:
            _fail(request, exc)
        return redirect("reading:checkin", session.id, code)
    now = timezone.now()
    problem = None
    if now < session.starts_at:
        problem = "签到还没有开始 The check-in has not started yet"
    elif now > session.ends_at:
        problem = "签到已经结束 The check-in is over"
    elif not services.checkin_code_valid(session, code):
        problem = "二维码已过期，请扫描现场屏幕上的最新二维码 This code has expired: scan the current code at the venue"
    done = set(session.checkins.filter(child__in=children).values_list("child_id", flat=True))
    return render(request, "reading/checkin.html", {"session": session, "children": children, "done": done,
                                                    "problem": problem, "code": code})


# --- report -------------------------------------------------------------------------------------


@login_required
@require_GET
def report(request, slug: str):
    campaign = get_object_or_404(Campaign, slug=slug)
    if not (request.user.is_superuser or user_can_manage_campaign(request.user, campaign) or is_organizer(request.user)):
        raise PermissionDenied("organizers only")
    libraries = libraries_visible_to(request.user)
    figures = selectors.reading_figures(campaign, libraries)
    if request.GET.get("format") in ("xlsx", "csv"):
        return _export(campaign, figures, request.GET["format"])
    peak = max((d["minutes"] for d in figures["by_day"]), default=0)
    return render(request, "reading/report.html", {"campaign": campaign, "f": figures, "peak": peak or 1,
                                                   "goal": selectors.goal_for_library(campaign, None)})


def _export(campaign: Campaign, f: dict, fmt: str):
    from config.spreadsheets import XLSX_CONTENT_TYPE, Sheet, csv_text, xlsx_bytes

    libraries = Sheet("按图书馆 By library", ["代码 Code", "图书馆 Library", "分钟 Minutes", "读者 Readers", "打卡 Logs"],
                      [[r["library__code"], r["library__name"], r["minutes"], r["readers"], r["logs"]]
                       for r in f["by_library"]])
    days = Sheet("按日 By day", ["日期 Day", "分钟 Minutes", "读者 Readers", "打卡 Logs"],
                 [[r["day"].isoformat(), r["minutes"], r["readers"], r["logs"]] for r in f["by_day"]])
    sessions = Sheet("线下签到 Check-ins", ["活动 Session", "图书馆 Library", "开始 Starts", "签到 Check-ins"],
                     [[s["title"], s["library__name"], s["starts_at"].isoformat(), s["n"]] for s in f["sessions"]])
    name = f"reading-{campaign.slug}"
    if fmt == "csv":
        resp = HttpResponse(csv_text([libraries.headers, *libraries.rows]), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return resp
    resp = HttpResponse(xlsx_bytes([libraries, days, sessions], title=campaign.title), content_type=XLSX_CONTENT_TYPE)
    resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return resp
