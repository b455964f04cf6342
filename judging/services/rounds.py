"""Rounds from the campaign file, and their status."""

from __future__ import annotations

from django.db import transaction

from campaigns.audit import audit_record
from campaigns.models import Campaign, User
from campaigns.typed import dump_stored
from events.models import Event
from judging.models import (
    Panel,
    Round,
)
from judging.sections import judging_options
from judging.services.common import error

DEFAULT_RUBRIC = [
    {"key": "pronunciation", "label": "发音准确 Pronunciation", "weight": 30, "min": 0, "max": 10, "priority": 1},
    {"key": "rhythm", "label": "节奏韵律 Rhythm", "weight": 25, "min": 0, "max": 10, "priority": 2},
    {"key": "emotion", "label": "情感表达 Expression", "weight": 25, "min": 0, "max": 10, "priority": 3},
    {"key": "fluency", "label": "完整流畅 Fluency", "weight": 20, "min": 0, "max": 10, "priority": 4},
]


@transaction.atomic
def rounds_sync(*, campaign: Campaign, actor: User | None = None) -> list[Round]:
    """Create/update the rounds the campaign's judging section declares (idempotent)."""
    rounds = []
    for position, spec in enumerate(judging_options(campaign).rounds):
        key = spec.key
        event = Event.objects.filter(campaign=campaign, slug=spec.event).first()
        if event is None:
            raise error("round_event", f"评审轮次 {key} 的活动项目 {spec.event} 不存在",
                        f"round {key}: event {spec.event!r} does not exist")
        values = {
            "event": event, "title": spec.title, "position": position, "scope": spec.scope,
            "judges_per_entry": spec.judges_per_entry, "method": spec.method,
            "comparisons_per_entry": spec.comparisons_per_entry,
            "rubric": [dump_stored(criterion) for criterion in spec.rubric] if spec.rubric else DEFAULT_RUBRIC,
            "advance": dump_stored(spec.advance) if spec.advance else {},
            "opens_at": spec.opens, "closes_at": spec.closes,
            "tolerance": spec.tolerance, "same_city_conflict": spec.same_city_conflict, "anchors": spec.anchors,
        }
        if spec.panel:  # a round without one keeps the panel chosen on its page
            values["panel"] = Panel.objects.get_or_create(campaign=campaign, name=spec.panel)[0]
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
