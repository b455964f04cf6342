"""The notification port. The domain calls `notify(...)`; every registered channel delivers it.

The in-site notice channel is built in (families always see notices on their page); `wechat`
registers its own channel at start-up (AppConfig.ready). Delivery to outside services runs in
tasks, after the transaction commits, so a slow channel never holds a request."""

from collections.abc import Callable
from dataclasses import dataclass, field

from campaigns.models import Notice


@dataclass(frozen=True)
class Notification:
    user_id: int
    kind: str  # entry_received | entry_accepted | entry_rejected | entry_advanced | entry_won | ...
    title: str
    body: str = ""
    url: str = ""
    data: dict = field(default_factory=dict)


Channel = Callable[[Notification], None]
_channels: dict[str, Channel] = {}


def register_channel(name: str, channel: Channel) -> None:
    _channels[name] = channel


def unregister_channel(name: str) -> None:
    _channels.pop(name, None)


def channels() -> dict[str, Channel]:
    return dict(_channels)


def notify(notification: Notification) -> None:
    for channel in list(_channels.values()):
        channel(notification)


def _site_notice(notification: Notification) -> None:
    Notice.objects.create(
        user_id=notification.user_id,
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        url=notification.url,
    )


register_channel("site", _site_notice)
