"""Thin views: scope the request, read the figures, render (page, XLSX, CSV)."""


from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from campaigns.auth import organizer_required as campaigns_organizer_required
from campaigns.selectors import libraries_visible_to
from config.spreadsheets import XLSX_CONTENT_TYPE
from reports import charts
from reports.exports import TABLE_KEYS, csv_text, report_tables, xlsx_bytes
from reports.selectors.dashboard import dashboard
from reports.selectors.figures import campaign_figures
from reports.selectors.labels import LEVEL_LABEL
from reports.selectors.scope import report_scope
from reports.services import visits_rollup_batch

organizer_required = campaigns_organizer_required("组织者才能查看统计 Only organizers can see reports")


def _scope(request, slug):
    try:
        return report_scope(request.user, slug, request.GET.get("library") or None)
    except PermissionError as exc:
        raise PermissionDenied("这个图书馆不在您的管理范围内 This library is outside your libraries") from exc


def _fresh_figures(scope):
    visits_rollup_batch()  # fold what the buffer holds now, so the page is exact (no-op if running)
    return campaign_figures(scope)


def _filename(figures, ext):
    scope = figures["scope"]["library"] or "all"
    return f'{figures["campaign"]["slug"]}-{scope}-{timezone.localdate():%Y%m%d}.{ext}'


@organizer_required
def dashboard_view(request):
    return render(request, "reports/dashboard.html", {"campaigns": dashboard(request.user)})


@organizer_required
def report_view(request, slug):
    scope = _scope(request, slug)
    figures = _fresh_figures(scope)
    peak = figures["peak"]
    days = figures["days"]
    tables = {t.key: t for t in report_tables(figures)}
    visible = libraries_visible_to(request.user)
    if visible.count() > 80:  # a national or provincial organizer: counties are reachable by ?library=CODE
        visible = visible.filter(level__in=["national", "provincial", "city"])
    context = {
        "figures": figures, "scope": scope, "tables": tables, "h": figures["headline"],
        "level_labels": LEVEL_LABEL,
        "library_choices": list(visible.only("code", "name", "level", "path")[:500]),
        "daily_chart": charts.daily_chart(
            days, bar_key="participations", line_key="pv",
            peak_date=(peak["participations"] or {}).get("date"),
            title="每日参与人次与访问量 Participations and page views per day",
            bar_label="参与人次 Participations", line_label="访问量 Page views",
        ) if days else None,
        "visits_chart": charts.daily_chart(
            days, bar_key="pv", line_key="uv", peak_date=(peak["visits"] or {}).get("date"),
            title="每日访问量与访客 Page views and visitors per day",
            bar_label="访问量 Page views", line_label="访客 Visitors",
        ) if days and figures["headline"]["visits_pv"] else None,
        "level_chart": charts.hbar_chart(
            [(r["label"], r["libraries_taking_part"]) for r in figures["by_level"]],
            title="各级参与图书馆 Libraries taking part by level", key="level"),
        "province_chart": charts.hbar_chart(
            [(r["province"], r["participations"]) for r in figures["by_province"][:15]],
            title="各省参与人次 Participations by province", key="province") if figures["by_province"] else None,
        "top_chart": charts.hbar_chart(
            [(r["name"], r["participations"]) for r in figures["top_libraries_participation"][:10]],
            title="参与人次前十的图书馆 Top 10 libraries by participations", key="top",
        ) if figures["top_libraries_participation"] else None,
        "library_param": scope.library.code if scope.library else "",
        "ws_path": f"/ws/reports/c/{scope.campaign.slug}/" + (f"?library={scope.library.code}" if scope.library else ""),
    }
    return render(request, "reports/report.html", context)


@organizer_required
def export_xlsx(request, slug):
    figures = _fresh_figures(_scope(request, slug))
    response = HttpResponse(xlsx_bytes(figures), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(figures, "xlsx")}"'
    return response


@organizer_required
def export_csv(request, slug):
    table = request.GET.get("table") or None
    if table and table not in TABLE_KEYS:
        return HttpResponse(f"没有这个表：{table}。可选 Unknown table; choose one of: {', '.join(TABLE_KEYS)}",
                            status=400, content_type="text/plain; charset=utf-8")
    figures = _fresh_figures(_scope(request, slug))
    response = HttpResponse(csv_text(figures, table), content_type="text/csv; charset=utf-8")
    name = _filename(figures, "csv") if not table else _filename(figures, f"{table}.csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


