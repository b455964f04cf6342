from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "满意度调查 Satisfaction surveys"

    def ready(self) -> None:
        from campaigns.family_registry import register_export_section, register_family_section
        from feedback.selectors import family_surveys_context, responses_export

        register_family_section(key="surveys", title_zh="满意度调查", title_en="Surveys", order=60,
                                template="feedback/family_surveys.html", context=family_surveys_context)
        register_export_section("survey_responses", responses_export)
