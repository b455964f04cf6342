"""Judging pages: the judge's queue and blind scoring page, the chief judge's live progress, organizers'
round management (assign, results, 公示, appeals, certificates, exports), likes and verification.
Thin: reads from selectors, writes through services, refusals shown as bilingual messages."""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.models import Campaign
from campaigns.selectors import is_organizer, user_can_manage_library
from config.client_ip import client_ip
from config.errors import UserFacingError
from config.params import int_param
from judging import blind as blind_view
from judging import selectors, services
from judging.documents import certificate_pdf, results_xlsx
from judging.models import Appeal, Assignment, Certificate, Discrepancy, Judge, Like, Panel, Result, Round, Score
from submissions.models import Entry
from submissions.serving import protected_media_response


def _fail(request, exc: UserFacingError) -> None:
    messages.error(request, str(exc))


def _my_assignment(request, assignment_id: int) -> Assignment:
    judge = selectors.judge_of(request.user)
    assignment = get_object_or_404(Assignment.objects.select_related("round", "entry", "judge"), pk=assignment_id)
    if judge is None or assignment.judge_id != judge.id or assignment.state == Assignment.State.WITHDRAWN:
        raise Http404("not your assignment")
    return assignment


@login_required
@require_GET
def queue(request):
    judge = selectors.judge_of(request.user)
    assignments = list(selectors.judge_queue(judge)) if judge else []
    chief_rounds = [(r, selectors.can_manage_round(request.user, r))
                    for r in Round.objects.select_related("campaign", "panel__chief").order_by("-id")[:50]
                    if selectors.is_chief(request.user, r)]
    campaigns = [c for c in Campaign.objects.all() if is_organizer(request.user)
                 and user_can_manage_library(request.user, c.lead_library)]
    return render(request, "judging/queue.html", {
        "compare_rounds": selectors.comparative_rounds_for(judge) if judge else [],
        "judge": judge, "assignments": assignments, "chief_rounds": chief_rounds, "campaigns": campaigns,
        "todo": sum(1 for a in assignments if a.state != Assignment.State.SUBMITTED),
    })


@login_required
@require_http_methods(["GET", "POST"])
def score_page(request, assignment_id: int):
    assignment = _my_assignment(request, assignment_id)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "reopen":
                services.assignment_reopen(assignment=assignment, actor=request.user)
                messages.success(request, "已重新打开，可修改评分 Reopened: you can change the scores")
            elif action == "conflict":
                services.assignment_declare_conflict(assignment=assignment, actor=request.user,
                                                     reason=request.POST.get("conflict_reason", ""))
                messages.success(request, "已登记回避，作品已改派 Conflict recorded; the entry was reassigned")
                return redirect("judging:queue")
            else:
                values = {c["key"]: request.POST.get(f"score_{c['key']}", "") for c in assignment.round.criteria()}
                submit = action == "submit"
                services.score_record(assignment=assignment, actor=request.user, values=values,
                                      comment=request.POST.get("comment", ""), submit=submit)
                if submit:
                    messages.success(request, "评分已提交 Scores submitted")
                    nxt = (selectors.judge_queue(assignment.judge)
                           .exclude(state=Assignment.State.SUBMITTED).exclude(pk=assignment.pk).first())
                    return redirect("judging:score", nxt.id) if nxt else redirect("judging:queue")
                messages.success(request, "草稿已保存 Draft saved")
        except UserFacingError as exc:
            _fail(request, exc)
        return redirect("judging:score", assignment.id)
    services.assignment_open(assignment=assignment, actor=request.user)
    scores = {s.criterion: s.value for s in Score.objects.filter(assignment=assignment)}
    criteria = [{**c, "value": scores.get(c["key"], ""), "shortcut": n + 1}
                for n, c in enumerate(assignment.round.criteria())]
    blind = blind_view.blind_entry(assignment)
    return render(request, "judging/score.html", {
        "media_src": blind["media_url"],
        "a": assignment, "blind": blind, "criteria": criteria, "round": assignment.round,
        "editable": assignment.round.is_open() and assignment.state != Assignment.State.SUBMITTED,
        "can_reopen": assignment.round.is_open() and assignment.state == Assignment.State.SUBMITTED,
        "waveform_json": json.dumps(blind["waveform"]),
    })


