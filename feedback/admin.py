"""Organizers define surveys here until the campaign builder has a step for them: the survey,
its questions inline (rating / choice / free text, Chinese and English), scoped to their campaigns."""

from django.contrib import admin

from campaigns.admin_labels import LabelledTabularInline
from campaigns.admin_scoping import ScopedAdmin, ScopedInline, register_scope
from feedback.models import Question, Survey

register_scope(Survey, "campaign__lead_library")


class QuestionInline(ScopedInline, LabelledTabularInline):
    model = Question
    extra = 3
    fields = ("position", "kind", "text_zh", "text_en", "choices", "required")


@admin.register(Survey)
class SurveyAdmin(ScopedAdmin):
    organizer_permissions = ("view", "add", "change", "delete")
    list_display = ("title_zh", "campaign", "event", "opens_at", "closes_at", "sent_at")
    list_filter = ("campaign",)
    readonly_fields = ("sent_at",)
    inlines = [QuestionInline]
