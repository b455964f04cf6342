"""python manage.py importquestions FILE --bank SLUG [--title T --owner CODE]

Imports a question bank from XLSX or CSV (columns of corpus/data/quiz_bank.xlsx). Every bad row is
reported with its row number; on any error nothing is imported. Re-importing updates by id."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Library
from config.errors import UserFacingError
from events.bank_import import questions_import
from events.models import QuestionBank


class Command(BaseCommand):
    help = "导入题库 Import a question bank from XLSX or CSV"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--bank", required=True, help="bank slug (created if missing)")
        parser.add_argument("--title", help="bank title when creating it")
        parser.add_argument("--owner", default="NLC", help="owner library code when creating it (default NLC)")

    def handle(self, *args, file, bank, title=None, owner="NLC", **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在 File not found: {path}")
        target = QuestionBank.objects.filter(slug=bank).first()
        if target is None:
            library = Library.objects.filter(code=owner).first()
            if library is None:
                raise CommandError(f"图书馆代码不存在 Unknown library code: {owner}")
            target = QuestionBank(slug=bank, title=title or bank, owner=library)
            target.full_clean()
        try:
            if target.pk is None:
                target.save()
            result = questions_import(bank=target, data=path.read_bytes(), filename=path.name)
        except UserFacingError as exc:
            for row in exc.extra.get("errors", []):
                self.stderr.write(f"第 {row['row']} 行 row {row['row']}: {row['reason_zh']} ({row['reason_en']})")
            if not target.questions.exists() and target.pk:
                target.delete()
            raise CommandError(f"{exc.message_zh} ({exc.message_en})") from exc
        self.stdout.write(self.style.SUCCESS(
            f"题库 {target.slug}: 新增 {result.created} 道，更新 {result.updated} 道 "
            f"(created {result.created}, updated {result.updated}); 共 {target.questions.count()} 道"))