@login_required
@require_GET
def media(request, token: str):
    """The entry's playback media for the assigned judge only (judging/blind.py decides which file),
    delivered like every child's media (submissions/serving.py), never as a presigned S3 redirect."""
    field = blind_view.resolve_media(token, request.user)
    return protected_media_response(request, field.name, cache_control="private, no-store", presign=False)


@login_required
@require_POST
def play(request, assignment_id: int):
    assignment = _my_assignment(request, assignment_id)
    try:
        seconds = float(json.loads(request.body or b"{}").get("seconds", 0))
        a = services.assignment_track_play(assignment=assignment, actor=request.user, played_seconds=seconds)
    except (ValueError, TypeError):
        return JsonResponse({"code": "played", "message_zh": "播放时长无效", "message_en": "invalid played time"},
                            status=400)
    except UserFacingError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"played_fraction": round(a.played_fraction, 3)})


def _round_for_chief(request, round_id: int) -> Round:
    round_ = get_object_or_404(Round.objects.select_related("campaign", "panel__chief"), pk=round_id)
    if not selectors.is_chief(request.user, round_):
        raise PermissionDenied("chief judge or organizer only")
    return round_


def _round_for_organizer(request, round_id: int) -> Round:
    round_ = get_object_or_404(Round.objects.select_related("campaign", "event"), pk=round_id)
    if not selectors.can_manage_round(request.user, round_):
        raise PermissionDenied("organizers of the lead library only")
    return round_


@login_required
@require_GET
def progress_page(request, round_id: int):
    round_ = _round_for_chief(request, round_id)
    # Entries are named by their blind code for the round (judging/blind.py), never by id.
    arbitration = list(round_.discrepancies.filter(status=Discrepancy.Status.ARBITRATION))
    ties = [r for r in round_.results.order_by("scope_key", "rank") if "tie" in (r.flags or [])]
    return render(request, "judging/progress.html", {
        "round": round_, "progress": selectors.round_progress(round_),
        "arbitration": [(d, blind_view.entry_code(round_, d.entry_id)) for d in arbitration],
        "ties": [(r, blind_view.entry_code(round_, r.entry_id)) for r in ties],
    })


