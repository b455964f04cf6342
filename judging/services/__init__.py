"""Writes of the judging workflow. Keyword-only, atomic, audited; side effects after commit.

One module per stage of the work (rounds, judges, assignments, scoring, likes, results,
publication); this package names the public services so callers write `services.round_assign(...)`."""

from judging.services.assignments import assignment_declare_conflict, judge_drop, round_assign, round_entries
from judging.services.comparisons import comparative_summary, comparison_decide, comparison_next, round_comparative_fit
from judging.services.judges import campaign_judges, judge_upsert, judges_import_xlsx, panel_set_judges, round_judges
from judging.services.likes import like_add, likes_void, voter_hash
from judging.services.publication import (
    appeal_file,
    appeal_resolve,
    certificates_issue,
    round_finalize,
    round_publicize,
)
from judging.services.results import rank_with_ties, round_compute_results, round_judge_models, round_top_up, tie_decide
from judging.services.rounds import DEFAULT_RUBRIC, round_set_status, rounds_sync
from judging.services.scoring import (
    assignment_open,
    assignment_reopen,
    assignment_track_play,
    discrepancy_arbitrate,
    discrepancy_check,
    round_totals,
    score_record,
)

__all__ = [
    "rounds_sync",
    "round_set_status",
    "DEFAULT_RUBRIC",
    "judge_upsert",
    "judges_import_xlsx",
    "campaign_judges",
    "panel_set_judges",
    "round_judges",
    "round_entries",
    "round_assign",
    "comparison_next",
    "comparison_decide",
    "round_comparative_fit",
    "comparative_summary",
    "judge_drop",
    "assignment_declare_conflict",
    "assignment_track_play",
    "assignment_open",
    "score_record",
    "assignment_reopen",
    "round_totals",
    "discrepancy_check",
    "discrepancy_arbitrate",
    "voter_hash",
    "like_add",
    "likes_void",
    "rank_with_ties",
    "round_compute_results",
    "round_top_up",
    "tie_decide",
    "round_judge_models",
    "appeal_file",
    "appeal_resolve",
    "round_publicize",
    "round_finalize",
    "certificates_issue",
]
