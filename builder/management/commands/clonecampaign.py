from django.core.management.base import BaseCommand, CommandError

from builder.campaign_file import CampaignFileError, campaign_clone
from campaigns.models import Campaign
from config.errors import UserFacingError


class Command(BaseCommand):
    help = "复制活动为新的草稿活动 Copy a campaign's definition into a new draft campaign"

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("new_slug")
        parser.add_argument("--title", help="新活动标题（默认：原标题（副本））Title of the copy")

    def handle(self, *args, slug, new_slug, title, **options):
        try:
            result = campaign_clone(slug=slug, new_slug=new_slug, title=title)
        except Campaign.DoesNotExist as exc:
            raise CommandError(f"没有代码为 {slug} 的活动 No campaign with slug {slug}") from exc
        except UserFacingError as exc:
            raise CommandError(str(exc)) from exc
        except CampaignFileError as exc:
            for issue in exc.issues:
                self.stderr.write(str(issue))
            raise CommandError("无法复制 Cannot clone") from exc
        self.stdout.write(f"已复制为草稿 cloned as a draft: {result.campaign.slug}（{result.campaign.title}）; "
                          f"导出后设置阶段 export it, set its stages and load it back: "
                          f"manage.py exportcampaign {new_slug} --out {new_slug}.yaml")