@login_required
@require_POST
def tie(request, round_id: int):
    """The last link of the tie-break chain, for the chief judge: the decided order, with a reason."""
    round_ = _round_for_chief(request, round_id)
    try:
        codes = [c for c in re.split(r"[\s,，、;；]+", request.POST.get("order", "")) if c]
        tied = [r.entry_id for r in round_.results.all() if "tie" in (r.flags or [])]
        ids = blind_view.entry_ids_for_codes(round_, codes, tied)
        if ids is None:
            raise UserFacingError("tie_unknown_code", "作品编号不在并列名单中，请从上方列表复制",
                                  "an entry code is not among the tied entries; copy it from the list above")
        services.tie_decide(round_=round_, entry_ids=ids, reason=request.POST.get("reason", ""), actor=request.user)
        messages.success(request, "已记录并列裁定，请重新计算结果 Tie decision recorded; recompute the results")
    except UserFacingError as exc:
        _fail(request, exc)
    back = request.POST.get("back", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("judging:progress", args=[round_.id])
    return redirect(back)


@login_required
@require_POST
def arbitrate(request, discrepancy_id: int):
    disc = get_object_or_404(Discrepancy.objects.select_related("round"), pk=discrepancy_id)
    _round_for_chief(request, disc.round_id)
    try:
        services.discrepancy_arbitrate(discrepancy=disc, actor=request.user,
                                       score=float(request.POST.get("score", "nan")), note=request.POST.get("note", ""))
        messages.success(request, "已裁决 Arbitrated")
    except ValueError:
        messages.error(request, "裁决分数必须是数字 (the score must be a number)")
    except UserFacingError as exc:
        _fail(request, exc)
    return redirect("judging:progress", disc.round_id)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_rounds(request, slug: str):
    campaign = get_object_or_404(Campaign, slug=slug)
    if not user_can_manage_library(request.user, campaign.lead_library):
        raise PermissionDenied("organizers of the lead library only")
    if request.method == "POST":
        try:
            rounds = services.rounds_sync(campaign=campaign, actor=request.user)
            messages.success(request, f"已按活动文件同步 {len(rounds)} 个评审轮次 Synced {len(rounds)} rounds")
        except UserFacingError as exc:
            _fail(request, exc)
        return redirect("judging:campaign_rounds", slug)
    return render(request, "judging/campaign_rounds.html", {
        "campaign": campaign, "rounds": campaign.rounds.select_related("event", "panel"),
        "panels": campaign.panels.all(),
    })


ROUND_ACTIONS = {
    "assign": "分配评委 Assign judges",
    "open": "开放评审 Open",
    "close": "截止评审 Close",
    "top_up": "临界作品加评 Extra scores near the cut",
    "compute": "计算结果 Compute results",
    "publicize": "进入公示 Start public review",
    "finalize": "定稿并发证书 Finalise and issue certificates",
}


@login_required
@require_http_methods(["GET", "POST"])
def round_manage(request, round_id: int):
    round_ = _round_for_organizer(request, round_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign":
                made = services.round_assign(round_=round_, actor=request.user)
                messages.success(request, f"已分配 {len(made)} 条评审任务 Created {len(made)} assignments")
            elif action == "open":
                services.round_set_status(round_=round_, status=Round.Status.OPEN, actor=request.user)
            elif action == "close":
                services.round_set_status(round_=round_, status=Round.Status.CLOSED, actor=request.user)
            elif action == "top_up":
                made = services.round_top_up(round_=round_, actor=request.user)
                messages.success(request, f"已为 {len(made)} 件临界作品加派评委 Added {len(made)} judges")
            elif action == "compute":
                results = services.round_compute_results(round_=round_, actor=request.user)
                messages.success(request, f"已计算 {len(results)} 件作品的结果 Computed {len(results)} results")
            elif action == "publicize":
                services.round_publicize(round_=round_, actor=request.user)
            elif action == "finalize":
                certs = services.round_finalize(round_=round_, actor=request.user)
                messages.success(request, f"已定稿，发出 {len(certs)} 张证书 Final; {len(certs)} certificates")
            elif action == "panel":
                panel = get_object_or_404(Panel, pk=request.POST.get("panel"), campaign=round_.campaign)
                round_.panel = panel
                round_.save(update_fields=["panel"])
            elif action == "drop_judge":
                judge = get_object_or_404(Judge, pk=request.POST.get("judge"))
                services.judge_drop(round_=round_, judge=judge, actor=request.user,
                                    reason=request.POST.get("reason", ""))
                messages.success(request, "已改派该评委的任务 The judge's work was reassigned")
            elif action == "resolve_appeal":
                appeal = get_object_or_404(Appeal, pk=request.POST.get("appeal"), result__round=round_)
                services.appeal_resolve(appeal=appeal, actor=request.user, status=request.POST.get("status", ""),
                                        resolution=request.POST.get("resolution", ""))
            elif action == "void_likes":
                entry_id = int_param(request.POST.get("entry"), default=0)
                qs = Like.objects.filter(entry_id=entry_id, entry__event=round_.event)
                if request.POST.get("only_flagged"):
                    qs = qs.exclude(flagged="")
                n = services.likes_void(likes=qs, actor=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, f"已作废 {n} 个点赞 Voided {n} likes")
            else:
                messages.error(request, "未知操作 Unknown action")
        except UserFacingError as exc:
            _fail(request, exc)
        return redirect("judging:round", round_.id)
    results = round_.results.select_related("entry__child", "entry__library").order_by("scope_key", "rank")[:500]
    flagged_likes = (Like.objects.filter(entry__event=round_.event, voided=False).exclude(flagged="")
                     .values("entry_id", "flagged").order_by("entry_id"))
    return render(request, "judging/round_manage.html", {
        "round": round_, "progress": selectors.round_progress(round_),
        "actions": ({k: v for k, v in ROUND_ACTIONS.items() if k not in ("assign", "top_up")}
                    if round_.method == Round.Method.COMPARATIVE else ROUND_ACTIONS),
        "results": results, "appeals": Appeal.objects.filter(result__round=round_).select_related("result"),
        "panels": round_.campaign.panels.all(), "flagged_likes": list(flagged_likes)[:100],
        "judges": services.round_judges(round_),
        "judge_models": services.round_judge_models(round_),
        "organisation_awards": selectors.organisation_awards(round_),
    })


@login_required
@require_GET
def results_export(request, round_id: int):
    round_ = _round_for_organizer(request, round_id)
    data = results_xlsx(round_, request.GET.get("scope") or None)
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="results-{round_.key}.xlsx"'
    return resp


@login_required
@require_http_methods(["GET", "POST"])
def judges_import(request, slug: str):
    campaign = get_object_or_404(Campaign, slug=slug)
    if not user_can_manage_library(request.user, campaign.lead_library):
        raise PermissionDenied("organizers of the lead library only")
    if request.method == "POST":
        upload = request.FILES.get("file")
        panel_name = (request.POST.get("panel") or "").strip() or "评审组 Panel"
        if upload is None:
            messages.error(request, "请选择 Excel 文件 (choose an Excel file)")
        elif upload.size > 5 * 1024 * 1024:
            messages.error(request, "文件超过 5 MB (the file is larger than 5 MB)")
        else:
            try:
                panel, _ = Panel.objects.get_or_create(campaign=campaign, name=panel_name[:80])
                judges = services.judges_import_xlsx(data=upload.read(), panel=panel, actor=request.user)
                messages.success(request, f"已导入 {len(judges)} 位评委到 {panel.name} Imported {len(judges)} judges")
                return redirect("judging:campaign_rounds", slug)
            except UserFacingError as exc:
                _fail(request, exc)
    return render(request, "judging/judges_import.html", {"campaign": campaign})


@require_GET
def verify(request):
    code = (request.GET.get("code") or "").strip().upper()
    cert = None
    if code:
        cert = Certificate.objects.filter(code=code, revoked=False).select_related("campaign").first()
    return render(request, "judging/verify.html", {"code": code, "cert": cert, "checked": bool(code)})


@login_required
@require_GET
def certificate_download(request, code: str):
    cert = get_object_or_404(Certificate.objects.select_related("entry__child", "campaign__lead_library"), code=code)
    if cert.entry.child.guardian_id != request.user.id and not user_can_manage_library(
            request.user, cert.campaign.lead_library):
        raise Http404("certificate")
    resp = HttpResponse(certificate_pdf(cert), content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="certificate-{cert.code}.pdf"'
    return resp


@login_required
@require_POST
def like(request, entry_id: int):
    entry = get_object_or_404(Entry.objects.select_related("event__campaign"), pk=entry_id)
    try:
        services.like_add(entry=entry, voter_key=f"user:{request.user.pk}", source="web",
                          network=client_ip(request))
        ok, body = True, {"ok": True}
    except UserFacingError as exc:
        ok, body = False, exc.as_dict()
    count = Like.objects.filter(entry=entry, voided=False).count()
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({**body, "likes": count}, status=200 if ok else 400)
    if ok:
        messages.success(request, "点赞成功 Liked", extra_tags=f"like-{entry.pk}")
    else:
        # The tag lets the gallery card show the refusal next to the button (judging/gallery.py).
        messages.error(request, f"{body['message_zh']} ({body['message_en']})", extra_tags=f"like-{entry.pk}")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("submissions:gallery", args=[entry.event_id]) + f"#entry-{entry.pk}"
    return redirect(back)


@require_GET
def public_results(request, round_id: int):
    round_ = get_object_or_404(Round.objects.select_related("campaign"), pk=round_id)
    if round_.status not in (Round.Status.PUBLICITY, Round.Status.FINAL):
        raise Http404("results are not public yet")
    results = (round_.results.select_related("entry__child", "entry__library").order_by("scope_key", "rank"))
    from campaigns.selectors import child_has_consent

    rows = [{
        "r": r, "name": r.entry.child.display_name if child_has_consent(r.entry.child, "publish_name")
        else r.entry.child.nickname,
        "mine": request.user.is_authenticated and r.entry.child.guardian_id == request.user.id,
    } for r in results]
    return render(request, "judging/public_results.html", {"round": round_, "rows": rows})


@login_required
@require_POST
def appeal(request, result_id: int):
    result = get_object_or_404(Result, pk=result_id)
    try:
        services.appeal_file(result=result, user=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, "申诉已提交，组织者会处理并留痕 Appeal filed")
    except UserFacingError as exc:
        _fail(request, exc)
    return redirect("judging:public_results", result.round_id)
