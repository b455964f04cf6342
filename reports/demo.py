"""Demo visits: two weeks of page views on each example campaign's page and branch pages, so the
report's charts show something on `make run`. Idempotent: a campaign that already has counted
visits is left alone."""

import random
from datetime import timedelta

from django.utils import timezone

from campaigns.models import Campaign, CampaignLibrary
from reports.models import VisitorDay
from reports.services import visits_rollup
from reports.visits import hit_record

DAYS = 14
PEAK_DAYS_AGO = 3  # a festival evening: the busiest day


def load(stdout) -> None:
    now = timezone.now()
    for campaign in Campaign.objects.order_by("slug"):
        if VisitorDay.objects.filter(campaign=campaign).exists():
            stdout.write(f"访问 Visits {campaign.slug}: unchanged")
            continue
        rng = random.Random(f"shuxiang-{campaign.slug}")
        branches = CampaignLibrary.objects.filter(campaign=campaign).order_by("library__path")
        # The demo organizers' provinces (湖南, 河北) first, then a spread of the others.
        codes = list(branches.filter(library__province__in=["湖南", "河北"]).values_list("library__code", flat=True)[:30])
        others = list(branches.exclude(library__code__in=codes).values_list("library__code", flat=True))
        codes += others[:: max(1, len(others) // 20)]
        hits = 0
        for days_ago in range(DAYS - 1, -1, -1):
            visitors = 30 + rng.randint(0, 25) + (120 if days_ago == PEAK_DAYS_AGO else 0) + (DAYS - days_ago) * 3
            day_start = (now - timedelta(days=days_ago)).replace(hour=0, minute=0, second=0, microsecond=0)
            for v in range(visitors):
                at = min(now, day_start + timedelta(seconds=rng.randint(8 * 3600, 23 * 3600)))
                ip, agent = f"198.51.{days_ago}.{v % 250}", f"Mozilla/5.0 demo-{v // 250}"
                hit_record(slug=campaign.slug, code="", ip=ip, user_agent=agent, at=at)
                hits += 1
                for _ in range(rng.choice([0, 1, 1, 2])):
                    if codes:
                        hit_record(slug=campaign.slug, code=rng.choice(codes), ip=ip, user_agent=agent, at=at)
                        hits += 1
        visits_rollup()
        stdout.write(f"访问 Visits {campaign.slug}: {hits} demo page views over {DAYS} days · report /reports/c/{campaign.slug}/")
