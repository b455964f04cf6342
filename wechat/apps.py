from django.apps import AppConfig


class WechatConfig(AppConfig):
    name = "wechat"
    verbose_name = "微信公众号 WeChat"

    def ready(self) -> None:
        from campaigns.notifications import register_channel
        from wechat.notifications import deliver

        register_channel("wechat", deliver)

        from campaigns.retention import register_purger
        from wechat.retention import purge_campaign_voice

        register_purger("wechat_voice", purge_campaign_voice)

        # The callback's cached snapshot of live campaigns (wechat/selectors.py) follows their edits.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from campaigns.models import Campaign, Stage
        from events.models import Event
        from wechat.selectors import live_config_clear

        for model in (Campaign, Stage, Event):
            post_save.connect(live_config_clear, sender=model, dispatch_uid=f"wechat-live-{model.__name__}-save")
            post_delete.connect(live_config_clear, sender=model, dispatch_uid=f"wechat-live-{model.__name__}-delete")
        m2m_changed.connect(live_config_clear, sender=Event.poems.through, dispatch_uid="wechat-live-poems")
