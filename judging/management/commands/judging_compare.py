"""python manage.py judging_compare next --entries E.csv --judges J.csv [--judgements DONE.csv] --batch K --out NEXT.csv
python manage.py judging_compare fit --judgements DONE.csv --out RESULT.csv

Comparative judgement on files (judging/comparative.py explains the method)."""

from django.core.management.base import BaseCommand, CommandError

from config.errors import UserFacingError
from judging.comparative import PairingState, comparisons_per_entry, fit, next_pairs
from judging.offline import read_entries, read_judgements, read_judges, write_fit, write_pairs
from judging.selectors import library_tree


class Command(BaseCommand):
    help = "比较式评审：生成下一批比较 / 拟合排名 Comparative judgement: choose the next comparisons / fit the scale"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        nxt = sub.add_parser("next", help="write the next K comparisons (entry_a,entry_b,judge)")
        nxt.add_argument("--entries", required=True, help="CSV: entry_id,library_code")
        nxt.add_argument("--judges", required=True, help="CSV: judge_id,library_code[,capacity]")
        nxt.add_argument("--judgements", help="CSV of comparisons already made: entry_a,entry_b,judge,winner")
        nxt.add_argument("--batch", type=int, required=True, help="how many comparisons to write (K)")
        nxt.add_argument("--same-city-conflict", action="store_true", help="also keep judges from entries of their city")
        nxt.add_argument("--warmup", type=int, default=4,
                         help="comparisons per entry chosen at random before pairing becomes adaptive (default 4)")
        nxt.add_argument("--seed", type=int, default=0)
        nxt.add_argument("--out", required=True, help="CSV written: entry_a,entry_b,judge")
        fitp = sub.add_parser("fit", help="fit the scale: entry,score,se,rank; prints SSR and split-half last")
        fitp.add_argument("--judgements", required=True, help="CSV: entry_a,entry_b,judge,winner (a, b or tie)")
        fitp.add_argument("--seed", type=int, default=0, help="seed of the random split into two halves of judges")
        fitp.add_argument("--out", required=True, help="CSV written: entry,score,se,rank,rank_low,rank_high,comparisons")

    def handle(self, *args, **opts):
        try:
            if opts["action"] == "next":
                self._next(opts)
            else:
                self._fit(opts)
        except UserFacingError as exc:
            raise CommandError(f"{exc.message_zh}\n{exc.message_en}") from None
        except OSError as exc:
            raise CommandError(f"无法读写文件：{exc}\ncannot read or write a file: {exc}") from None

    def _next(self, opts):
        if opts["batch"] < 1:
            raise CommandError("--batch 必须是正整数\n--batch must be a positive whole number")
        tree = library_tree()
        entries = read_entries(opts["entries"], tree, allow_unknown=True)
        judges = read_judges(opts["judges"], tree, allow_unknown=True)
        if len(entries) < 2 or not judges:
            raise CommandError("至少需要 2 件作品和 1 位评委\nat least 2 entries and 1 judge are needed")
        done = []
        if opts.get("judgements"):
            done = read_judgements(opts["judgements"], entries={e.id for e in entries}, judges={j.id for j in judges})
        unknown = sorted({e.library for e in entries} | {j.library for j in judges} - set(tree.levels))
        if unknown:
            self.stderr.write(f"注意：{len(unknown)} 个图书馆代码不在馆藏树中，仅回避同代码 / note: {len(unknown)} library "
                              "codes are not in the library tree; they conflict only with the same code")
        state = PairingState(entries=entries, judges=judges, done=done, tree=tree,
                             same_city=opts["same_city_conflict"], warmup=opts["warmup"], seed=opts["seed"])
        pairs = next_pairs(state, opts["batch"])
        write_pairs(opts["out"], pairs)
        counts = comparisons_per_entry(done)
        for a, b, _ in pairs:
            counts[a] = counts.get(a, 0) + 1
            counts[b] = counts.get(b, 0) + 1
        least = min(counts.get(e.id, 0) for e in entries)
        self.stdout.write(f"已写出 {len(pairs)} 组比较到 {opts['out']}；之后每件作品至少比较 {least} 次\n"
                          f"Wrote {len(pairs)} comparisons to {opts['out']}; every entry then has at least {least}")
        if len(pairs) < opts["batch"]:
            self.stderr.write(f"注意：回避规则下只能再安排 {len(pairs)} 组 / note: only {len(pairs)} comparisons "
                              "could be arranged under the conflict rules")

    def _fit(self, opts):
        judgements = read_judgements(opts["judgements"])
        if not judgements:
            raise CommandError("没有比较记录\nno comparisons in the file")
        result = fit(judgements, seed=opts["seed"])
        write_fit(opts["out"], result)
        for judge in sorted(result.judges.values(), key=lambda j: -j.infit):
            mark = "  ← 偏离 misfit" if judge.flagged else ""
            self.stdout.write(f"judge {judge.judge_id}: {judge.n_judgements} comparisons, weight {judge.weight:.2f}, "
                              f"infit {judge.infit:.2f}{mark}")
        split = "n/a" if result.split_half is None else f"{result.split_half:.3f}"
        self.stdout.write(f"{len(result.entries)} entries, {len(judgements)} comparisons, {len(result.judges)} judges; "
                          f"written to {opts['out']}")
        self.stdout.write(f"SSR={result.ssr:.3f} split_half={split}")
