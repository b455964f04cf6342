from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from builder.campaign_file import campaign_export
from campaigns.models import Campaign


class Command(BaseCommand):
    help = "导出活动文件（YAML）Write a campaign back as a campaign file that loads to the same campaign"

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--out", help="写入文件（默认输出到屏幕）File to write (default: standard output)")

    def handle(self, *args, slug, out, **options):
        try:
            text = campaign_export(slug=slug)
        except Campaign.DoesNotExist as exc:
            raise CommandError(f"没有代码为 {slug} 的活动 No campaign with slug {slug}") from exc
        if out:
            Path(out).write_text(text, encoding="utf-8")
            self.stderr.write(f"已写入 written: {out}")
        else:
            self.stdout.write(text, ending="")
