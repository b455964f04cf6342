"""Run the benchmarks: `python -m bench` (all) or `python -m bench media judging_quality ...`.

Each benchmark prints its own figures as ratios against a baseline measured in the same run, and
the goal it is held to. Benchmarks marked (pg) need PostgreSQL (and Redis) on localhost."""

import subprocess
import sys
import time

BENCHMARKS = {
    "media": "audio pipeline ÷ bare ffmpeg, peak memory, refusal time, photos ÷ bare Pillow",
    "judging_quality": "calibrated scores vs raw mean / z-scores / ratio on a simulated panel",
    "judging_scale": "assignment and aggregation at 10,000 entries ÷ naive baselines",
    "judging_compare": "comparative judgement vs the calibrated rubric round, SSR vs achieved reliability, fit speed",
    "serving": "the WSGI floor (trivial view on gunicorn); sync vs gthread; home, campaign, branch pages and "
               "`make run` ÷ floor",
    "quiz_burst": "quiz answers/s ÷ the WSGI floor, p99 at 64 in flight and at human pace (SQLite)",
    "quiz_burst_pg": "the same on PostgreSQL + Redis (pg)",
    "leaderboard_fanout": "1,000 WebSocket clients receive a leaderboard update (Redis layer) (pg)",
    "wechat_callback": "signed deliveries/s ÷ the WSGI floor, p99 at 64 in flight, retries exactly once (SQLite)",
    "wechat_callback_pg": "the same on PostgreSQL + Redis (pg)",
    "wechat_token": "8 processes after token expiry → exactly one refresh",
    "report_scale": "the full report over 1.3M participations ÷ a plain count(*) (pg)",
    "visit_counting": "page throughput with visit counting on ÷ off",
    "families": "public and family pages ÷ a trivial view, queries per page",
    "reading": "logging a reading ÷ the WSGI floor, p99 at 64 in flight; recompute of 1M ledger rows ÷ a plain "
               "SUM; the collective-goal breakdown for 450 libraries (pg)",
}
# Entries that run another benchmark's module with options.
COMMANDS = {"quiz_burst_pg": ["bench.quiz_burst", "--postgres"],
            "wechat_callback_pg": ["bench.wechat_callback", "--postgres"]}


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from: {', '.join(BENCHMARKS)}")
        return 2
    failed = []
    for name in names or list(BENCHMARKS):
        print(f"\n=== bench.{name}: {BENCHMARKS[name]}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-m", *COMMANDS.get(name, [f"bench.{name}"])])
        print(f"=== bench.{name} finished in {time.monotonic() - started:.1f} s (exit {code})", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that exited non-zero: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
