"""What reading contributes to the pages of the lower apps (through their registries)."""

from django.urls import reverse
from django.utils import timezone

from reading.config import campaign_reading


def event_links(event):
    if event.kind != "reading":
        return []
    return [("阅读打卡", "Log reading", reverse("reading:log", args=[event.pk]))]


def family_context(request, children):
    from reading.models import PointsEntry
    from reading.selectors import child_summary
    from reading.services import local_now

    rows = []
    campaign_ids = (PointsEntry.objects.filter(child__in=children).values_list("campaign_id", flat=True).distinct())
    from campaigns.models import Campaign

    for campaign in Campaign.objects.filter(id__in=list(campaign_ids)):
        today = local_now(campaign).date()
        for child in children:
            summary = child_summary(campaign, child, today)
            if summary["points"] or summary["logs"] or summary["badges"]:
                rows.append({"campaign": campaign, "child": child, "s": summary})
    return {"reading_rows": rows}


def family_export(user):
    from reading.models import BadgeAward, PointsEntry, ReadingLog

    return {
        "logs": [{"child": log.child.nickname, "campaign": log.campaign.slug, "day": log.day.isoformat(),
                  "minutes": log.minutes, "title": log.title, "note": log.note, "status": log.status}
                 for log in ReadingLog.objects.filter(child__guardian=user).select_related("child", "campaign")],
        "points": [{"child": p.child.nickname, "campaign": p.campaign.slug, "source": p.source, "day": p.day.isoformat(),
                    "points": p.points, "minutes": p.minutes}
                   for p in PointsEntry.objects.filter(child__guardian=user).select_related("child", "campaign")],
        "badges": [{"child": b.child.nickname, "campaign": b.campaign.slug, "badge": b.badge_key,
                    "awarded_at": b.awarded_at.isoformat()}
                   for b in BadgeAward.objects.filter(child__guardian=user).select_related("child", "campaign")],
    }


def goal_context(campaign, library=None):
    from reading.selectors import goal_for_library

    if campaign_reading(campaign).goal is None:
        return None
    return {"goal": goal_for_library(campaign, library), "goal_url": reverse("reading:goal", args=[campaign.slug]),
            "goal_library": library.code if library else "", "now": timezone.now()}
