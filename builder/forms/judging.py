"""The judging step: rounds (each with its rubric, panel and conflicts, advance rule), likes and the final
formula, as forms generated from judging's typed sections (judging/sections.py)."""

import math

from django import forms

from builder import selectors
from builder.forms.typed import ErrorMap, add_row, bound_rows, finite, kept_rows, row_formset, typed_form
from judging import formula as final_formula

SCOPE_LABELS = {"library": "本馆 Library", "city": "市 City", "province": "省 Province", "national": "全国 National"}
METHOD_LABELS = {"rubric": "量表评分 Rubric", "comparative": "比较式评审 Comparative judgement"}
SCORE_LABELS = {"calibrated": "校准分 Calibrated", "trimmed_mean": "去极值平均 Trimmed mean",
                "raw_mean": "平均分 Raw mean"}
ADVANCE = [("", "不晋级（最后一轮）No advance (last round)"), ("top", "前 N 名 Top N"),
           ("top_percent", "前 N% Top N %")]
SAMPLE = {"panel": 86, "likes": 60}

JudgingForm = typed_form("JudgingForm", ("judging",), {
    "official_score": "正式得分 Official score",
}, choice_labels=SCORE_LABELS)
JudgingForm.base_fields["tie_break"] = forms.CharField(
    label="并列时依次比较 Tie-break order", required=False, initial="priority_criterion, head_to_head, chief",
    help_text="用逗号分隔 comma-separated: priority_criterion, head_to_head, chief, calibrated, trimmed_mean, "
              "raw_mean, likes")
JudgingForm.kinds = {**JudgingForm.kinds, "tie_break": "text"}

RoundForm = typed_form("RoundForm", ("judging", "rounds", 0), {
    "key": "轮次代码 Key", "title": "轮次名称 Title", "event": "评审的项目 Event", "scope": "评审范围 Scope",
    "method": "评审方式 Method", "judges_per_entry": "每件作品评委数 Judges per entry",
    "comparisons_per_entry": "每件比较次数（比较式）Comparisons per entry (comparative)",
    "same_city_conflict": "同城回避（评委不评本市作品）Same-city conflict (judges skip their own city)",
    "tolerance": "分差容忍度 Tolerance", "anchors": "锚定作品数 Anchor entries", "panel": "评审组 Panel",
    "opens": "开始 Opens", "closes": "结束 Closes",
}, choice_labels={**SCOPE_LABELS, **METHOD_LABELS})
RoundForm.base_fields["advance_by"] = forms.CharField(label="晋级规则 Advance", required=False,
                                                      widget=forms.Select(choices=ADVANCE))
RoundForm.base_fields["advance_value"] = forms.CharField(
    label="N", required=False, widget=forms.NumberInput(attrs={"step": "any", "min": "0"}))

CriterionForm = typed_form("CriterionForm", ("judging", "rounds", 0, "rubric", 0), {
    "key": "代码 Key", "label": "评分项 Criterion", "weight": "权重 % Weight", "min": "最低分 Min",
    "max": "最高分 Max", "priority": "并列优先 Tie priority",
})

LikesForm = typed_form("LikesForm", ("likes",), {
    "event": "点赞的项目 Event", "per_voter_per_entry_per_day": "每人每天每件 Per voter, entry and day",
    "per_voter_per_day": "每人每天 Per voter and day", "per_minute": "每分钟 Per minute",
    "burst_per_network_10min": "同一网络 10 分钟内 Per network in 10 minutes",
})
LikesForm.base_fields["enabled"] = forms.BooleanField(label="开放点赞 Likes are open", required=False)
LikesForm.kinds = {**LikesForm.kinds, "enabled": "bool"}

ScoringForm = typed_form("ScoringForm", ("scoring",), {
    "formula": "最终得分公式 Final formula", "likes_normalisation": "点赞归一 Likes normalisation",
})

RoundRows, CriterionRows = row_formset(RoundForm), row_formset(CriterionForm, order=False)
BLANK_CRITERIA = 3


def formula_preview(formula: str, panel, likes) -> dict:
    """The final score of sample numbers by `formula` (judging/formula.py, the one grammar)."""
    panel, likes = finite(str(panel)), finite(str(likes))
    if not isinstance(panel, int | float) or not isinstance(likes, int | float):
        return {"ok": False, "message_zh": "示例分数应为数字", "message_en": "the sample scores must be numbers"}
    try:
        value = final_formula.evaluate(formula or "panel", panel=panel, likes=likes)
    except final_formula.FormulaError as error:
        return {"ok": False, "message_zh": error.message_zh, "message_en": error.message_en}
    if not math.isfinite(value):
        return {"ok": False, "message_zh": "结果不是有限的数", "message_en": "the result is not a finite number"}
    return {"ok": True, "value": round(value, 2), "formula": formula or "panel"}


