"""python manage.py judging_assign --entries E.csv --judges J.csv --per-entry K [--same-city-conflict] --out A.csv"""

from django.core.management.base import BaseCommand, CommandError

from config.errors import UserFacingError
from judging.assignment import assign, is_connected, load_spread
from judging.offline import read_entries, read_judges, write_assignment
from judging.selectors import library_tree


class Command(BaseCommand):
    help = "分配评委（回避本馆，可选回避本市）Assign k judges per entry with conflicts of interest and balanced loads"

    def add_arguments(self, parser):
        parser.add_argument("--entries", required=True, help="CSV: entry_id,library_code")
        parser.add_argument("--judges", required=True, help="CSV: judge_id,library_code[,capacity]")
        parser.add_argument("--per-entry", type=int, required=True, help="judges per entry (k)")
        parser.add_argument("--same-city-conflict", action="store_true", help="also avoid judges of the same city")
        parser.add_argument("--anchors", type=int, default=0, help="anchor entries scored by every eligible judge")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", required=True, help="CSV written: entry_id,judge_id")

    def handle(self, *args, **opts):
        try:
            tree = library_tree()
            entries = read_entries(opts["entries"], tree)
            judges = read_judges(opts["judges"], tree)
            result = assign(entries, judges, opts["per_entry"], tree=tree, same_city=opts["same_city_conflict"],
                            anchors=opts["anchors"], seed=opts["seed"])
            write_assignment(opts["out"], result.pairs)
        except UserFacingError as exc:
            raise CommandError(f"{exc.message_zh}\n{exc.message_en}") from None
        except OSError as exc:
            raise CommandError(f"无法写入输出文件：{exc}\ncannot write the output file: {exc}") from None
        loads = sorted(result.loads.values())
        connected = is_connected([j.id for j in judges], result.pairs)
        self.stdout.write(
            f"已分配 {len(result.pairs)} 条（{len(entries)} 件作品，{len(judges)} 位评委）；"
            f"评委负担 {loads[0]}–{loads[-1]}（差 {load_spread(result)}）；"
            f"评委网络{'连通' if connected else '不连通'}\n"
            f"Assigned {len(result.pairs)} pairs ({len(entries)} entries, {len(judges)} judges); "
            f"loads {loads[0]}–{loads[-1]}; written to {opts['out']}"
        )
        if not connected:
            self.stderr.write("注意：评委之间没有共同评审的作品，无法校准评委偏差；请用 --per-entry 2 以上或 --anchors"
                              " / note: the judges share no entries, so their biases cannot be calibrated; use"
                              " --per-entry 2 or more, or --anchors")
        if result.relaxed_by:
            self.stderr.write(f"注意：回避规则使负担无法完全均衡（放宽 {result.relaxed_by}）"
                              f" / note: conflicts made exact balance impossible (relaxed by {result.relaxed_by})")
