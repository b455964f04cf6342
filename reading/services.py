"""Writes: reading logs and their review, the points ledger, badges and offline check-ins.

Every credit goes through `points_credit`, under a lock on the child's row, so daily caps hold under
concurrency and the same activity is never credited twice (a unique key per source). Points are the
SUM of the ledger; `badges_evaluate` derives badges from the ledger and the sources, idempotently."""

from __future__ import annotations

import hashlib
import hmac
import math
import tempfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from campaigns.audit import audit_record
from campaigns.models import Campaign, Child, User
from campaigns.selectors import (
    attribution_library,
    attribution_subquery,
    campaign_stage_is_open,
    user_can_manage_library,
)
from config.errors import UserFacingError
from reading import selectors
from reading.config import campaign_reading, reading_rules
from reading.models import BadgeAward, Checkin, CheckinSession, PointsEntry, ReadingLog

Source = PointsEntry.Source


def error(code: str, zh: str, en: str, status: int = 400) -> UserFacingError:
    return UserFacingError(code, zh, en, status=status)


def local_now(campaign: Campaign, at: datetime | None = None) -> datetime:
    return (at or timezone.now()).astimezone(ZoneInfo(campaign.timezone or "Asia/Shanghai"))


def _lock_child(child: Child, campaign: Campaign | None = None) -> Child:
    """The child's row, locked (only that row: its library comes along unlocked); with `campaign`, also
    `branch_id`, the library their activity counts for (campaigns.selectors.attribution_subquery)."""
    rows = Child.objects.select_for_update(of=("self",)).select_related("library")
    if campaign is not None:
        rows = rows.annotate(branch_id=attribution_subquery(campaign))
    return rows.get(pk=child.pk)


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def goal_changed(campaign_id: int) -> None:
    """The collective goal's cached figures are versioned; a new version after commit makes them stale."""
    transaction.on_commit(lambda: _bump(selectors.GOAL_VERSION.format(campaign_id)))


def goal_people_changed(campaign_id: int) -> None:
    """A registration came or went: the goal's participant shares are recounted on the next read."""
    transaction.on_commit(lambda: _bump(selectors.PEOPLE_VERSION.format(campaign_id)))


# The figures badges look at that a credit of each source may change without the ledger's totals
# showing it (a quiz or an entry may be the child's first in its event; an entry may be a recitation).
UNREAD = {Source.QUIZ: {"events"}, Source.ENTRY: {"events", "recited"}}


def _credit(*, campaign: Campaign, child: Child, source: str, source_key: str, day: date, points: int,
            minutes: int = 0, library=None, library_id: int | None = None) -> tuple[PointsEntry | None, dict, dict]:
    """`points_credit`, also returning the child's ledger totals before and after it
    (selectors.ledger_totals; `before` also has `day_rows`, the source's rows that day). Two queries:
    the aggregate and the insert."""
    before = selectors.ledger_totals(campaign, child, source=source, source_key=source_key, day=day)
    if before["credited"]:
        return None, before, before
    cap = campaign_reading(campaign).points.cap(source)
    if cap is not None:
        points = max(0, min(points, cap - before["used"]))
    library_id = library_id or (library.pk if library is not None else child.library_id)
    entry = PointsEntry.objects.create(campaign=campaign, child=child, library_id=library_id,
                                       source=source, source_key=source_key, day=day, points=points, minutes=minutes)
    if minutes:
        goal_changed(campaign.id)
    after = {"points": before["points"] + points, "minutes": before["minutes"] + minutes,
             "logs": before["logs"] + (source == Source.READING),
             "checkins": before["checkins"] + (source == Source.CHECKIN)}
    return entry, before, after


def points_credit(*, campaign: Campaign, child: Child, source: str, source_key: str, day: date, points: int,
                  minutes: int = 0, library=None) -> PointsEntry | None:
    """Credit one activity (idempotent). Call inside a transaction holding the child's lock; the daily
    cap of the source is applied to what is left of it that day (a capped row is kept, with 0 points)."""
    return _credit(campaign=campaign, child=child, source=source, source_key=source_key, day=day, points=points,
                   minutes=minutes, library=library)[0]


# --- reading logs ----------------------------------------------------------------------------------


