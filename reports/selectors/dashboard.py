"""The organizer dashboard: each visible campaign's stage, headline figures and what needs attention."""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from campaigns.models import Campaign, Library, User
from judging.models import Appeal, Assignment, Round
from reports.selectors.figures import campaign_figures
from reports.selectors.scope import Scope, campaigns_visible_to, default_library_for
from submissions.models import Entry
from wechat.models import Push

# Headline figures of a scope are kept this long. They aggregate every source of the campaign (a
# million rows at national scale) and every organizer of the same scope sees the same numbers; they
# change with each answer, like and visit, so invalidating on write would recompute them all the
# time. The dashboard shows when they were computed; the report page itself is always fresh, and the
# attention items (what the organizer acts on) are counted on every request.
DASHBOARD_SECONDS = 60


def attention_items(scope: Scope, *, at: datetime | None = None) -> list[dict]:
    """What needs the organizer now, each with a count and where to act."""
    at = at or timezone.now()
    campaign = scope.campaign
    in_scope = None if scope.library is None else set(
        Library.objects.filter(path__startswith=scope.library.path).values_list("pk", flat=True))

    def scoped(qs, field):
        return qs if in_scope is None else qs.filter(**{f"{field}__in": in_scope})

    items = []
    n = scoped(Entry.objects.filter(event__campaign=campaign, status="ready", moderation="pending"), "library_id").count()
    if n:
        items.append({"kind": "moderation", "count": n, "url": "/entries/moderation/",
                      "label": f"{n} 件作品待审核 entries waiting for moderation"})
    behind = judges_behind_schedule(campaign, in_scope, at=at)
    if behind:
        items.append({"kind": "judges_behind", "count": len(behind), "judges": behind,
                      "url": f"/judging/rounds/{behind[0]['round_id']}/progress/",
                      "label": f"{len(behind)} 位评委进度落后 judges behind schedule"})
    appeals = scoped(Appeal.objects.filter(result__round__campaign=campaign, status="open"), "result__entry__library_id")
    n = appeals.count()
    if n:
        round_id = appeals.values_list("result__round_id", flat=True).first()
        items.append({"kind": "appeals", "count": n, "url": f"/judging/rounds/{round_id}/",
                      "label": f"{n} 项申诉待处理 appeals to decide"})
    n = scoped(Push.objects.filter(campaign=campaign, status="failed"), "library_id").count()
    if n:
        items.append({"kind": "failed_pushes", "count": n, "url": "/admin/wechat/push/",
                      "label": f"{n} 条推送发送失败 pushes failed"})
    return items


def judges_behind_schedule(campaign: Campaign, in_scope: set[int] | None, *, at: datetime) -> list[dict]:
    """Judges of open rounds whose share of submitted scores trails the share of the round's time used
    (by more than 10 points), or who still have work after the round closed."""
    out = []
    for rnd in Round.objects.filter(campaign=campaign, status__in=["open", "closed"]).exclude(opens_at__isnull=True):
        if rnd.opens_at > at:
            continue
        qs = Assignment.objects.filter(round=rnd).exclude(state="withdrawn")
        if in_scope is not None:
            qs = qs.filter(judge__library_id__in=in_scope)
        if rnd.closes_at and rnd.closes_at > rnd.opens_at:
            elapsed = min(1.0, (at - rnd.opens_at) / (rnd.closes_at - rnd.opens_at))
        else:
            elapsed = 0.0
        rows = qs.values("judge_id", "judge__user__username", "judge__user__display_name").annotate(
            n=Count("pk"), done=Count("pk", filter=Q(state="submitted"))).order_by("judge_id")
        for row in rows:
            share = row["done"] / row["n"] if row["n"] else 1.0
            overdue = rnd.closes_at is not None and at >= rnd.closes_at and row["done"] < row["n"]
            if overdue or share + 0.10 < elapsed:
                out.append({"round": rnd.title, "round_id": rnd.pk, "judge": row["judge__user__display_name"] or row["judge__user__username"],
                            "done": row["done"], "assigned": row["n"], "expected_share": round(elapsed * 100)})
    return out


def scope_summary(scope: Scope, *, at: datetime | None = None) -> dict:
    """The dashboard's figures of one scope; shared by every organizer of that scope for DASHBOARD_SECONDS
    (computed afresh when `at` is given: a question about another moment)."""
    key = f"reports:dashboard:{scope.campaign.pk}:{scope.library.code if scope.library else '*'}"
    summary = cache.get(key) if at is None else None
    if summary is None:
        figures = campaign_figures(scope, at=at)
        summary = {"stage": figures["campaign"]["stage"], "scope": figures["scope"], "headline": figures["headline"],
                   "peak": figures["peak"], "generated_at": figures["generated_at"],
                   # A reading event (阅读打卡): the dashboard links its report and review desk.
                   "reading": any(event["kind"] == "reading" for event in figures["events"])}
        if at is None:
            cache.set(key, summary, DASHBOARD_SECONDS)
    return summary


def dashboard(user: User, *, at: datetime | None = None) -> list[dict]:
    """Each campaign an organizer can see: stage, what needs attention, headline figures of their subtree."""
    out = []
    for campaign in campaigns_visible_to(user):
        scope = Scope(campaign=campaign, library=default_library_for(user, campaign))
        out.append({"slug": campaign.slug, "title": campaign.title, **scope_summary(scope, at=at),
                    "attention": attention_items(scope, at=at)})
    return out
