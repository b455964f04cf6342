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
