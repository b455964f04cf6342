"""Checks that span several fields or refer to the database: references between sections, library codes,
poem keys, schedule order, rubric weights. Each records every problem; conditional defaults are set here."""

from datetime import date, datetime

from campaigns.campaign_file.catalog import Catalog
from campaigns.campaign_file.fields import Context
from campaigns.campaign_file.formula import FormulaError, formula_names
from campaigns.campaign_file.issues import did_you_mean
from campaigns.campaign_file.schema import LIMIT_MEDIA, MEDIA_BY_KIND, STAGE_KINDS

MAX_ARTICLES_PER_MESSAGE = 8


def check(data: dict, ctx: Context, catalog: Catalog) -> None:
    events = _items(data.get("events"))
    check_stages(_items(data.get("stages")), ctx)
    check_libraries(data, ctx, catalog)
    check_age_groups(_items(data.get("age_groups")), ctx)
    age_keys = {g["key"] for _, g in _items(data.get("age_groups")) if "key" in g}
    check_events(events, age_keys, ctx, catalog)
    kinds = {e["slug"]: e.get("kind") for _, e in events if "slug" in e}
    if "judging" in data:
        check_judging(data["judging"], kinds, ctx)
    if "likes" in data:
        _event_ref(data["likes"].get("event"), ("likes", "event"), kinds, ctx, entries_only=True)
        likes = data["likes"]
        if likes.get("per_voter_per_day", 0) < likes.get("per_voter_per_entry_per_day", 0):
            ctx.error(("likes", "per_voter_per_day"), "不能少于 per_voter_per_entry_per_day",
                      "must not be less than per_voter_per_entry_per_day")
    if "scoring" in data:
        check_scoring(data, ctx)
    _unique(_items(data.get("awards")), "key", ("awards",), ctx)
    for i, award in _items(data.get("awards")):
        _event_ref(award.get("event"), ("awards", i, "event"), kinds, ctx)
    check_pushes(_items(data.get("pushes")), ctx)


def _items(values) -> list[tuple[int, dict]]:
    """(index, item) of the list items that passed their own checks (invalid ones are None)."""
    return [(i, v) for i, v in enumerate(values or []) if isinstance(v, dict)]


def _unique(items, key: str, path, ctx: Context) -> None:
    seen = {}
    for i, item in items:
        if key in item:
            if item[key] in seen:
                ctx.error((*path, i, key), f"“{item[key]}” 重复（第 {seen[item[key]] } 项已用）",
                          f"'{item[key]}' is used twice (also item {seen[item[key]]})")
            seen.setdefault(item[key], i)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _window(section: dict, path, ctx: Context, start="opens", end="closes") -> None:
    opens, closes = _time(section.get(start)), _time(section.get(end))
    if opens and closes and closes <= opens:
        ctx.error((*path, end), f"必须晚于 {start}", f"must be after {start}")


def _event_ref(slug, path, kinds: dict, ctx: Context, *, entries_only: bool = False) -> None:
    if slug is None:
        return
    if slug not in kinds:
        guess = did_you_mean(slug, kinds)
        hint = (f"（是否想写 “{guess}”？）", f" (did you mean '{guess}'?)") if guess else ("", "")
        ctx.error(path, f"没有 slug 为 “{slug}” 的活动项目{hint[0]}", f"no event with slug '{slug}'{hint[1]}")
    elif entries_only and kinds[slug] == "quiz":
        ctx.error(path, f"“{slug}” 是答题项目，不收作品", f"'{slug}' is a quiz; it takes no entries")


def check_stages(stages, ctx: Context) -> None:
    _unique(stages, "kind", ("stages",), ctx)
    for i, stage in stages:
        _window(stage, ("stages", i), ctx, "starts", "ends")
    ordered = sorted((STAGE_KINDS.index(s["kind"]), i, s) for i, s in stages if "kind" in s and "starts" in s)
    for (_, _, before), (_, i, stage) in zip(ordered, ordered[1:], strict=False):
        if _time(stage["starts"]) < _time(before["starts"]):
            ctx.error(("stages", i, "starts"), f"{stage['kind']} 阶段不能早于 {before['kind']} 阶段开始",
                      f"the {stage['kind']} stage cannot start before the {before['kind']} stage")


