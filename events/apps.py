from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "活动项目 Events"

    def ready(self) -> None:
        from campaigns.participants import register_participant_source
        from events.selectors import participant_child_ids

        register_participant_source("quiz", participant_child_ids)