class JudgingPage:
    """The judging step's forms for the campaign `data` (file form), bound to `post` when given."""

    def __init__(self, data: dict, post=None, campaign=None):
        judging = data.get("judging") or {}
        self.judge_panels = selectors.judge_panels(campaign) if campaign is not None else []
        self.judges = selectors.campaign_judges(campaign) if campaign is not None else []
        self.panels = [("", "全部评委 Every judge")] + [(row["panel"].name, row["panel"].name)
                                                      for row in self.judge_panels]
        self.events = [(e["slug"], e.get("title", "")) for e in data.get("events") or [] if e.get("kind") != "quiz"]
        self.judging = JudgingForm(post, prefix="judging", initial=self._judging_initial(judging))
        self.rounds = bound_rows(RoundRows, post, "rounds", judging.get("rounds") or [])
        for i, form in enumerate(self.rounds.forms):
            self._event_choices(form)
            self._choices(form, "panel", self.panels)
            rows = (judging.get("rounds") or [])[i].get("rubric") or [] if i < len(judging.get("rounds") or []) else []
            form.rubric = bound_rows(CriterionRows, post, f"rounds-{i}-rubric", rows,
                                     blank_rows=0 if rows else BLANK_CRITERIA)
            form.children_forms = lambda form=form: form.rubric.forms
            form.weight_sum = _weight_sum(form.rubric)
            if not form.is_bound and i < len(judging.get("rounds") or []):
                advance = judging["rounds"][i].get("advance") or {}
                for key in ("top", "top_percent"):
                    if key in advance:
                        form.initial.update({"advance_by": key, "advance_value": advance[key]})
        likes = data.get("likes")
        self.likes = LikesForm(post, prefix="likes",
                               initial={**LikesForm.initial_from(likes), "enabled": likes is not None})
        self._event_choices(self.likes)
        self.scoring = ScoringForm(post, prefix="scoring", initial=ScoringForm.initial_from(data.get("scoring")))
        sample = {k: (post or {}).get(f"sample_{k}") or v for k, v in SAMPLE.items()}
        self.sample = sample
        self.preview = formula_preview(str(self.scoring.raw("formula") or ""), sample["panel"], sample["likes"])
        self.errors = ErrorMap()
        self.errors.form("judging", self.judging)
        self.errors.rows("judging.rounds", self.rounds)
        self.errors.form("likes", self.likes)
        self.errors.form("scoring", self.scoring)

    @staticmethod
    def _judging_initial(judging: dict) -> dict:
        initial = JudgingForm.initial_from(judging)
        if judging.get("tie_break"):
            initial["tie_break"] = ", ".join(judging["tie_break"])
        return initial

    def _event_choices(self, form) -> None:
        self._choices(form, "event", [("", "—")] + [(slug, f"{title}（{slug}）") for slug, title in self.events])

    @staticmethod
    def _choices(form, name: str, choices: list) -> None:
        """A select of `choices` (and the value the campaign already has, if it is not among them)."""
        current = str(form.raw(name) or "")
        if current and current not in dict(choices):
            choices = [*choices, (current, current)]
        form.fields[name].widget = forms.Select(choices=choices, attrs=form.fields[name].widget.attrs)

    @staticmethod
    def add_row(post, target: str) -> bool:
        """`target` "rounds" or "rounds-N-rubric": one more row there (no save). False: not a formset."""
        if target == "rounds":
            add_row(post, "rounds", RoundForm)
            return True
        if target.startswith("rounds-") and target.endswith("-rubric"):
            add_row(post, target, CriterionForm)
            return True
        return False

    def compose(self, data: dict) -> dict:
        """The step's sections back into the campaign `data` (file form)."""
        rounds = []
        for form in kept_rows(self.rounds):
            spec = {k: v for k, v in form.to_file().items() if k not in ("advance_by", "advance_value")}
            path = f"judging.rounds[{len(rounds)}]"
            criteria = []
            for row in kept_rows(form.rubric):
                self.errors.form(f"{path}.rubric[{len(criteria)}]", row)
                criteria.append(row.to_file())
            if criteria or spec.get("method", "rubric") == "rubric":
                spec["rubric"] = criteria
            by, value = form.raw("advance_by"), finite(str(form.raw("advance_value") or ""))
            if by:
                spec["advance"] = {by: value}
            self.errors.form(path, form, rename={"advance": "advance_value", "top": "advance_value",
                                                 "top_percent": "advance_value"})
            self.errors.form(f"{path}.advance", form, whole="advance_value",
                             rename={"top": "advance_value", "top_percent": "advance_value"})
            self.errors.rows(f"{path}.rubric", form.rubric)
            rounds.append(spec)
        judging = self.judging.to_file()
        tie_break = [t for t in str(self.judging.raw("tie_break")).replace("，", ",").replace(" ", ",").split(",") if t]
        if rounds or self.judging.has_changed():
            data["judging"] = {**judging, "tie_break": tie_break, "rounds": rounds}
        else:
            data.pop("judging", None)
        if self.likes.raw("enabled"):
            data["likes"] = {k: v for k, v in self.likes.to_file().items() if k != "enabled"}
        else:
            data.pop("likes", None)
        scoring = self.scoring.to_file()
        if scoring.get("formula"):
            data["scoring"] = scoring
        else:
            data.pop("scoring", None)
        return data


def _weight_sum(formset) -> float | None:
    total, seen = 0.0, False
    for form in formset.forms:
        value = finite(str(form.raw("weight") or ""))
        if isinstance(value, int | float):
            total, seen = total + value, True
    return round(total, 4) if seen else None