def check_libraries(data: dict, ctx: Context, catalog: Catalog) -> None:
    lead = data.get("lead_library")
    if lead is not None and lead not in catalog.libraries:
        _unknown_library(lead, ("lead_library",), ctx, catalog)
    section = data.get("libraries")
    if section is None:
        return
    listed = [k for k in ("codes", "levels", "subtrees") if section.get(k)]
    if section.get("all") and listed:
        ctx.error(("libraries", "all"), f"all: true 时不能再写 {', '.join(listed)}",
                  f"all: true cannot be combined with {', '.join(listed)}")
    elif not section.get("all") and not listed:
        ctx.error(("libraries",), "请写 all: true，或列出 codes、levels、subtrees 中至少一项",
                  "write all: true, or list at least one of codes, levels, subtrees")
    for key in ("codes", "subtrees"):
        for i, code in enumerate(section.get(key) or []):
            if code is not None and code not in catalog.libraries:
                _unknown_library(code, ("libraries", key, i), ctx, catalog)
    if (section.get("all") or listed) and not catalog.participants(section):
        ctx.error(("libraries",), "没有选中任何图书馆", "selects no library")


def _unknown_library(code: str, path, ctx: Context, catalog: Catalog) -> None:
    guess = did_you_mean(code, catalog.libraries)
    hint = (f"（是否想写 “{guess}”？）", f" (did you mean '{guess}'?)") if guess else ("", "")
    ctx.error(path, f"图书馆代码 “{code}” 不存在{hint[0]}", f"no library with code '{code}'{hint[1]}")


def check_age_groups(groups, ctx: Context) -> None:
    _unique(groups, "key", ("age_groups",), ctx)
    ranges = []
    for i, group in groups:
        low, high = group.get("min_age"), group.get("max_age")
        if low is None or high is None:
            continue
        if high < low:
            ctx.error(("age_groups", i, "max_age"), "不能小于 min_age", "must not be less than min_age")
            continue
        for j, other_low, other_high, other_key in ranges:
            if low <= other_high and other_low <= high:
                ctx.error(("age_groups", i), f"年龄范围与 “{other_key}”（第 {j} 项）重叠",
                          f"age range overlaps '{other_key}' (item {j})")
        ranges.append((i, low, high, group.get("key")))


def check_events(events, age_keys: set, ctx: Context, catalog: Catalog) -> None:
    _unique(events, "slug", ("events",), ctx)
    for i, event in events:
        path, kind = ("events", i), event.get("kind")
        for j, key in enumerate(event.get("age_groups") or []):
            if key is not None and key not in age_keys:
                guess = did_you_mean(key, age_keys)
                hint = (f"（是否想写 “{guess}”？）", f" (did you mean '{guess}'?)") if guess else ("", "")
                ctx.error((*path, "age_groups", j), f"没有 key 为 “{key}” 的年龄组{hint[0]}",
                          f"no age group with key '{key}'{hint[1]}")
        if kind is None:
            continue
        from campaigns.campaign_file.schema import EXTRA_EVENT_KINDS

        if kind in EXTRA_EVENT_KINDS:  # e.g. reading: its own section, neither entries nor quiz
            for unwanted in ("entries", "quiz"):
                if unwanted in event:
                    ctx.error((*path, unwanted), f"{kind} 项目不能有 {unwanted} 部分",
                              f"a {kind} event cannot have an {unwanted} section")
            continue
        for other in EXTRA_EVENT_KINDS:
            if other in event:
                ctx.error((*path, other), f"{kind} 项目不能有 {other} 部分", f"a {kind} event cannot have a {other} section")
        wanted, unwanted = ("quiz", "entries") if kind == "quiz" else ("entries", "quiz")
        if unwanted in event:
            ctx.error((*path, unwanted), f"{kind} 项目不能有 {unwanted} 部分", f"a {kind} event cannot have an {unwanted} section")
        if wanted not in event:
            ctx.error((*path, wanted), f"{kind} 项目需要 {wanted} 部分", f"a {kind} event needs an {wanted} section")
        elif kind == "quiz":
            check_quiz(event["quiz"], (*path, "quiz"), ctx)
        else:
            check_entries(event["entries"], kind, (*path, "entries"), ctx, catalog)


