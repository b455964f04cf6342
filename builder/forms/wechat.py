"""The WeChat step: reply keywords, the custom menu (buttons and sub-buttons) and the pushes on a calendar,
as forms generated from wechat's typed sections (wechat/sections.py, reached through the campaign file)."""

import calendar
from datetime import date, timedelta

from django import forms

from builder.forms.typed import (
    ErrorMap,
    TypedForm,
    add_row,
    bound_rows,
    field_kind,
    kept_rows,
    row_formset,
    section_model,
    typed_form,
)

ACTIONS = field_kind(section_model("wechat", "buttons", 0).model_fields["action"].annotation)[1]
ACTION_LABELS = {"quiz": "答题 Quiz", "register": "报名 Register", "my_entries": "我的作品 My entries",
                 "campaign": "活动主页 Campaign page", "login": "登录 Log in", "reading": "阅读打卡 Reading log"}
ACTION_CHOICES = [(a, ACTION_LABELS.get(a, a)) for a in ACTIONS]


class PairForm(forms.Form):
    """One row of a mapping (keyword → action, menu key → action)."""
    kinds = {"word": "text", "action": "choice"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.typed_errors = []

    @classmethod
    def initial_from(cls, pair) -> dict:
        return {"word": pair[0], "action": pair[1]}

    def raw(self, name):
        return (self[name].value() if self.is_bound else self.initial.get(name)) or ""

    def untouched(self):
        return not self.is_bound or not str(self.raw("word")).strip()

    def to_file(self):
        return {"word": str(self.raw("word")).strip(), "action": self.raw("action")}

    show_error = TypedForm.show_error


class KeywordForm(PairForm):
    word = forms.CharField(label="关键词 Keyword", required=False,
                           widget=forms.TextInput(attrs={"maxlength": "20"}))
    action = forms.CharField(label="回复 Reply", required=False, widget=forms.Select(choices=ACTION_CHOICES))


class MenuKeyForm(PairForm):
    word = forms.CharField(label="菜单键 Menu key", required=False,
                           widget=forms.TextInput(attrs={"maxlength": "64", "pattern": "[A-Z0-9_]+", "autocapitalize": "characters"}))
    action = forms.CharField(label="动作 Action", required=False, widget=forms.Select(choices=ACTION_CHOICES))


ButtonForm = typed_form("ButtonForm", ("wechat", "buttons", 0), {
    "name": "按钮名称 Name", "action": "点击动作 Action", "url": "或链接 Or a link"}, choice_labels=ACTION_LABELS)
SubButtonForm = typed_form("SubButtonForm", ("wechat", "buttons", 0, "sub_buttons", 0), {
    "name": "子按钮名称 Name", "action": "点击动作 Action", "url": "或链接 Or a link"}, choice_labels=ACTION_LABELS)
PushForm = typed_form("PushForm", ("pushes", 0), {"key": "推送代码 Key", "title": "推送名称 Title"})
PushForm.base_fields["audience_tag"] = forms.CharField(
    label="只推给标签 Only followers tagged", required=False,
    widget=forms.TextInput(attrs={"maxlength": "30"}),
    help_text="留空：全部关注者 Empty: every follower")
PushForm.kinds = {**PushForm.kinds, "audience_tag": "text"}
ScheduleForm = typed_form("ScheduleForm", ("pushes", 0, "schedule"), {
    "at": "一次推送：时间 Once, at", "daily_at": "每天推送：时间 Daily, at", "from_": "从 From", "to": "到 To"})
ArticleForm = typed_form("ArticleForm", ("pushes", 0, "articles", 0), {
    "title": "文章标题 Article title", "author": "作者 Author", "digest": "摘要 Digest",
    "cover": "封面 Cover", "content": "正文 Content", "link": "原文链接 Link"}, textareas=("content", "digest"))

KeywordRows, MenuKeyRows = row_formset(KeywordForm, order=False), row_formset(MenuKeyForm, order=False)
ButtonRows, SubButtonRows = row_formset(ButtonForm), row_formset(SubButtonForm)
PushRows, ArticleRows = row_formset(PushForm), row_formset(ArticleForm)
ROW_FORMS = {"keywords": KeywordForm, "menu": MenuKeyForm, "buttons": ButtonForm, "pushes": PushForm}


class WechatPage:
    def __init__(self, data: dict, post=None, campaign=None):
        section = data.get("wechat") or {}
        self.keywords = bound_rows(KeywordRows, post, "keywords", list((section.get("keywords") or {}).items()),
                                   blank_rows=1)
        self.menu = bound_rows(MenuKeyRows, post, "menu", list((section.get("menu") or {}).items()), blank_rows=1)
        buttons = section.get("buttons") or []
        self.buttons = bound_rows(ButtonRows, post, "buttons", buttons)
        for i, form in enumerate(self.buttons.forms):
            subs = buttons[i].get("sub_buttons") or [] if i < len(buttons) else []
            form.subs = bound_rows(SubButtonRows, post, f"buttons-{i}-subs", subs)
            form.children_forms = lambda form=form: form.subs.forms
        pushes = data.get("pushes") or []
        self.pushes = bound_rows(PushRows, post, "pushes", pushes)
        for i, form in enumerate(self.pushes.forms):
            push = pushes[i] if i < len(pushes) else {}
            if not form.is_bound:
                audience = push.get("audience")
                form.initial["audience_tag"] = audience.get("tag", "") if isinstance(audience, dict) else ""
            form.schedule = ScheduleForm(post, prefix=f"pushes-{i}-schedule",
                                         initial=ScheduleForm.initial_from(push.get("schedule")))
            articles = push.get("articles") or []
            form.articles = bound_rows(ArticleRows, post, f"pushes-{i}-articles", articles,
                                       blank_rows=0 if articles else 1)
            form.children_forms = lambda form=form: [form.schedule, *form.articles.forms]
        self.calendar = push_calendar(pushes)
        self.errors = ErrorMap()
        for name in ("keywords", "menu"):
            self.errors.rows(f"wechat.{name}", getattr(self, name))
        self.errors.rows("wechat.buttons", self.buttons)
        self.errors.rows("pushes", self.pushes)

    @staticmethod
    def add_row(post, target: str) -> bool:
        if target in ROW_FORMS:
            add_row(post, target, ROW_FORMS[target])
            return True
        for suffix, form_class in (("-subs", SubButtonForm), ("-articles", ArticleForm)):
            if target.endswith(suffix) and target.split("-")[0] in ("buttons", "pushes"):
                add_row(post, target, form_class)
                return True
        return False

    def compose(self, data: dict) -> dict:
        section = {}
        for name in ("keywords", "menu"):
            pairs = {}
            for form in kept_rows(getattr(self, name)):
                row = form.to_file()
                if row["word"]:
                    pairs[row["word"]] = row["action"]
                    self.errors.form(f"wechat.{name}.{row['word']}", form, whole="action")
            if pairs:
                section[name] = pairs
        buttons = []
        for form in kept_rows(self.buttons):
            button, path = form.to_file(), f"wechat.buttons[{len(buttons)}]"
            subs = []
            for sub in kept_rows(form.subs):
                self.errors.form(f"{path}.sub_buttons[{len(subs)}]", sub)
                subs.append(sub.to_file())
            if subs:
                button["sub_buttons"] = subs
            self.errors.form(path, form)
            self.errors.rows(f"{path}.sub_buttons", form.subs)
            buttons.append(button)
        if buttons:
            section["buttons"] = buttons
        if section:
            data["wechat"] = section
        else:
            data.pop("wechat", None)
        pushes = []
        for form in kept_rows(self.pushes):
            path = f"pushes[{len(pushes)}]"
            push = form.to_file()
            tag = str(form.raw("audience_tag") or "").strip()
            push["audience"] = {"tag": tag} if tag else "all"
            push["schedule"] = form.schedule.to_file()
            articles = []
            for article in kept_rows(form.articles):
                self.errors.form(f"{path}.articles[{len(articles)}]", article)
                articles.append(article.to_file())
            push["articles"] = articles
            self.errors.form(path, form, rename={"audience": "audience_tag"})
            self.errors.form(f"{path}.audience", form, whole="audience_tag", rename={"tag": "audience_tag"})
            self.errors.form(f"{path}.schedule", form.schedule, whole="at", rename={"from": "from_"})
            self.errors.rows(f"{path}.articles", form.articles)
            pushes.append(push)
        data["pushes"] = pushes
        if not pushes:
            data.pop("pushes")
        return data


def push_calendar(pushes: list[dict], months: int = 12) -> list[dict]:
    """The saved pushes on month grids: each day lists what is sent (time, title, audience, articles)."""
    sends: dict[date, list[dict]] = {}
    for index, push in enumerate(pushes):
        schedule = push.get("schedule") or {}
        audience = push.get("audience")
        who = audience.get("tag") if isinstance(audience, dict) else "全部 all"
        item = {"index": index, "title": push.get("title", ""), "who": who,
                "articles": len(push.get("articles") or [])}
        try:
            if schedule.get("at"):
                day, _, clock = str(schedule["at"]).partition(" ")
                sends.setdefault(date.fromisoformat(day), []).append({**item, "time": clock[:5]})
            elif schedule.get("daily_at") and schedule.get("from") and schedule.get("to"):
                day, last = date.fromisoformat(str(schedule["from"])), date.fromisoformat(str(schedule["to"]))
                while day <= last and (day - date.fromisoformat(str(schedule["from"]))).days <= 366:
                    sends.setdefault(day, []).append({**item, "time": str(schedule["daily_at"])[:5], "daily": True})
                    day += timedelta(days=1)
        except ValueError:
            continue  # the form shows the error
    if not sends:
        return []
    first, last = min(sends), max(sends)
    grids, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month) and len(grids) < months:
        weeks = [[{"day": d, "sends": sends.get(d, [])} if d.month == month else None for d in week]
                 for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)]
        grids.append({"title": f"{year} 年 {month} 月", "weeks": weeks,
                      "count": sum(len(c["sends"]) for w in weeks for c in w if c)})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [g for g in grids if g["count"]]
