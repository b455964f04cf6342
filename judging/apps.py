from django.apps import AppConfig


def judge_assigned(user, entry) -> bool:
    """Media access for judges: only entries currently assigned to them."""
    from judging.models import Assignment

    return Assignment.objects.filter(entry=entry, judge__user=user, judge__active=True).exclude(
        state=Assignment.State.WITHDRAWN).exists()


class JudgingConfig(AppConfig):
    name = "judging"
    verbose_name = "评审 Judging"

    def ready(self) -> None:
        from submissions.access import register_access_check

        register_access_check("judging", judge_assigned)

        from judging.gallery import gallery_like_buttons
        from submissions.gallery_extras import register_gallery_extra

        register_gallery_extra("likes", gallery_like_buttons)