def _check_photo(upload) -> tuple[bytes, bytes, str]:
    """(original bytes, cleaned display bytes, extension): the image pipeline checks format, damage,
    pixel limits and removes EXIF/GPS, as for photo entries."""
    from submissions import workdirs
    from submissions.media import images
    from submissions.media.limits import limits_for

    data = upload.read()
    if not data:
        raise error("photo_empty", "照片是空文件", "the photo is an empty file")
    # The managed processing directory (submissions/workdirs.py), never the system temp folder.
    with tempfile.TemporaryDirectory(prefix="reading-", dir=workdirs.root()) as path:
        workdir = Path(path)
        source = workdir / "upload"
        source.write_bytes(data)
        result = images.process(source, limits_for("image"), workdir)
        cleaned = Path(result.playback_path)
        return data, cleaned.read_bytes(), cleaned.suffix or ".jpg"


def _flags(log: ReadingLog, rules, at: datetime, day_minutes: int) -> list[str]:
    """`day_minutes`: the child's minutes already logged that day (refused logs left out)."""
    flags = []
    if at.hour < 5 and log.minutes >= rules.night_flag_minutes:
        flags.append("night_marathon")
    if log.photo_sha256 and ReadingLog.objects.filter(
            campaign=log.campaign, child=log.child, photo_sha256=log.photo_sha256).exclude(day=log.day).exists():
        flags.append("photo_reused")
    if day_minutes + log.minutes > 12 * 60:
        flags.append("over_12_hours")
    return flags


def _count(log: ReadingLog, *, new_event: bool | None = None) -> None:
    """Credit a counted log, its streak bonuses and badges (inside the child's lock). `new_event`: the
    child's first counted log in this event (None: not known). A handful of queries: the ledger's
    aggregate and insert; on a new reading day the child's reading days (streaks) and any bonus; the
    held badges only when a badge's condition crossed its threshold with this log."""
    campaign, child = log.campaign, log.child
    rules = campaign_reading(campaign).points
    entry, before, after = _credit(campaign=campaign, child=child, source=Source.READING,
                                   source_key=f"log-{log.id}", day=log.day,
                                   points=int(round(log.minutes * rules.per_reading_minute)), minutes=log.minutes,
                                   library_id=log.library_id)
    if entry is None:
        return
    new_day = None if before["day_rows"] else log.day  # the day was already a reading day: no streak moved
    days = None
    if new_day and rules.streaks:
        # A new reading day. Its bonuses cannot have been paid: a bonus is keyed by the day of the
        # reading row that earned it, and this is the day's first reading row.
        days = selectors.reading_days(campaign, child)
        streak = selectors.run_ending(days, log.day)
        bonuses = [PointsEntry(campaign=campaign, child=child, library_id=log.library_id, source=Source.STREAK,
                               source_key=f"{rule.days}-{log.day.isoformat()}", day=log.day, points=rule.bonus)
                   for rule in rules.streaks if streak >= rule.days and streak % rule.days == 0]
        if bonuses:
            PointsEntry.objects.bulk_create(bonuses, ignore_conflicts=True)
            after["points"] += sum(b.points for b in bonuses)
    badges_award(campaign=campaign, child=child, before=before, after=after, new_day=new_day, days=days,
                 maybe=set() if new_event is False else {"events"})


