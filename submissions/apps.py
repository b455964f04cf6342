from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = "作品 Entries"

    def ready(self) -> None:
        from campaigns.family_registry import (
            register_child_delete_hook,
            register_export_section,
            register_family_section,
        )
        from submissions import selectors
        from submissions.views import child_entries_context

        register_family_section(
            key="entries", title_zh="作品", title_en="Entries", order=20,
            template="submissions/family_entries.html", context=child_entries_context,
        )
        register_export_section(
            "entries", lambda user: [selectors.entry_as_export(e) for e in selectors.entries_of_guardian(user)]
        )
        register_child_delete_hook("entries", delete_child_media)

        from campaigns.retention import register_purger
        from submissions.retention import purge_campaign_entries

        register_purger("entries", purge_campaign_entries)

        from campaigns.event_links import register_event_links

        register_event_links("entries", event_card_links)

        from campaigns.participants import register_participant_source

        register_participant_source("entries", selectors.participant_child_ids)

        from django_q.signals import post_spawn

        post_spawn.connect(remove_abandoned_workdirs, dispatch_uid="submissions.remove_abandoned_workdirs")


def remove_abandoned_workdirs(sender, proc_name, **kwargs) -> None:
    """A worker process starts (also one replacing a killed worker): remove the processing directories
    (copies of children's recordings) that dead workers left behind."""
    from submissions import workdirs

    workdirs.remove_abandoned()


def delete_child_media(child) -> None:
    """Children's media go with the child's profile (rows cascade; files are removed after commit)."""
    from django.core.files.storage import default_storage
    from django.db import transaction

    from submissions import workdirs
    from submissions.models import Entry

    names = [name for row in Entry.objects.filter(child=child).values_list("original", "playback", "thumbnail")
             for name in row if name]
    entry_ids = list(Entry.objects.filter(child=child).values_list("pk", flat=True))

    def remove() -> None:
        for name in names:
            default_storage.delete(name)
        workdirs.remove_for_entries(entry_ids)  # a copy a worker may still hold (or a killed one left)

    transaction.on_commit(remove)


def event_card_links(event) -> list[tuple[str, str, str]]:
    """Links on the campaign and branch pages' event cards: record/submit, the gallery (where the likes
    are during the likes stage) and the family's own entries (each links to its entry page)."""
    from django.urls import reverse

    if not event.takes_entries:  # quizzes: events registers its own links (or the defaults apply)
        return []
    from submissions.media.limits import entries_settings

    entries = entries_settings(event)
    media = entries.media if entries else []
    submit = ("录音参赛", "Record an entry") if event.kind == "recitation" or "audio" in media else \
        ("提交作品", "Submit an entry")
    return [
        (*submit, reverse("submissions:submit", kwargs={"event_id": event.pk})),
        ("作品展示", "Gallery", reverse("submissions:gallery", kwargs={"event_id": event.pk})),
        ("我的作品", "My entries", reverse("family") + "#section-entries"),
    ]
