from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "活动项目 Events"

    def ready(self) -> None:
        from campaigns.participants import register_participant_source
        from events.selectors import participant_child_ids

        register_participant_source("quiz", participant_child_ids)

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from campaigns.page_cache import pages_changed
        from events.models import Event

        # Event cards on the cached campaign and branch pages (campaigns/page_cache.py).
        post_save.connect(pages_changed, sender=Event, dispatch_uid="public-pages-Event")
        post_delete.connect(pages_changed, sender=Event, dispatch_uid="public-pages-del-Event")
        m2m_changed.connect(pages_changed, sender=Event.age_groups.through, dispatch_uid="public-pages-Event-ages")