def check_entries(entries: dict, kind: str, path, ctx: Context, catalog: Catalog) -> None:
    media = [m for m in entries.get("media") or [] if m]
    for j, medium in enumerate(entries.get("media") or []):
        if medium and medium not in MEDIA_BY_KIND[kind]:
            ctx.error((*path, "media", j), f"{kind} 项目只能收 {'、'.join(MEDIA_BY_KIND[kind])} 作品",
                      f"a {kind} event accepts only {', '.join(MEDIA_BY_KIND[kind])}")
    if "wechat_voice" in (entries.get("channels") or []) and "audio" not in media:
        ctx.error((*path, "channels"), "wechat_voice（微信语音）需要 media 包含 audio",
                  "wechat_voice needs audio among the media")
    limits = entries.get("limits") or {}
    for name in limits:
        if media and not set(LIMIT_MEDIA[name]) & set(media):
            ctx.error((*path, "limits", name), f"只适用于 {'、'.join(LIMIT_MEDIA[name])} 作品",
                      f"applies only to {', '.join(LIMIT_MEDIA[name])} media")
    if limits.get("min_seconds") and limits.get("max_seconds") and limits["max_seconds"] <= limits["min_seconds"]:
        ctx.error((*path, "limits", "max_seconds"), "必须大于 min_seconds", "must be greater than min_seconds")
    if kind != "recitation" and "poems" in entries:
        ctx.error((*path, "poems"), "只有诵读（recitation）项目可以指定诗词", "only a recitation event has poems")
    elif kind == "recitation":
        entries.setdefault("poems", "all")
        if isinstance(entries["poems"], list):
            for j, key in enumerate(entries["poems"]):
                if key is not None and key not in catalog.poems:
                    guess = did_you_mean(key, catalog.poems)
                    hint = (f"（是否想写 “{guess}”？）", f" (did you mean '{guess}'?)") if guess else ("", "")
                    ctx.error((*path, "poems", j), f"诗词库中没有 “{key}”{hint[0]}", f"no poem '{key}' in the catalogue{hint[1]}")
    _window(entries, path, ctx)


def check_quiz(quiz: dict, path, ctx: Context) -> None:
    draws = _items(quiz.get("draw"))
    for j, draw in draws:
        if ("difficulty" in draw) == ("tag" in draw):
            ctx.error((*path, "draw", j), "每项抽题规则写 difficulty 或 tag 中的一个，再写 count",
                      "each draw rule names either difficulty or tag (not both), plus count")
    if draws and "questions" in quiz and len(draws) == len(quiz["draw"]):
        total = sum(d.get("count", 0) for _, d in draws)
        if total != quiz["questions"]:
            ctx.error((*path, "draw"), f"各项 count 之和（{total}）应等于 questions（{quiz['questions']}）",
                      f"the counts add up to {total} but questions is {quiz['questions']}")
    scoring = quiz.get("scoring") or {}
    if scoring.get("formula") in ("time_bonus", "kahoot") and not (quiz.get("time_limit") or {}).get("per_question_seconds"):
        ctx.error((*path, "scoring", "formula"), f"{scoring['formula']} 计分需要 time_limit.per_question_seconds",
                  f"{scoring['formula']} scoring needs time_limit.per_question_seconds")
    if scoring.get("formula") == "time_bonus":
        scoring.setdefault("bonus_per_second", 30)
    elif "bonus_per_second" in scoring:
        ctx.error((*path, "scoring", "bonus_per_second"), "只用于 time_bonus 计分", "is used only by time_bonus scoring")
    attempts = quiz.get("attempts") or {}
    if attempts.get("per_day") and attempts.get("per_campaign") and attempts["per_campaign"] < attempts["per_day"]:
        ctx.error((*path, "attempts", "per_campaign"), "不能少于 per_day", "must not be less than per_day")
    _window(quiz, path, ctx)


