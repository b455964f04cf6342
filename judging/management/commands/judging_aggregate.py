"""python manage.py judging_aggregate --scores S.csv [--weights W.csv] --out R.csv"""

from django.core.management.base import BaseCommand, CommandError

from config.errors import UserFacingError
from judging.aggregation import aggregate, combine_criteria
from judging.offline import read_scores, read_weights, write_results


class Command(BaseCommand):
    help = "汇总评分：原始均分、去极值均分、校准分及区间 Aggregate scores: raw mean, trimmed mean, calibrated with interval"

    def add_arguments(self, parser):
        parser.add_argument("--scores", required=True, help="CSV: entry_id,judge_id,criterion,score")
        parser.add_argument("--weights", help="CSV: criterion,weight")
        parser.add_argument("--tolerance", type=float, help="disagreement when max − min of an entry's totals exceeds this")
        parser.add_argument("--out", required=True, help="CSV written: entry_id,n_scores,raw_mean,...,rank,flags")

    def handle(self, *args, **opts):
        try:
            rows = read_scores(opts["scores"])
            weights = read_weights(opts["weights"]) if opts.get("weights") else None
            if weights:
                unknown = sorted({c for _, _, c, _ in rows} - set(weights))
                if unknown:
                    raise CommandError(
                        f"分数中的评分项不在权重文件里：{', '.join(unknown)}\n"
                        f"criteria in the scores are missing from the weights file: {', '.join(unknown)}")
            totals = combine_criteria(rows, weights)
            result = aggregate(totals, tolerance=opts.get("tolerance"))
            write_results(opts["out"], result)
        except UserFacingError as exc:
            raise CommandError(f"{exc.message_zh}\n{exc.message_en}") from None
        except OSError as exc:
            raise CommandError(f"无法写入输出文件：{exc}\ncannot write the output file: {exc}") from None
        flagged = sum(1 for r in result.entries if r.flags)
        self.stdout.write(
            f"已汇总 {len(result.entries)} 件作品、{len(totals)} 份评分；{flagged} 件有标记\n"
            f"Aggregated {len(result.entries)} entries from {len(totals)} judge totals; {flagged} flagged; "
            f"written to {opts['out']}"
        )
