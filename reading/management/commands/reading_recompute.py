"""Re-derive every child's points totals and badges for a campaign from its ledger (set-based)."""

from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from reading.services import campaign_recompute


class Command(BaseCommand):
    help = "从积分记录重算活动的积分与徽章 Recompute a campaign's points totals and badges from its ledger"

    def add_arguments(self, parser):
        parser.add_argument("slug", help="活动代号 campaign slug")

    def handle(self, *args, slug, **options):
        campaign = Campaign.objects.filter(slug=slug).first()
        if campaign is None:
            raise CommandError(f"没有代号为 {slug} 的活动 / no campaign with the slug {slug}")
        result = campaign_recompute(campaign=campaign)
        self.stdout.write(
            f"{campaign.slug}: {result['children']} 名孩子 children, {result['points']} 积分 points, "
            f"{result['minutes']} 分钟 minutes, 新发徽章 badges awarded {result['badges_awarded']}")
