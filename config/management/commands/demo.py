"""Load the demo: the library tree, both example campaigns, people, and each app's sample data.

Idempotent: running it twice changes nothing. Each app adds its part in `<app>/demo.py` with a
`load(stdout)` function, called in dependency order."""

import importlib

from django.core.management.base import BaseCommand

DEMO_APPS = ["campaigns", "builder", "events", "submissions", "judging", "reading", "wechat", "feedback", "reports"]


class Command(BaseCommand):
    help = "加载演示数据 Load the demo data (idempotent)"

    def handle(self, *args, **options):
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.load(self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 Demo data ready"))