def _int(value, name_zh: str, name_en: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise error("number", f"{name_zh}必须是整数", f"{name_en} must be a whole number") from None
    return number


@transaction.atomic
def reading_log_add(*, event, child: Child, actor: User, minutes, title: str, day: date | None = None,
                    note: str = "", photo=None, at: datetime | None = None) -> ReadingLog:
    """A child's (or their guardian's) reading log. Refusals say what to change; implausible logs are
    kept and flagged for the library instead of counted."""
    campaign = event.campaign
    if event.kind != "reading":
        raise error("not_reading", "这个活动项目不是阅读打卡", "this event is not a reading check-in")
    if child.guardian_id != actor.id:
        raise error("not_your_child", "只能为自己的孩子打卡", "you can log reading only for your own children", 403)
    now = local_now(campaign, at)
    if not campaign_stage_is_open(campaign, "entries_open", at=at):
        raise error("closed", "阅读打卡现在没有开放", "reading check-in is not open now", 409)
    rules = reading_rules(event)
    minutes = _int(minutes, "阅读分钟数", "minutes")
    if not 1 <= minutes <= rules.max_minutes_per_log:
        raise error("minutes", f"每次打卡的阅读时间应在 1 到 {rules.max_minutes_per_log} 分钟之间",
                    f"minutes per log must be between 1 and {rules.max_minutes_per_log}")
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise error("title", "请写下读了什么（1–120 个字）", "write what was read (1–120 characters)")
    note = (note or "").strip()
    if len(note) > 500:
        raise error("note", "感想最多 500 个字", "the note can be at most 500 characters")
    day = day or now.date()
    if day > now.date():
        raise error("future", "不能为将来的日期打卡", "a log cannot be dated in the future")
    if (now.date() - day).days > rules.backdate_days:
        raise error("too_old", f"只能补记最近 {rules.backdate_days} 天的阅读",
                    f"reading can be logged at most {rules.backdate_days} days back")
    if rules.photo_required_over_minutes and minutes > rules.photo_required_over_minutes and photo is None:
        raise error("photo_required", f"超过 {rules.photo_required_over_minutes} 分钟的打卡需要附一张阅读照片",
                    f"a log over {rules.photo_required_over_minutes} minutes needs a photo")
    photo_data = _check_photo(photo) if photo is not None else None
    child = _lock_child(child, campaign)
    status = ReadingLog.Status
    kept = ~Q(status=status.REJECTED)
    seen = ReadingLog.objects.filter(campaign=campaign, child=child).aggregate(
        today=Count("id", filter=Q(event=event, day=day) & kept), day_minutes=Sum("minutes", filter=Q(day=day) & kept),
        in_event=Count("id", filter=Q(event=event, status=status.COUNTED)))
    if seen["today"] >= rules.max_logs_per_day:
        raise error("per_day", f"每天最多打卡 {rules.max_logs_per_day} 次", f"at most {rules.max_logs_per_day} logs a day", 409)
    branch_id = child.branch_id
    if branch_id is None and not child.library.path.endswith(f"/{child.library.code}/"):
        branch = attribution_library(campaign, child)  # a library without its materialised path: walk up
        branch_id = branch.pk if branch else None
    log = ReadingLog(campaign=campaign, event=event, child=child, day=day, minutes=minutes, title=title, note=note,
                     submitted_by=actor)
    if branch_id in (None, child.library_id):
        log.library = child.library  # the usual case: the child's own library takes part
    else:
        log.library_id = branch_id
    if photo_data:
        original, cleaned, suffix = photo_data
        log.photo_sha256 = hashlib.sha256(original).hexdigest()
        log.photo.save(f"log{suffix}", ContentFile(cleaned), save=False)
    log.flags = _flags(log, rules, now, seen["day_minutes"] or 0)
    log.status = ReadingLog.Status.FLAGGED if log.flags else ReadingLog.Status.COUNTED
    log.save()
    audit_record(action="reading.logged", obj=log, actor=actor, campaign=campaign, minutes=minutes,
                 status=log.status, flags=log.flags)
    if log.status == ReadingLog.Status.COUNTED:
        _count(log, new_event=not seen["in_event"])
    return log


@transaction.atomic
def reading_log_review(*, log: ReadingLog, actor: User, approve: bool) -> ReadingLog:
    log = ReadingLog.objects.select_for_update().select_related("campaign", "library", "child").get(pk=log.pk)
    if not user_can_manage_library(actor, log.library):
        raise error("scope", "这条打卡不属于您管理的图书馆", "this log is not in your libraries", 403)
    if log.status != ReadingLog.Status.FLAGGED:
        raise error("not_flagged", "这条打卡不需要核实", "this log is not waiting for review", 409)
    _lock_child(log.child)
    log.status = ReadingLog.Status.COUNTED if approve else ReadingLog.Status.REJECTED
    log.reviewed_by = actor
    log.save(update_fields=["status", "reviewed_by"])
    audit_record(action="reading.reviewed", obj=log, actor=actor, campaign=log.campaign, approved=approve)
    if approve:
        _count(log)
    return log


# --- other activities (called by reading/hooks.py after the lower apps commit) --------------------


@transaction.atomic
def credit_activity(*, campaign: Campaign, child: Child, source: str, source_key: str, day: date,
                    library=None) -> PointsEntry | None:
    settings = campaign_reading(campaign).points
    points = {Source.QUIZ: settings.quiz_finished, Source.ENTRY: settings.entry_accepted,
              Source.LIKE: settings.like_received, Source.CHECKIN: settings.checkin}[source]
    child = _lock_child(child)
    entry, before, after = _credit(campaign=campaign, child=child, source=source, source_key=source_key, day=day,
                                   points=points, library=library)
    if entry is not None:
        badges_award(campaign=campaign, child=child, before=before, after=after,
                     maybe=UNREAD.get(source, set()))
    return entry


# --- badges ----------------------------------------------------------------------------------------


def badges_award(*, campaign: Campaign, child: Child, before: dict, after: dict, maybe: set[str] = frozenset(),
                 new_day: date | None = None, days: list[date] | None = None) -> list[BadgeAward]:
    """Award the declared badges a new ledger row earned (idempotent). A badge can only be earned by
    this row if one of its conditions became true with it — its figure crossed the threshold from
    `before` to `after` (the child's ledger totals around the credit) — or looks at a figure in `maybe`
    (events, recitation: changed perhaps, not read). Only such badges are evaluated, so the usual credit
    reads nothing more; for them the held badges and the missing figures (streak, events, recitation)
    are read. `new_day`: a day that just became a reading day (the longest streak may have moved; from
    `days`, the child's reading days, read here if not given). Inside the child's lock."""
    badges = campaign_reading(campaign).badges
    conditions = {b.key: selectors.rule_conditions(b.rule) for b in badges}
    before, after = dict(before), dict(after)
    if new_day is not None and any(stat == "longest_streak" for c in conditions.values() for stat, _ in c):
        days = days if days is not None else selectors.reading_days(campaign, child)
        after["longest_streak"] = selectors.longest_streak(days)
        before["longest_streak"] = selectors.longest_streak([d for d in days if d != new_day])

    def touched(key: str) -> bool:
        return any(stat in maybe or before.get(stat, 0) < least <= after.get(stat, 0) for stat, least in conditions[key])

    candidates = [b for b in badges if touched(b.key)]
    if not candidates:
        return []
    have = set(BadgeAward.objects.filter(campaign=campaign, child=child, badge_key__in=[b.key for b in candidates])
               .values_list("badge_key", flat=True))
    todo = [b for b in candidates if b.key not in have]
    if not todo:
        return []
    needs = set().union(*(selectors.rule_stats(b.rule) for b in todo))
    stats = {k: after[k] for k in ("points", "minutes", "logs", "checkins")}
    if "longest_streak" in needs:
        stats["longest_streak"] = after.get("longest_streak")
        if stats["longest_streak"] is None:
            stats["longest_streak"] = selectors.longest_streak(selectors.reading_days(campaign, child))
    if "events" in needs:
        stats["events"] = selectors.child_events(campaign, child)
    if "recited" in needs:
        stats["recited"] = selectors.child_recited(campaign, child)
    made = []
    for badge in todo:
        if selectors.badge_met(badge.rule, stats):
            award, created = BadgeAward.objects.get_or_create(campaign=campaign, child=child, badge_key=badge.key)
            if created:
                made.append(award)
                audit_record(action="reading.badge", obj=award, actor=None, campaign=campaign, badge=badge.key)
    return made


def badges_evaluate(*, campaign: Campaign, child: Child) -> list[BadgeAward]:
    """Award every declared badge whose conditions the child now meets (idempotent): every figure is
    read and compared from zero."""
    return badges_award(campaign=campaign, child=child, before={}, after=selectors.child_stats(campaign, child))


def campaign_recompute(*, campaign: Campaign) -> dict:
    """Re-derive every child's points totals and badges for the campaign from the ledger, in SQL: the
    figures of every child in one statement (reading/stats_sql.py: totals grouped by child, streaks by
    gaps and islands over the ledger's index order, events and recitations only when a badge looks at
    them) kept in a temporary table, then one INSERT … SELECT of the (child, badge) pairs earned under the
    declared rules EXCEPT those held (the unique constraint skips one awarded meanwhile). No row of the
    ledger comes into Python. Used after a rule change and by `manage.py reading_recompute`;
    idempotent, audited."""
    from django.db import connection

    from reading import stats_sql

    badges = campaign_reading(campaign).badges
    needs = set().union(*(selectors.rule_stats(b.rule) for b in badges))
    sql, params = stats_sql.child_stats_sql(campaign, needs)
    table, awards = "reading_recompute_stats", stats_sql.BADGES
    made = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Room for the GROUP BY of 50,000 children in memory (the default 4 MB spills it to disk).
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} AS {sql}", params)
        cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(points), 0), COALESCE(SUM(minutes), 0) FROM {table}")
        children, points, minutes = cursor.fetchone()
        earned, earned_params = [], []
        for badge in badges:
            condition, condition_params = stats_sql.rule_sql(badge.rule)
            earned.append(f"SELECT child_id, %s AS badge_key FROM {table} WHERE {condition}")
            earned_params += [badge.key, *condition_params]
        if earned:
            # The earned (child, badge) pairs EXCEPT those held: a set difference (hashed or merged),
            # whatever the planner believes of the awards table's size.
            cursor.execute(
                f"INSERT INTO {awards} (campaign_id, child_id, badge_key, awarded_at) "
                f"SELECT %s, e.child_id, e.badge_key, %s FROM ({' UNION ALL '.join(earned)} "
                f"EXCEPT SELECT child_id, badge_key FROM {awards} WHERE campaign_id = %s) e "
                "WHERE 1 = 1 ON CONFLICT DO NOTHING",
                [campaign.pk, timezone.now(), *earned_params, campaign.pk])
            made = max(cursor.rowcount, 0)
        cursor.execute(f"DROP TABLE {table}")
        figures = {"children": int(children), "points": int(points), "minutes": int(minutes), "badges_awarded": made}
        audit_record(action="reading.recomputed", obj=campaign, actor=None, campaign=campaign, **figures)
    return figures


