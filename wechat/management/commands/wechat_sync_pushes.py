from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from config.errors import UserFacingError
from wechat.services.pushes import pushes_sync_from_campaign


class Command(BaseCommand):
    help = "从活动文件创建推送 Create/update the campaign file's pushes (idempotent)"

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        campaign = Campaign.objects.filter(slug=slug).first()
        if campaign is None:
            raise CommandError(f"没有这个活动 No campaign {slug!r}")
        try:
            counts = pushes_sync_from_campaign(campaign)
        except UserFacingError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"推送 Pushes: 新建 created {counts['created']}, 更新 updated {counts['updated']}, "
            f"未变 unchanged {counts['unchanged']}, 已发送保留 already sent {counts['kept_sent']}"
        )
