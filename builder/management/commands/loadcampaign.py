from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from builder.campaign_file import CampaignFileError, campaign_file_load, campaign_file_validate, decode


class Command(BaseCommand):
    help = "校验并加载活动文件（YAML）Validate a campaign file, then create or update the campaign idempotently"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--check", action="store_true", help="只校验，不写入 Validate only; write nothing")

    def handle(self, *args, file, check, **options):
        try:
            text = decode(Path(file).read_bytes())
            if check:
                campaign_file_validate(text=text)
                self.stdout.write(f"{file}: 校验通过 valid")
                return
            result = campaign_file_load(text=text)
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件 File not found: {file}") from exc
        except CampaignFileError as exc:
            for issue in exc.issues:
                self.stderr.write(f"{file}: {issue}")
            count = len(exc.issues)
            raise CommandError(f"{count} 处错误，未写入任何数据 ({count} error(s); nothing was written)") from exc
        campaign = result.campaign
        if result.created:
            summary = "已创建 created"
        elif result.changes:
            summary = "已更新 updated: " + ", ".join(result.changes)
        else:
            summary = "无变化 unchanged"
        self.stdout.write(f"{campaign.slug}（{campaign.title}）{summary}; "
                          f"参与馆 libraries {campaign.branches.count()}, 项目 events {campaign.events.count()}")
