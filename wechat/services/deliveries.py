"""Notification deliveries: a follower's consent to a subscribe-message template, and WeChat's report of each send."""

from django.utils import timezone

from wechat.models import (
    Follower,
    NotificationDelivery,
    SubscribeConsent,
)


def subscribe_consent_record(*, follower: Follower, template_id: str, accepted: bool) -> None:
    SubscribeConsent.objects.update_or_create(follower=follower, template_id=template_id,
                                              defaults={"accepted": accepted})


def delivery_result(*, msgid: str, ok: bool, status: str = "", error_code: int | None = None) -> int:
    return NotificationDelivery.objects.filter(msgid=msgid).update(
        status=NotificationDelivery.Status.DELIVERED if ok else NotificationDelivery.Status.FAILED,
        error=status[:500] if not ok else "", error_code=error_code, updated_at=timezone.now(),
    )
