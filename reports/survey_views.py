"""满意度 survey results in the reports: per library subtree (the report's scope), charts, XLSX."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from config.spreadsheets import XLSX_CONTENT_TYPE, Sheet, xlsx_bytes
from feedback.models import Question
from feedback.selectors import survey_results, surveys_of_campaign
from reports import charts
from reports.views import _scope, organizer_required


def _results(scope) -> list[dict]:
    out = []
    for survey in surveys_of_campaign(scope.campaign):
        results = survey_results(survey, scope.library)
        for row in results["questions"]:
            if "distribution" in row:
                rows = [(f"{label} 分" if isinstance(label, int) else str(label), n) for label, n in row["distribution"]]
                row["chart"] = charts.hbar_chart(rows, title=row["question"].text_zh, key=f"s{row['question'].pk}")
        out.append(results)
    return out


@organizer_required
def surveys_view(request, slug):
    scope = _scope(request, slug)
    return render(request, "reports/surveys.html", {
        "scope": scope, "campaign": scope.campaign, "surveys": _results(scope),
        "library_param": scope.library.code if scope.library else "",
    })


def survey_sheets(results: list[dict]) -> list[Sheet]:
    """The survey results as sheets: one summary, one of free text (sanitised when stored; formula-like
    text is written as text by config.spreadsheets)."""
    summary, texts = [], []
    for result in results:
        survey = result["survey"]
        summary.append([survey.title_zh, "答卷数 Responses", "", result["responses"]])
        for row in result["questions"]:
            question = row["question"]
            if question.kind == Question.Kind.RATING:
                summary.append([survey.title_zh, question.text_zh, "平均分 Average", row["average"]])
            for label, n in row.get("distribution", []):
                summary.append([survey.title_zh, question.text_zh, f"{label} 分" if isinstance(label, int) else label, n])
            for text in row.get("texts", []):
                texts.append([survey.title_zh, question.text_zh, text["text"], text["library"],
                              text["name"] or "匿名 Anonymous"])
    return [
        Sheet("满意度 Survey results", ["问卷 Survey", "问题 Question", "选项 Option", "数量 Value"], summary),
        Sheet("意见 Free text", ["问卷 Survey", "问题 Question", "回答 Answer", "图书馆 Library", "答卷人 Respondent"],
              texts),
    ]


@organizer_required
def surveys_xlsx(request, slug):
    scope = _scope(request, slug)
    response = HttpResponse(xlsx_bytes(survey_sheets(_results(scope)), title=f"{scope.campaign.title} · 满意度"),
                            content_type=XLSX_CONTENT_TYPE)
    code = scope.library.code if scope.library else "all"
    response["Content-Disposition"] = (f'attachment; filename="{scope.campaign.slug}-{code}-surveys-'
                                       f'{timezone.localdate():%Y%m%d}.xlsx"')
    return response
