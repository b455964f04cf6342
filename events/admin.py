"""Admin for events: the poem catalogue (shared by all organizers) and each campaign's events,
scoped to the campaigns an organizer's libraries lead or take part in."""

from django.contrib import admin

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
from django.contrib import admin as _admin  # noqa: E402
from django.contrib import messages as _messages  # noqa: E402
from django.shortcuts import get_object_or_404 as _get_object_or_404  # noqa: E402
from django.shortcuts import redirect as _redirect  # noqa: E402
from django.template.response import TemplateResponse as _TemplateResponse  # noqa: E402
from django.urls import path as _path  # noqa: E402

from events.models import LiveSession as _LiveSession  # noqa: E402
from events.models import Question as _Question  # noqa: E402
from events.models import QuestionBank as _QuestionBank  # noqa: E402
from events.models import QuizAttempt as _QuizAttempt  # noqa: E402
from events.models import QuizResult as _QuizResult  # noqa: E402


class QuestionImportForm(_forms.Form):
    file = _forms.FileField(label="题库文件 Bank file (.xlsx / .csv)",
                            help_text="列 Columns: id, type, stem, option_a–option_d, answer, difficulty, tags, explanation")


def _bank_scope(request, qs):
    from campaigns.selectors import organizer_roots

    if request.user.is_superuser:
        return qs
    roots = organizer_roots(request.user)
    from django.db.models import Q

    q = Q(pk__in=[])
    for root in roots:
        parts = [p for p in root.path.split("/") if p]
        ancestors = ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
        q |= Q(owner__path__startswith=root.path) | Q(owner__path__in=ancestors)
    return qs.filter(q)


class QuestionInline(_admin.TabularInline):
    model = _Question
    extra = 0
    fields = ["external_id", "kind", "stem", "answer", "difficulty"]
    show_change_link = True


@_admin.register(_QuestionBank)
class QuestionBankAdmin(_admin.ModelAdmin):
    list_display = ["slug", "title", "owner", "question_count", "updated_at"]
    search_fields = ["slug", "title"]
    autocomplete_fields = []
    raw_id_fields = ["owner"]
    inlines = [QuestionInline]
    change_form_template = "admin/events/questionbank/change_form.html"

    @_admin.display(description="题目数 Questions")
    def question_count(self, obj):
        return obj.questions.count()

    def get_queryset(self, request):
        return _bank_scope(request, super().get_queryset(request).select_related("owner"))

    def get_urls(self):
        return [_path("<int:bank_id>/import/", self.admin_site.admin_view(self.import_view),
                      name="events_questionbank_import"), *super().get_urls()]

    def import_view(self, request, bank_id: int):
        from config.errors import UserFacingError
        from events.bank_import import questions_import

        bank = _get_object_or_404(self.get_queryset(request), pk=bank_id)
        if not self.has_change_permission(request, bank):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
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


@_admin.register(_Question)
class QuestionAdmin(_admin.ModelAdmin):
    list_display = ["external_id", "bank", "kind", "stem", "answer", "difficulty"]
    list_filter = ["bank", "kind", "difficulty"]
    search_fields = ["external_id", "stem"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("bank")
        return qs.filter(bank__in=_bank_scope(request, _QuestionBank.objects.all()))


@_admin.register(_QuizAttempt)
class QuizAttemptAdmin(_admin.ModelAdmin):
    list_display = ["event", "child", "library", "status", "practice", "score", "total_time_ms", "started_at"]
    list_filter = ["status", "practice", "event"]
    readonly_fields = [f.name for f in _QuizAttempt._meta.fields]

    def get_queryset(self, request):
        from campaigns.selectors import scope_queryset

        return scope_queryset(super().get_queryset(request).select_related("event", "child", "library"),
                              request.user, "library")

    def has_add_permission(self, request):
        return False


@_admin.register(_QuizResult)
class QuizResultAdmin(_admin.ModelAdmin):
    list_display = ["event", "child", "library", "score", "total_time_ms", "finished_at", "attempts", "completed"]
    list_filter = ["event"]
    readonly_fields = [f.name for f in _QuizResult._meta.fields]

    def get_queryset(self, request):
        from campaigns.selectors import scope_queryset

        return scope_queryset(super().get_queryset(request).select_related("event", "child", "library"),
                              request.user, "library")

    def has_add_permission(self, request):
        return False


@_admin.register(_LiveSession)
class LiveSessionAdmin(_admin.ModelAdmin):
    list_display = ["code", "event", "host", "state", "current_index", "created_at"]
    readonly_fields = ["code", "question_ids", "option_orders"]
