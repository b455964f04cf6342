"""The family's survey page (thin: the service validates and stores)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from config.errors import UserFacingError
from feedback.models import Response, Survey
from feedback.services import respondent_library, survey_respond


@login_required
def answer(request, survey_id: int):
    survey = get_object_or_404(Survey.objects.select_related("campaign", "event"), pk=survey_id)
    questions = list(survey.questions.all())
    done = Response.objects.filter(survey=survey, respondent=request.user).exists()
    error = None
    posted = {}
    if request.method == "POST" and not done:
        posted = {q.pk: request.POST.get(f"q{q.pk}", "") for q in questions}
        try:
            survey_respond(survey=survey, user=request.user, answers=posted, named=request.POST.get("named") == "1")
        except UserFacingError as exc:
            error = exc
        else:
            messages.success(request, "感谢您的反馈！Thank you for your feedback!")
            return redirect("feedback:answer", survey_id=survey.pk)
    return render(request, "feedback/answer.html", {
        "survey": survey, "questions": questions, "done": done, "error": error, "posted": posted,
        "open": survey.is_open(timezone.now()), "eligible": respondent_library(survey, request.user) is not None,
        "scores": range(1, 6),
    }, status=error.status if error else 200)
