from django.core.management.base import BaseCommand, CommandError

from campaigns.library_import import LibraryImportError, libraries_import
from campaigns.models import Library


class Command(BaseCommand):
    help = "导入图书馆名录（CSV 或 XLSX）Import the library tree: code,name,level,parent_code,province"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            result = libraries_import(path=file)
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件 File not found: {file}") from exc
        except LibraryImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} 处错误，未导入任何数据 ({len(exc.errors)} errors; nothing imported)") from exc
        counts = {level: Library.objects.filter(level=level).count() for level in Library.LEVEL_RANK}
        self.stdout.write(
            f"新增 created {result.created}, 更新 updated {result.updated}, 未变 unchanged {result.unchanged}; "
            f"共 total {sum(counts.values())} ("
            + ", ".join(f"{level} {n}" for level, n in counts.items())
            + ")"
        )
