"""The report's tables, and their XLSX (one sheet per table) and CSV renderings.

`report_tables()` turns the figures dict into named tables; the page shows the same tables, so the
page, the XLSX and the CSV always hold the same numbers. Both files are written by config/spreadsheets.py
(text that a spreadsheet would run as a formula is neutralised there)."""

from dataclasses import dataclass

from config import spreadsheets
from config.spreadsheets import Sheet
from reports.selectors.labels import LEVEL_LABEL, MEDIA_LABEL


@dataclass
class Table:
    key: str
    title: str  # also the XLSX sheet name (≤ 31 characters)
    headers: list[str]
    rows: list[list]


HEADLINE_LABELS = [
    ("visits_pv", "访问量 Page views"),
    ("visits_uv", "访客数 Unique visitors (daily, summed)"),
    ("participants", "参与人数 Participants"),
    ("participations", "参与人次 Participations"),
    ("registrations", "报名 Registrations"),
    ("attempts", "答题 Quiz attempts"),
    ("entries", "作品 Entries"),
    ("likes", "点赞 Likes"),
    ("libraries_taking_part", "参与图书馆 Libraries taking part"),
    ("followers_gained", "新增粉丝 Followers gained"),
    ("awards", "获奖 Awards"),
]


def report_tables(figures: dict) -> list[Table]:
    h = figures["headline"]
    summary = [[label, h[key]] for key, label in HEADLINE_LABELS]
    for level, n in h["libraries_taking_part_by_level"].items():
        summary.append([f"参与图书馆 · {LEVEL_LABEL[level]}", n])
    for key, label in (("visits", "访问峰值日 Peak day (views)"), ("participations", "参与峰值日 Peak day (participations)")):
        peak = figures["peak"][key]
        summary.append([label, f'{peak["date"]} ({peak["value"]})' if peak else "—"])
    peak_day = (figures["peak"]["participations"] or {}).get("date")
    tables = [
        Table("summary", "总览 Summary", ["指标 Figure", "数值 Value"], summary),
        Table("days", "每日 By day",
              ["日期 Date", "访问量 Views", "访客 Visitors", "报名 Registrations", "答题 Attempts", "作品 Entries",
               "点赞 Likes", "参与人次 Participations", "峰值 Peak"],
              [[d["date"], d["pv"], d["uv"], d["registrations"], d["attempts"], d["entries"], d["likes"],
                d["participations"], "峰值 Peak" if d["date"] == peak_day else ""] for d in figures["days"]]),
        Table("by_level", "按级别 By level",
              ["级别 Level", "参与馆分支 Branches", "参与图书馆 Taking part", "参与人数 Participants",
               "参与人次 Participations", "作品 Entries", "访问量 Views"],
              [[r["label"], r["branches"], r["libraries_taking_part"], r["participants"], r["participations"],
                r["entries"], r["pv"]] for r in figures["by_level"]]),
        Table("by_province", "按省份 By province",
              ["省份 Province", "参与图书馆 Taking part", "参与人数 Participants", "参与人次 Participations",
               "作品 Entries", "访问量 Views"],
              [[r["province"], r["libraries_taking_part"], r["participants"], r["participations"], r["entries"], r["pv"]]
               for r in figures["by_province"]]),
        Table("by_city", "按城市 By city",
              ["省份 Province", "城市 City", "参与图书馆 Taking part", "参与人数 Participants",
               "参与人次 Participations", "作品 Entries", "访问量 Views"],
              [[r["province"], r["city"], r["libraries_taking_part"], r["participants"], r["participations"],
                r["entries"], r["pv"]] for r in figures["by_city"]]),
        Table("events", "各项目 By event",
              ["项目 Event", "类型 Kind", "参与人数 Participants", "答题 Attempts", "作品 Entries",
               "已就绪 Ready", "待审核 To moderate", "点赞 Likes"] + [MEDIA_LABEL[m] for m in MEDIA_LABEL],
              [[e["title"], e["kind_label"], e["participants"], e["attempts"], e["entries"], e["entries_ready"],
                e["entries_to_moderate"], e["likes"]] + [e["by_media"][m] for m in MEDIA_LABEL]
               for e in figures["events"]]),
        Table("entries_by_media", "作品类型 By media",
              ["类型 Media", "作品 Entries"], [[r["label"], r["entries"]] for r in figures["entries_by_media"]]),
        Table("top_participation", "参与排行 Top by participation",
              ["名次 Rank", "代码 Code", "图书馆 Library", "级别 Level", "省份 Province", "参与人数 Participants",
               "参与人次 Participations", "作品 Entries"],
              [[r["rank"], r["code"], r["name"], LEVEL_LABEL[r["level"]], r["province"], r["participants"],
                r["participations"], r["entries"]] for r in figures["top_libraries_participation"]]),
        Table("top_entries", "作品排行 Top by entries",
              ["名次 Rank", "代码 Code", "图书馆 Library", "级别 Level", "省份 Province", "作品 Entries",
               "参与人数 Participants"],
              [[r["rank"], r["code"], r["name"], LEVEL_LABEL[r["level"]], r["province"], r["entries"],
                r["participants"]] for r in figures["top_libraries_entries"]]),
        Table("libraries", "各馆 By library",
              ["代码 Code", "图书馆 Library", "级别 Level", "省份 Province", "城市 City", "参与 Taking part",
               "参与人数 Participants", "报名 Registrations", "答题 Attempts", "作品 Entries", "点赞 Likes",
               "参与人次 Participations", "新增粉丝 Followers", "获奖 Awards", "访问量 Views", "访客 Visitors"],
              [[r["code"], r["name"], LEVEL_LABEL[r["level"]], r["province"], r["city"],
                "是 Yes" if r["takes_part"] else "否 No", r["participants"], r["registrations"], r["attempts"],
                r["entries"], r["likes"], r["participations"], r["followers_gained"], r["awards"], r["pv"], r["uv"]]
               for r in figures["libraries"]]),
        Table("quiz", "答题结果 Quiz results",
              ["项目 Event", "答题次数 Attempts", "已交卷 Finished", "参与人数 Participants", "全部作答 Completed",
               "平均最好成绩 Average best", "中位数 Median best", "最高分 Highest"],
              [[q["title"], q["attempts"], q["attempts_finished"], q["participants"], q["completed"],
                q["average_best_score"], q["median_best_score"], q["highest_score"]] for q in figures["quiz"]]),
        Table("quiz_top", "答题前十 Quiz top 10",
              ["项目 Event", "名次 Rank", "昵称 Nickname", "图书馆 Library", "成绩 Score", "用时秒 Seconds"],
              [[q["title"], t["rank"], t["nickname"], t["library"], t["score"], t["seconds"]]
               for q in figures["quiz"] for t in q["top"]]),
        Table("judging", "评审进度 Judging",
              ["轮次 Round", "状态 Status", "作品 Entries", "评委 Judges", "评分任务 Assignments", "已完成 Done",
               "进度% Progress", "成绩 Results", "晋级 Advanced", "获奖 Awarded", "平均最终分 Average final"],
              [[r["title"], r["status_label"], r["entries"], r["judges"], r["assignments"], r["assignments_done"],
                r["progress"], r["results"], r["advanced"], r["awarded"], r["average_final"]]
               for r in figures["judging"]["rounds"]]),
        Table("awards", "获奖 Awards",
              ["奖项 Award", "数量 Count"], [[t["tier"], t["count"]] for t in figures["awards"]["tiers"]]),
    ]
    return tables


def xlsx_bytes(figures: dict) -> bytes:
    sheets = [Sheet(table.title, table.headers, table.rows) for table in report_tables(figures)]
    return spreadsheets.xlsx_bytes(sheets, title=f'{figures["campaign"]["title"]} · {figures["scope"]["name"]}')


def csv_text(figures: dict, table_key: str | None = None) -> str:
    """All tables one after another (a title row, a header row, the rows, a blank line), or just one.

    Starts with a UTF-8 BOM so Excel opens the Chinese text correctly."""
    tables = report_tables(figures)
    if table_key:
        tables = [t for t in tables if t.key == table_key]
        if not tables:
            raise KeyError(table_key)
    rows = []
    for table in tables:
        if not table_key:
            rows.append([f"# {table.title}"])
        rows.append(table.headers)
        rows.extend(table.rows)
        if not table_key:
            rows.append([])
    return spreadsheets.csv_text(rows)


TABLE_KEYS = ["summary", "days", "by_level", "by_province", "by_city", "events", "entries_by_media",
              "top_participation", "top_entries", "libraries", "quiz", "quiz_top", "judging", "awards"]