def badges_recompute(*, campaign: Campaign) -> int:
    """Re-derive every child's badges for the campaign from the ledger (after a rule change)."""
    return campaign_recompute(campaign=campaign)["badges_awarded"]


# --- offline check-ins -----------------------------------------------------------------------------


def checkin_code(session: CheckinSession, at: datetime | None = None, *, offset: int = 0) -> str:
    """The code in the QR at `at`: an HMAC of the session and the current period, so it rotates."""
    window = math.floor((at or timezone.now()).timestamp() / session.period_seconds) + offset
    digest = hmac.new(session.secret.encode(), f"{session.id}:{window}".encode(), hashlib.sha256).hexdigest()
    return digest[:12]


def checkin_code_valid(session: CheckinSession, code: str, at: datetime | None = None) -> bool:
    # The current period and the one before: a code scanned just as it rotates still works.
    return any(hmac.compare_digest(checkin_code(session, at, offset=k), (code or "")[:12]) for k in (0, -1))


@transaction.atomic
def checkin_session_create(*, campaign: Campaign, library, actor: User, title: str, starts_at: datetime,
                           ends_at: datetime, kind: str = CheckinSession.Kind.EXHIBITION, place: str = "",
                           period_seconds: int = 120) -> CheckinSession:
    if not user_can_manage_library(actor, library):
        raise error("scope", "只能为您管理的图书馆创建签到", "you can create check-ins only for your libraries", 403)
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise error("title", "请填写活动名称（1–120 个字）", "give the activity a title (1–120 characters)")
    if ends_at <= starts_at:
        raise error("window", "结束时间必须晚于开始时间", "the end must be after the start")
    if kind not in CheckinSession.Kind.values:
        raise error("kind", "未知的活动类型", "unknown kind of activity")
    if not 30 <= int(period_seconds) <= 3600:
        raise error("period", "二维码更新间隔应在 30 秒到 1 小时之间", "the code must change every 30 s to 1 h")
    session = CheckinSession.objects.create(campaign=campaign, library=library, kind=kind, title=title,
                                            place=(place or "").strip()[:120], starts_at=starts_at, ends_at=ends_at,
                                            period_seconds=int(period_seconds), created_by=actor)
    audit_record(action="reading.checkin_session", obj=session, actor=actor, campaign=campaign, title=title)
    return session


