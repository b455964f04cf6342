"""manage.py campaign_report SLUG [--library CODE] --format json|xlsx|csv [--out FILE]"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign, Library
from reports.exports import csv_text, xlsx_bytes
from reports.selectors.figures import campaign_figures
from reports.selectors.scope import Scope
from reports.services import visits_rollup


class Command(BaseCommand):
    help = "活动统计报告 The campaign's figures (same as the report page) as JSON, XLSX or CSV."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--library", help="图书馆代码：只统计该馆及下级馆 Only this library's subtree")
        parser.add_argument("--format", choices=["json", "xlsx", "csv"], default="json")
        parser.add_argument("--out", help="输出文件（默认标准输出；XLSX 必须指定）Output file (default stdout)")

    def handle(self, *args, slug, library, format, out, **options):
        campaign = Campaign.objects.filter(slug=slug).select_related("lead_library").first()
        if campaign is None:
            raise CommandError(f"没有这个活动：{slug} (no campaign with slug {slug!r})")
        lib = None
        if library:
            lib = Library.objects.filter(code=library).first()
            if lib is None:
                raise CommandError(f"没有这个图书馆：{library} (no library with code {library!r})")
            if lib.parent_id is None:
                lib = None
        if format == "xlsx" and not out:
            raise CommandError("XLSX 需要 --out 文件名 (XLSX needs --out FILE)")
        visits_rollup()
        figures = campaign_figures(Scope(campaign=campaign, library=lib))
        if format == "json":
            data = json.dumps(figures, ensure_ascii=False, indent=2).encode()
        elif format == "csv":
            data = csv_text(figures).encode("utf-8")
        else:
            data = xlsx_bytes(figures)
        if out:
            with open(out, "wb") as fh:
                fh.write(data)
            self.stderr.write(f"已写入 Written: {out}")
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
