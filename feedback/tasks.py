"""django-q2 entry points (idempotent, ids only)."""

from feedback.services import survey_invite, surveys_send_due


def surveys_send(now=None) -> int:
    return surveys_send_due(now)


def survey_send(survey_id: int) -> int:
    return survey_invite(survey_id)
