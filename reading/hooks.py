"""How reading joins the rest without the lower apps importing it: signals from quizzes, entries and
likes credit points after their transaction commits, registrations make the collective goal's
participant shares stale; the registries of campaigns show the reading
pages, the family's points and badges, and the collective goal on the campaign and branch pages."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def points_enabled(campaign) -> bool:
    """A campaign keeps a points ledger when its file declares points, badges or a goal, or has a
    reading event."""
    config = campaign.config if isinstance(campaign.config, dict) else {}
    if any(config.get(k) is not None for k in ("points", "badges", "goal")):
        return True
    return campaign.events.filter(kind="reading").exists()


def _credit_later(campaign, child, source, key, day, library=None):
    from reading.services import credit_activity

    if points_enabled(campaign):
        transaction.on_commit(lambda: credit_activity(campaign=campaign, child=child, source=source, source_key=key,
                                                      day=day, library=library))


def on_attempt(sender, instance, **kwargs):
    if instance.practice or instance.status not in ("finished", "expired"):
        return
    event = instance.event
    _credit_later(event.campaign, instance.child, "quiz", f"attempt-{instance.id}", instance.local_date, instance.library)


def on_entry(sender, instance, **kwargs):
    if instance.status != "ready":
        return
    from reading.services import local_now

    campaign = instance.event.campaign
    _credit_later(campaign, instance.child, "entry", f"entry-{instance.id}", local_now(campaign).date(), instance.library)


def on_like(sender, instance, created, **kwargs):
    if not created or instance.voided:
        return
    entry = instance.entry
    campaign = entry.event.campaign
    _credit_later(campaign, entry.child, "like", f"like-{instance.id}", instance.day, entry.library)


def on_registration(sender, instance, **kwargs):
    from reading.services import goal_people_changed

    goal_people_changed(instance.campaign_id)


def connect():
    # reading's sections of a campaign file (reading.config) are composed by builder/campaign_file/models.py.
    from django.apps import apps

    post_save.connect(on_attempt, sender=apps.get_model("events", "QuizAttempt"), dispatch_uid="reading-attempt")
    post_save.connect(on_entry, sender=apps.get_model("submissions", "Entry"), dispatch_uid="reading-entry")
    post_save.connect(on_like, sender=apps.get_model("judging", "Like"), dispatch_uid="reading-like")
    registration = apps.get_model("campaigns", "Registration")
    post_save.connect(on_registration, sender=registration, dispatch_uid="reading-registration")
    post_delete.connect(on_registration, sender=registration, dispatch_uid="reading-registration-gone")

    from campaigns.event_links import register_event_links
    from campaigns.family_registry import register_export_section, register_family_section
    from reading import registry

    register_event_links("reading", registry.event_links)
    register_family_section(key="reading", title_zh="阅读与积分", title_en="Reading and points", order=15,
                            template="reading/family_section.html", context=registry.family_context)
    register_export_section("reading", registry.family_export)
    from campaigns.page_panels import register_campaign_panel

    register_campaign_panel("reading-goal", template="reading/goal_panel.html", context=registry.goal_context)