def check_judging(judging: dict, kinds: dict, ctx: Context) -> None:
    rounds = _items(judging.get("rounds"))
    _unique(rounds, "key", ("judging", "rounds"), ctx)
    for i, round_ in rounds:
        path = ("judging", "rounds", i)
        _event_ref(round_.get("event"), (*path, "event"), kinds, ctx, entries_only=True)
        if round_.get("method", "rubric") == "rubric" and not round_.get("rubric"):
            ctx.error((*path, "rubric"), "量表评分轮次必须写 rubric（评分项）",
                      "a rubric round needs a rubric (its criteria); a comparative round does not")
        criteria = _items(round_.get("rubric"))
        _unique(criteria, "key", (*path, "rubric"), ctx)
        _unique([(j, c) for j, c in criteria if "priority" in c], "priority", (*path, "rubric"), ctx)
        for j, criterion in criteria:
            if "min" in criterion and "max" in criterion and criterion["max"] <= criterion["min"]:
                ctx.error((*path, "rubric", j, "max"), "必须大于 min", "must be greater than min")
        weights = [c["weight"] for _, c in criteria if "weight" in c]
        if len(weights) == len(round_.get("rubric") or []) and weights and abs(sum(weights) - 100) > 1e-9:
            ctx.error((*path, "rubric"), f"各项 weight 之和应为 100（现为 {sum(weights):g}）",
                      f"the weights must add up to 100 (they add up to {sum(weights):g})")
        advance = round_.get("advance")
        if advance is not None and len(advance) != 1:
            ctx.error((*path, "advance"), "写 top（前 N 名）或 top_percent（前 N%）中的一个",
                      "write one of top (the best N) or top_percent (the best N%)")
        _window(round_, path, ctx)


def check_scoring(data: dict, ctx: Context) -> None:
    formula = data["scoring"].get("formula")
    if formula is None:
        return
    try:
        names = formula_names(formula)
    except FormulaError as exc:
        ctx.error(("scoring", "formula"), exc.message_zh, exc.message_en)
        return
    if "likes" in names and "likes" not in data:
        ctx.error(("scoring", "formula"), "公式用到 likes，但文件没有 likes 部分", "the formula uses likes but there is no likes section")
    if "panel" in names and "judging" not in data:
        ctx.error(("scoring", "formula"), "公式用到 panel，但文件没有 judging 部分", "the formula uses panel but there is no judging section")


def check_pushes(pushes, ctx: Context) -> None:
    _unique(pushes, "key", ("pushes",), ctx)
    for i, push in pushes:
        schedule, path = push.get("schedule"), ("pushes", i, "schedule")
        if schedule is None:
            continue
        daily = [k for k in ("daily_at", "from", "to") if k in schedule]
        if ("at" in schedule) == bool(daily) or (daily and len(daily) != 3):
            ctx.error(path, "写 at（一次推送），或 daily_at + from + to（每日推送）",
                      "write at (one push), or daily_at with from and to (a daily push)")
            continue
        articles = push.get("articles")
        if articles and len(articles) > MAX_ARTICLES_PER_MESSAGE:
            ctx.error(("pushes", i, "articles"), f"一次推送最多 {MAX_ARTICLES_PER_MESSAGE} 篇文章",
                      f"one push carries at most {MAX_ARTICLES_PER_MESSAGE} articles")
        if daily and date.fromisoformat(schedule["to"]) < date.fromisoformat(schedule["from"]):
            ctx.error((*path, "to"), "不能早于 from", "must not be before from")
        elif daily and (date.fromisoformat(schedule["to"]) - date.fromisoformat(schedule["from"])).days > 366:
            ctx.error((*path, "to"), "每日推送最长一年", "a daily push lasts at most a year")
