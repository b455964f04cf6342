from django.apps import AppConfig


class JudgingConfig(AppConfig):
    name = "judging"
    verbose_name = "评审 Judging"

    def ready(self) -> None:
        # Judges see entries only through judging/blind.py, never through submissions.access.
        from judging.gallery import gallery_like_buttons
        from submissions.gallery_extras import register_gallery_extra

        register_gallery_extra("likes", gallery_like_buttons)
