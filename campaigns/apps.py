from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "活动与图书馆 Campaigns"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from campaigns.models import AgeGroup, Campaign, CampaignLibrary, Library, Stage
        from campaigns.page_cache import pages_changed

        # What the cached public pages show (campaigns/page_cache.py); later apps add their own
        # models (events adds Event).
        for model in (Campaign, Stage, AgeGroup, CampaignLibrary, Library):
            post_save.connect(pages_changed, sender=model, dispatch_uid=f"public-pages-{model.__name__}")
            post_delete.connect(pages_changed, sender=model, dispatch_uid=f"public-pages-del-{model.__name__}")
