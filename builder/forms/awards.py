"""The awards step: the award tiers of judging's typed `awards` section (judging/sections.py Award)."""

from django import forms

from builder.forms.judging import SCOPE_LABELS
from builder.forms.typed import ErrorMap, add_row, bound_rows, kept_rows, row_formset, typed_form
from config.params import int_param

AwardForm = typed_form("AwardForm", ("awards", 0), {
    "key": "代码 Key", "title": "奖项名称 Title", "title_en": "英文名称 English title", "count": "名额 How many", "kind": "类型 Kind",
    "event": "项目 Event", "scope": "评奖范围 Scope",
}, choice_labels={**SCOPE_LABELS, "organisation": "优秀组织奖（按参与作品数评图书馆）Organisation award (libraries)"},
    optional_choices=("kind",))
AwardForm.base_fields["kind"].widget.choices[0] = ("", "作品奖（按名次）Entry award (by rank)")
AwardRows = row_formset(AwardForm)


class AwardsPage:
    def __init__(self, data: dict, post=None, campaign=None):
        awards = data.get("awards") or []
        self.rows = bound_rows(AwardRows, post, "awards", awards, blank_rows=0 if awards else 1)
        events = [("", "全部项目 Every event")] + [(e["slug"], f"{e.get('title', '')}（{e['slug']}）")
                                                 for e in data.get("events") or []]
        for form in self.rows.forms:
            current = str(form.raw("event") or "")
            choices = events + ([(current, current)] if current and current not in dict(events) else [])
            form.fields["event"].widget = forms.Select(choices=choices, attrs=form.fields["event"].widget.attrs)
        self.ranks = _ranks(self.rows)
        self.errors = ErrorMap()
        self.errors.rows("awards", self.rows)

    @staticmethod
    def add_row(post, target: str) -> bool:
        if target != "awards":
            return False
        add_row(post, "awards", AwardForm)
        return True

    def compose(self, data: dict) -> dict:
        awards = []
        for form in kept_rows(self.rows):
            self.errors.form(f"awards[{len(awards)}]", form)
            awards.append(form.to_file())
        data["awards"] = awards
        if not awards:
            data.pop("awards")
        return data


def _ranks(formset) -> None:
    """Which ranks each entry award covers, per event and scope, in the order of the list: 第 1–10 名."""
    first: dict = {}
    for form in formset.forms:
        count = int_param(str(form.raw("count") or ""), lo=1, hi=100_000)
        if form.raw("kind") or count is None:
            form.ranks = None
            continue
        group = (form.raw("event"), form.raw("scope"))
        start = first.get(group, 1)
        form.ranks = (start, start + count - 1)
        first[group] = start + count
