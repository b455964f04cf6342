"""Admin for events: the poem catalogue (shared by all organizers) and each campaign's events,
scoped to the campaigns an organizer's libraries lead or take part in."""

from django.contrib import admin

from campaigns.admin_labels import LabelledTabularInline
from campaigns.admin_scoping import ScopedAdmin, register_scope
from campaigns.selectors import campaigns_visible_to, user_can_manage_campaign
from events.models import Event, Poem


def _events_of_visible_campaigns(qs, user):
    return qs.filter(campaign__in=campaigns_visible_to(user).values("pk"))


register_scope(Poem, public=True)
register_scope(Event, function=_events_of_visible_campaigns)


@admin.register(Poem)
class PoemAdmin(ScopedAdmin):
    list_display = ("title", "author", "dynasty", "grade", "key")
    list_filter = ("dynasty", "grade")
    search_fields = ("key", "title", "author")


@admin.register(Event)
class EventAdmin(ScopedAdmin):
    organizer_permissions = ("view", "change")
    list_display = ("title", "campaign", "kind", "position")
    list_filter = ("kind", "campaign")
    search_fields = ("slug", "title")
    filter_horizontal = ("poems",)

    def organizer_may(self, request, action, obj=None):
        if obj is None or action == "view":
            return super().organizer_may(request, action, obj)
        return user_can_manage_campaign(request.user, obj.campaign)


# --- quizzes (答题): question banks with an upload form, attempts, results, live sessions ---------
from django import forms as _forms  # noqa: E402
from django.contrib import messages as _messages  # noqa: E402
from django.core.exceptions import PermissionDenied as _PermissionDenied  # noqa: E402
from django.db.models import Q as _Q  # noqa: E402
from django.shortcuts import get_object_or_404 as _get_object_or_404  # noqa: E402
from django.shortcuts import redirect as _redirect  # noqa: E402
from django.template.response import TemplateResponse as _TemplateResponse  # noqa: E402
from django.urls import path as _path  # noqa: E402

from campaigns.selectors import organizer_roots as _organizer_roots  # noqa: E402
from campaigns.selectors import user_can_manage_library as _user_can_manage_library  # noqa: E402
from events.models import LiveSession as _LiveSession  # noqa: E402
from events.models import Question as _Question  # noqa: E402
from events.models import QuestionBank as _QuestionBank  # noqa: E402
from events.models import QuizAttempt as _QuizAttempt  # noqa: E402
from events.models import QuizResult as _QuizResult  # noqa: E402


def _banks_visible(qs, user):
    """Banks owned in the organizer's subtrees (theirs to edit) and by their ancestors (shared down)."""
    q = _Q(pk__in=[])
    for root in _organizer_roots(user):
        parts = [p for p in root.path.split("/") if p]
        ancestors = ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
        q |= _Q(owner__path__startswith=root.path) | _Q(owner__path__in=ancestors)
    return qs.filter(q)


def _questions_visible(qs, user):
    return qs.filter(bank__in=_banks_visible(_QuestionBank.objects.all(), user))


def _live_visible(qs, user):
    return qs.filter(_Q(host=user) | _Q(event__campaign__in=campaigns_visible_to(user).values("pk")))


register_scope(_QuestionBank, function=_banks_visible)
register_scope(_Question, function=_questions_visible)
register_scope(_QuizAttempt, "library")
register_scope(_QuizResult, "library")
register_scope(_LiveSession, function=_live_visible)


class QuestionImportForm(_forms.Form):
    file = _forms.FileField(label="题库文件 Bank file (.xlsx / .csv)",
                            help_text="列 Columns: id, type, stem, option_a–option_d, answer, difficulty, tags, explanation")


class QuestionInline(LabelledTabularInline):
    model = _Question
    extra = 0
    fields = ["external_id", "kind", "stem", "answer", "difficulty"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(_QuestionBank)
class QuestionBankAdmin(ScopedAdmin):
    """Organizers read the banks shared with them and edit / import into banks of their subtree."""

    organizer_permissions = ("view", "change", "add")
    list_display = ["slug", "title", "owner", "question_count", "updated_at"]
    search_fields = ["slug", "title"]
    inlines = [QuestionInline]
    change_form_template = "admin/events/questionbank/change_form.html"

    def organizer_may(self, request, action, obj=None):
        if obj is None or action == "view":
            return super().organizer_may(request, action, obj)
        return _user_can_manage_library(request.user, obj.owner)

    @admin.display(description="题目数 Questions")
    def question_count(self, obj):
        return obj.questions.count()

    def get_urls(self):
        return [_path("<int:bank_id>/import/", self.admin_site.admin_view(self.import_view),
                      name="events_questionbank_import"), *super().get_urls()]

    def import_view(self, request, bank_id: int):
        from config.errors import UserFacingError
        from events.bank_import import questions_import

        bank = _get_object_or_404(self.get_queryset(request), pk=bank_id)
        if not self.has_change_permission(request, bank):
            raise _PermissionDenied
        errors = []
        form = QuestionImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = questions_import(bank=bank, data=upload.read(), filename=upload.name)
            except UserFacingError as exc:
                errors = exc.extra.get("errors", [])
                self.message_user(request, f"{exc.message_zh} ({exc.message_en})", _messages.ERROR)
            else:
                self.message_user(request, f"导入成功：新增 {result.created} 道，更新 {result.updated} 道 "
                                           f"(imported: {result.created} new, {result.updated} updated)", _messages.SUCCESS)
                return _redirect("admin:events_questionbank_change", bank.pk)
        context = {**self.admin_site.each_context(request), "bank": bank, "form": form, "errors": errors,
                   "opts": self.model._meta, "title": f"导入题目 Import questions · {bank.title}"}
        return _TemplateResponse(request, "admin/events/questionbank/import.html", context)


@admin.register(_Question)
class QuestionAdmin(ScopedAdmin):
    organizer_permissions = ("view", "change")
    list_display = ["external_id", "bank", "kind", "stem", "answer", "difficulty"]
    list_filter = ["kind", "difficulty"]
    search_fields = ["external_id", "stem"]

    def organizer_may(self, request, action, obj=None):
        if obj is None or action == "view":
            return super().organizer_may(request, action, obj)
        return _user_can_manage_library(request.user, obj.bank.owner)


@admin.register(_QuizAttempt)
class QuizAttemptAdmin(ScopedAdmin):
    list_display = ["event", "child", "library", "status", "practice", "score", "total_time_ms", "started_at"]
    list_filter = ["status", "practice"]
    readonly_fields = [f.name for f in _QuizAttempt._meta.fields]


@admin.register(_QuizResult)
class QuizResultAdmin(ScopedAdmin):
    list_display = ["event", "child", "library", "score", "total_time_ms", "finished_at", "attempts", "completed"]
    readonly_fields = [f.name for f in _QuizResult._meta.fields]


@admin.register(_LiveSession)
class LiveSessionAdmin(ScopedAdmin):
    list_display = ["code", "event", "host", "state", "current_index", "created_at"]
    readonly_fields = ["code", "question_ids", "option_orders"]
