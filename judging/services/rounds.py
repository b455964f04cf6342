"""Rounds from the campaign file, and their status."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from campaigns.audit import audit_record
from campaigns.models import Campaign, User
from events.models import Event
from judging.models import (
    Round,
)
from judging.services.common import error

DEFAULT_RUBRIC = [
    {"key": "pronunciation", "label": "发音准确 Pronunciation", "weight": 30, "min": 0, "max": 10, "priority": 1},
    {"key": "rhythm", "label": "节奏韵律 Rhythm", "weight": 25, "min": 0, "max": 10, "priority": 2},
    {"key": "emotion", "label": "情感表达 Expression", "weight": 25, "min": 0, "max": 10, "priority": 3},
    {"key": "fluency", "label": "完整流畅 Fluency", "weight": 20, "min": 0, "max": 10, "priority": 4},
]


def _when(value, campaign: Campaign, *, end: bool = False):
    if not value:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value)
        dt = parse_datetime(text)
        if dt is None:
            d = parse_date(text)
            if d is None:
                raise error("round_date", f"评审轮次日期无法识别：{text}", f"cannot read the round date {text!r}")
            dt = datetime.combine(d, datetime.max.time() if end else datetime.min.time())
    if timezone.is_naive(dt):
        from zoneinfo import ZoneInfo

        dt = dt.replace(tzinfo=ZoneInfo(campaign.timezone or "Asia/Shanghai"))
    return dt


@transaction.atomic
def rounds_sync(*, campaign: Campaign, actor: User | None = None) -> list[Round]:
    """Create/update the rounds declared in Campaign.config["judging"]["rounds"] (idempotent)."""
    judging = (campaign.config or {}).get("judging") or {}
    rounds = []
    for position, spec in enumerate(judging.get("rounds") or []):
        key = spec.get("key") or f"r{position + 1}"
        event = Event.objects.filter(campaign=campaign, slug=spec.get("event")).first()
        if event is None:
            raise error("round_event", f"评审轮次 {key} 的活动项目 {spec.get('event')} 不存在",
                         f"round {key}: event {spec.get('event')!r} does not exist")
        values = {
            "event": event, "title": spec.get("title") or key, "position": position,
            "scope": spec.get("scope") or Round.Scope.NATIONAL,
            "judges_per_entry": int(spec.get("judges_per_entry") or 3),
            "method": spec.get("method") or Round.Method.RUBRIC,
            "comparisons_per_entry": int(spec.get("comparisons_per_entry") or 10),
            "rubric": spec.get("rubric") or DEFAULT_RUBRIC,
            "advance": spec.get("advance") or {},
            "opens_at": _when(spec.get("opens"), campaign), "closes_at": _when(spec.get("closes"), campaign, end=True),
            "tolerance": float(spec.get("tolerance") if spec.get("tolerance") is not None else 15),
            "same_city_conflict": bool(spec.get("same_city_conflict", False)),
            "anchors": int(spec.get("anchors") if spec.get("anchors") is not None else 2),
        }
        round_, created = Round.objects.get_or_create(campaign=campaign, key=key, defaults=values)
        if not created:
            changed = {k: v for k, v in values.items() if getattr(round_, k) != v}
            if changed:
                for k, v in changed.items():
                    setattr(round_, k, v)
                round_.full_clean()
                round_.save()
                audit_record(action="judging.round_updated", obj=round_, actor=actor, campaign=campaign,
                             fields=sorted(changed))
        else:
            audit_record(action="judging.round_created", obj=round_, actor=actor, campaign=campaign, key=key)
        rounds.append(round_)
    return rounds


@transaction.atomic
def round_set_status(*, round_: Round, status: str, actor: User | None) -> Round:
    if status not in Round.Status.values:
        raise error("round_status", "未知的轮次状态", f"unknown round status {status!r}")
    old = round_.status
    round_.status = status
    round_.save(update_fields=["status"])
    audit_record(action="judging.round_status", obj=round_, actor=actor, campaign=round_.campaign, old=old, new=status)
    return round_
