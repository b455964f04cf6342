"""The WeChat notification channel, registered into campaigns.notifications at start-up.

The domain calls `notify(...)`; this channel records one delivery per subscribed follower linked
to the guardian and sends it in a task (template or subscribe message). Families without a linked
follower get nothing here: the built-in in-site channel already shows them the notice."""

from campaigns.notifications import Notification
from config.tasks import enqueue
from wechat.models import NotificationDelivery
from wechat.selectors import followers_of_user


def deliver(notification: Notification) -> None:
    for follower in followers_of_user(notification.user_id):
        delivery = NotificationDelivery.objects.create(
            follower=follower, kind=notification.kind[:40], title=notification.title[:200],
            body=notification.body, url=notification.url[:300],
        )
        enqueue("wechat.tasks.notification_send", delivery.id)
