"""After the results: public review, appeals, the final status and certificates."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from campaigns.audit import audit_record
from campaigns.models import User
from campaigns.selectors import child_has_consent
from judging.models import (
    Appeal,
    Certificate,
    Result,
    Round,
)
from judging.services.common import error
from judging.services.rounds import round_set_status


@transaction.atomic
def appeal_file(*, result: Result, user: User, reason: str) -> Appeal:
    result = Result.objects.select_related("round__campaign", "entry__child").get(pk=result.pk)
    if result.round.status != Round.Status.PUBLICITY:
        raise error("appeal_closed", "只有在公示期内才能申诉", "appeals can only be filed during the public review",
                     status=409)
    if result.entry.child.guardian_id != user.id and not user.is_staff:
        raise error("appeal_owner", "只有作品的家长可以申诉", "only the entry's guardian may appeal", status=403)
    if len(reason.strip()) < 5:
        raise error("appeal_reason", "请写明申诉理由（至少 5 个字）", "please explain the appeal (at least 5 characters)")
    appeal = Appeal.objects.create(result=result, filed_by=user, reason=reason.strip()[:4000])
    audit_record(action="judging.appeal_filed", obj=appeal, actor=user, campaign=result.round.campaign,
                 entry=result.entry_id, reason=appeal.reason)
    return appeal


@transaction.atomic
def appeal_resolve(*, appeal: Appeal, actor: User, status: str, resolution: str) -> Appeal:
    from judging.selectors import can_manage_round

    appeal = Appeal.objects.select_for_update().select_related("result__round__campaign").get(pk=appeal.pk)
    if not can_manage_round(actor, appeal.result.round):
        raise error("not_organizer", "只有组织者可以处理申诉", "only organizers resolve appeals", status=403)
    if status not in (Appeal.Status.UPHELD, Appeal.Status.REJECTED):
        raise error("appeal_status", "请选择“采纳”或“驳回”", "choose upheld or rejected")
    if not resolution.strip():
        raise error("appeal_resolution", "请写明处理意见", "please write the resolution")
    appeal.status, appeal.resolution = status, resolution.strip()
    appeal.resolved_by, appeal.resolved_at = actor, timezone.now()
    appeal.save()
    audit_record(action="judging.appeal_resolved", obj=appeal, actor=actor, campaign=appeal.result.round.campaign,
                 status=status, resolution=appeal.resolution)
    return appeal


@transaction.atomic
def round_publicize(*, round_: Round, actor: User | None) -> Round:
    if not round_.results.exists():
        raise error("no_results", "请先计算结果再公示", "compute the results before the public review", status=409)
    return round_set_status(round_=round_, status=Round.Status.PUBLICITY, actor=actor)


@transaction.atomic
def round_finalize(*, round_: Round, actor: User | None) -> list[Certificate]:
    if Appeal.objects.filter(result__round=round_, status=Appeal.Status.OPEN).exists():
        raise error("appeals_open", "还有未处理的申诉，不能定稿", "resolve the open appeals before finalising", status=409)
    round_set_status(round_=round_, status=Round.Status.FINAL, actor=actor)
    return certificates_issue(round_=round_, actor=actor)


def certificates_issue(*, round_: Round, actor: User | None) -> list[Certificate]:
    certs = []
    for result in round_.results.exclude(award_key="").select_related("entry__child", "entry__library"):
        child = result.entry.child
        name = child.display_name if child_has_consent(child, "publish_name") else child.nickname
        cert, created = Certificate.objects.get_or_create(
            entry=result.entry, award_key=result.award_key,
            defaults={"campaign": round_.campaign, "award_title": result.award_title,
                      "award_title_en": result.award_title_en, "child_name": name,
                      "library_name": result.entry.library.name},
        )
        if created:
            audit_record(action="judging.certificate_issued", obj=cert, actor=actor, campaign=round_.campaign,
                         entry=result.entry_id, award=result.award_key, code=cert.code)
        certs.append(cert)
    return certs