@transaction.atomic
def checkin_scan(*, session: CheckinSession, code: str, child: Child, actor: User,
                 at: datetime | None = None) -> Checkin:
    at = at or timezone.now()
    if child.guardian_id != actor.id:
        raise error("not_your_child", "只能为自己的孩子签到", "you can check in only your own children", 403)
    if at < session.starts_at:
        raise error("not_started", "签到还没有开始", "the check-in has not started yet", 409)
    if at > session.ends_at:
        raise error("ended", "签到已经结束", "the check-in is over", 409)
    if not checkin_code_valid(session, code, at):
        raise error("code_expired", "二维码已过期，请扫描现场屏幕上的最新二维码",
                    "this code has expired: scan the current code on the screen at the venue", 409)
    child = _lock_child(child)
    checkin, created = Checkin.objects.get_or_create(session=session, child=child,
                                                     defaults={"library": child.library})
    if created:
        audit_record(action="reading.checkin", obj=checkin, actor=actor, campaign=session.campaign,
                     session=session.id)
        entry, before, after = _credit(campaign=session.campaign, child=child, source=Source.CHECKIN,
                                       source_key=f"session-{session.id}", day=local_now(session.campaign, at).date(),
                                       points=campaign_reading(session.campaign).points.checkin,
                                       library=session.library)
        if entry is not None:
            badges_award(campaign=session.campaign, child=child, before=before, after=after)
    return checkin
