from django.apps import AppConfig


class JudgingConfig(AppConfig):
    name = "judging"
    verbose_name = "评审 Judging"

    def ready(self) -> None:
        # Judges see entries only through judging/blind.py, never through submissions.access.
        from judging.gallery import gallery_like_buttons
        from submissions.gallery_extras import register_gallery_extra

        register_gallery_extra("likes", gallery_like_buttons)

        from campaigns.passwords import register_staff_role
        from judging.models import Judge

        # Judges, like organizers, must use a stronger password (campaigns/passwords.py).
        register_staff_role("judge", lambda user: Judge.objects.filter(user=user).exists())
