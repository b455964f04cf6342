"""Certificates (PDF, reportlab's built-in CJK CID font STSong-Light) and the results workbook."""

from __future__ import annotations

import io

from django.conf import settings
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from config.spreadsheets import Sheet, xlsx_bytes
from judging.models import Certificate, Result, Round

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def verification_url(code: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}/judging/verify/?code={code}"


def certificate_pdf(cert: Certificate) -> bytes:
    font = _font()
    buf = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buf, pagesize=(width, height))
    c.setTitle(f"{cert.award_title} · {cert.child_name}")
    c.setSubject(f"verification code {cert.code}")
    c.setStrokeColorRGB(0.6, 0.1, 0.1)
    c.setLineWidth(6)
    c.rect(30, 30, width - 60, height - 60)
    c.setFont(font, 40)
    c.drawCentredString(width / 2, height - 130, "荣 誉 证 书")
    c.setFont(font, 22)
    c.drawCentredString(width / 2, height - 210, f"{cert.child_name} 小朋友：")
    c.setFont(font, 18)
    c.drawCentredString(width / 2, height - 260, f"在「{cert.campaign.title}」活动中表现优异，")
    c.drawCentredString(width / 2, height - 295, f"荣获「{cert.award_title}」。")
    c.drawCentredString(width / 2, height - 330, f"推荐单位：{cert.library_name}")
    if cert.award_title_en:
        c.setFont(font, 14)
        c.drawCentredString(width / 2, height - 365, f"Awarded: {cert.award_title_en}")
    c.setFont(font, 12)
    c.drawCentredString(width / 2, 110, "证书编号（可在网站查验）")
    # The code and the link in a standard font, so they can be copied out of the PDF.
    c.setFont("Helvetica", 12)
    c.drawCentredString(width / 2, 92, f"Verification code: {cert.code}")
    c.drawCentredString(width / 2, 74, f"Verify at {verification_url(cert.code)}")
    c.setFont(font, 12)
    c.drawRightString(width - 70, 130, f"{cert.campaign.lead_library.name}  {cert.issued_at:%Y年%m月%d日}")
    c.showPage()
    c.save()
    return buf.getvalue()


RESULT_HEADER = ["范围 Scope", "名次 Rank", "作品 Entry", "昵称 Nickname", "图书馆 Library", "评分数 Scores",
                 "原始均分 Raw mean", "去极值均分 Trimmed mean", "校准分 Calibrated", "区间下限 CI low",
                 "区间上限 CI high", "评审分 Panel", "点赞 Likes", "点赞(归一) Likes normalised", "总分 Final",
                 "晋级 Advanced", "奖项 Award", "标记 Flags", "奖项（英文） Award (English)"]


def results_xlsx(round_: Round, scope_key: str | None = None) -> bytes:
    """One sheet per scope (or just `scope_key`). Nicknames only: the file leaves the system."""
    qs = Result.objects.filter(round=round_).select_related("entry__child", "entry__library").order_by("scope_key", "rank")
    if scope_key:
        qs = qs.filter(scope_key=scope_key)
    sheets: dict[str, Sheet] = {}
    for r in qs:
        sheet = sheets.get(r.scope_key)
        if sheet is None:
            sheet = sheets[r.scope_key] = Sheet(r.scope_key[:31] or "results", RESULT_HEADER, [])
        sheet.rows.append([r.scope_key, r.rank, r.entry_id, r.entry.child.nickname, r.entry.library.name, r.n_scores,
                           _n(r.raw_mean), _n(r.trimmed_mean), _n(r.calibrated), _n(r.ci_low), _n(r.ci_high),
                           _n(r.panel_score), r.likes, _n(r.likes_normalised), _n(r.final_score),
                           "是 yes" if r.advanced else "", r.award_title, ";".join(r.flags or []), r.award_title_en])
    out = list(sheets.values()) or [Sheet("results", RESULT_HEADER, [])]
    from judging.selectors import organisation_awards

    org = organisation_awards(round_)
    if org and not scope_key:
        out.append(Sheet("组织奖 Organisation",
                         ["奖项 Award", "代码 Code", "图书馆 Library", "作品 Entries", "晋级/获奖 Advanced or awarded"],
                         [[o["award"], o["code"], o["library"], o["entries"], o["advanced"]] for o in org]))
    return xlsx_bytes(out)


def _n(value):
    return None if value is None else round(float(value), 2)
