"""Judges: one at a time, from an Excel sheet, and those of a round."""

from __future__ import annotations

import io

from django.db import transaction

from campaigns.audit import audit_record
from campaigns.models import Library, User
from judging.models import (
    Judge,
    Panel,
    Round,
)
from judging.services.common import error


@transaction.atomic
def judge_upsert(*, username: str, library: Library, display_name: str = "", phone: str | None = None,
                 capacity: int | None = None, password: str | None = None, actor: User | None = None) -> Judge:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, display_name=display_name or username, phone=phone or None)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        user.save()
    judge, created = Judge.objects.get_or_create(user=user, defaults={"library": library, "capacity": capacity})
    changed = not created and (judge.library_id != library.id or judge.capacity != capacity)
    if changed:
        judge.library, judge.capacity = library, capacity
        judge.save(update_fields=["library", "capacity"])
    if created or changed:
        audit_record(action="judging.judge_created" if created else "judging.judge_updated", obj=judge, actor=actor,
                     library=library.code, capacity=capacity)
    return judge


def judges_import_xlsx(*, data: bytes, panel: Panel | None, actor: User | None) -> list[Judge]:
    """Excel with columns username, name, library_code[, phone, capacity]. All rows are checked first;
    any bad row is reported with its number and nothing is written."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        rows = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception:
        raise error("xlsx", "无法读取 Excel 文件，请上传 .xlsx", "cannot read the Excel file; upload an .xlsx") from None
    rows = [r for r in rows if any(r)]
    if not rows:
        raise error("xlsx_empty", "Excel 文件是空的", "the Excel file is empty")
    header = [h.lower() for h in rows[0]]
    for column in ("username", "library_code"):
        if column not in header:
            raise error("xlsx_columns", f"缺少列 {column}（需要 username, name, library_code, phone, capacity）",
                         f"missing column {column} (expected username, name, library_code, phone, capacity)")
    libraries = {lib.code: lib for lib in Library.objects.all()}
    parsed, problems = [], []
    for n, row in enumerate(rows[1:], start=2):
        rec = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        if not rec.get("username"):
            problems.append(f"第 {n} 行缺少 username (row {n}: username is empty)")
            continue
        if rec.get("library_code") not in libraries:
            problems.append(f"第 {n} 行图书馆代码未知：{rec.get('library_code')} (row {n}: unknown library code)")
            continue
        capacity = None
        if rec.get("capacity"):
            try:
                capacity = int(float(rec["capacity"]))
            except ValueError:
                problems.append(f"第 {n} 行 capacity 不是整数 (row {n}: capacity is not a number)")
                continue
        parsed.append((rec, capacity))
    if problems:
        raise error("xlsx_rows", "；".join(problems), "; ".join(problems))
    judges = []
    with transaction.atomic():
        for rec, capacity in parsed:
            judge = judge_upsert(username=rec["username"], library=libraries[rec["library_code"]],
                                 display_name=rec.get("name", ""), phone=rec.get("phone") or None,
                                 capacity=capacity, actor=actor)
            if panel is not None:
                panel.judges.add(judge)
            judges.append(judge)
    return judges


def round_judges(round_: Round) -> list[Judge]:
    qs = round_.panel.judges.all() if round_.panel_id else Judge.objects.all()
    return list(qs.filter(active=True).select_related("library", "user").order_by("id"))


@transaction.atomic
def panel_set_judges(*, campaign, name: str, judge_ids: list[int], actor: User | None) -> Panel:
    """The campaign's panel `name` (made if new) holds exactly the chosen judges, each one of the campaign's
    judge accounts (`campaign_judges`); audited with who joined and who left."""
    name = (name or "").strip()[:80]
    if not name:
        raise error("panel_name", "请填写评审组名称", "give the panel a name")
    allowed = {j.id: j for j in campaign_judges(campaign)}
    unknown = [i for i in judge_ids if i not in allowed]
    if unknown:
        raise error("panel_judge", "只能选择本活动的评委账号", "choose among the campaign's judge accounts")
    panel, created = Panel.objects.get_or_create(campaign=campaign, name=name)
    before = set(panel.judges.values_list("id", flat=True))
    after = set(judge_ids)
    if created or before != after:
        panel.judges.set([allowed[i] for i in sorted(after)])
        audit_record(action="judging.panel_changed", obj=panel, actor=actor, campaign=campaign, name=name,
                     joined=sorted(after - before), left=sorted(before - after))
    return panel


def campaign_judges(campaign) -> list[Judge]:
    """The campaign's judge accounts: active judges of its panels, or from a library that takes part in it."""
    from django.db.models import Q

    return list(Judge.objects.filter(active=True).filter(
        Q(panels__campaign=campaign) | Q(library__branches__campaign=campaign)
    ).distinct().select_related("user", "library").order_by("library__path", "user__username"))
