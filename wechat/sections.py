"""The wechat app's part of a campaign: reply keywords, the custom menu and scheduled pushes.
Kept in Campaign.config and read by the services as typed objects through `wechat_options(campaign)`."""

from collections.abc import Iterator

from pydantic import Field

from campaigns.sections import campaign_zone
from campaigns.typed import (
    AllOr,
    Choice,
    Date,
    DateTime,
    ListOf,
    MapOf,
    Problem,
    SettingsModel,
    Slug,
    StoredView,
    Text,
    TimeOfDay,
    typed_view,
    unique,
)

WECHAT_ACTIONS = ["quiz", "register", "my_entries", "campaign", "login", "reading"]
MAX_ARTICLES_PER_MESSAGE = 8
_LINK = r"(?:https?://|/)\S+"


# WeChat's own limits on a custom menu (自定义菜单): 3 buttons, each with up to 5 sub-buttons; names of at
# most 16 bytes (buttons) and 60 bytes (sub-buttons).
MENU_BUTTONS, MENU_SUB_BUTTONS, BUTTON_BYTES, SUB_BUTTON_BYTES = 3, 5, 16, 60


class MenuItem(SettingsModel):
    """A sub-button: its name and what it does — an action (a click) or a link (a page)."""
    name: Text(max_length=60)
    action: Choice(WECHAT_ACTIONS) | None = None
    url: Text(max_length=255, pattern=_LINK, pattern_zh="应为 http(s):// 网址或以 / 开头的站内路径",
              pattern_en="must be an http(s):// address or a site path starting with /") | None = None

    def problems(self, context) -> Iterator[Problem]:
        yield from self._name_fits(SUB_BUTTON_BYTES)
        if (self.action is None) == (self.url is None):
            yield Problem(("action",), "写 action（点击动作）或 url（链接）中的一个",
                          "write one of action (a click) or url (a link)")

    def _name_fits(self, limit: int) -> Iterator[Problem]:
        if self.name and len(self.name.encode("utf-8")) > limit:
            yield Problem(("name",), f"按钮名称最多 {limit} 字节（约 {limit // 3} 个汉字）",
                          f"a button name has at most {limit} bytes (about {limit // 3} Chinese characters)")


class MenuButton(MenuItem):
    """A top-level button: an action or a link, or a list of up to 5 sub-buttons."""
    sub_buttons: ListOf(MenuItem) = []

    def problems(self, context) -> Iterator[Problem]:
        yield from self._name_fits(BUTTON_BYTES)
        if self.sub_buttons:
            if len(self.sub_buttons) > MENU_SUB_BUTTONS:
                yield Problem(("sub_buttons",), f"一个菜单最多 {MENU_SUB_BUTTONS} 个子按钮（现有 {len(self.sub_buttons)} 个）",
                              f"a button has at most {MENU_SUB_BUTTONS} sub-buttons (it has {len(self.sub_buttons)})")
            if self.action is not None or self.url is not None:
                yield Problem(("action",), "有子按钮的菜单不能再写 action 或 url",
                              "a button with sub-buttons has no action or url of its own")
        elif (self.action is None) == (self.url is None):
            yield Problem(("action",), "写 action（点击动作）、url（链接）或 sub_buttons（子按钮）中的一个",
                          "write one of action (a click), url (a link) or sub_buttons")


class WechatSection(SettingsModel):
    keywords: MapOf(Text(max_length=20), Choice(WECHAT_ACTIONS)) = {}
    menu: MapOf(Text(max_length=64, pattern=r"[A-Z0-9_]+", pattern_zh="菜单键只能用大写字母、数字和下划线",
                     pattern_en="menu keys use capital letters, digits and underscores"), Choice(WECHAT_ACTIONS)) = {}
    buttons: ListOf(MenuButton) = []

    def problems(self, context) -> Iterator[Problem]:
        if self.buttons and len(self.buttons) > MENU_BUTTONS:
            yield Problem(("buttons",), f"公众号菜单最多 {MENU_BUTTONS} 个一级按钮（现有 {len(self.buttons)} 个）",
                          f"the menu has at most {MENU_BUTTONS} buttons (it has {len(self.buttons)})")

    def button_keys(self) -> dict[str, str]:
        """The click keys of the buttons' actions: M1, M1_2 … → action."""
        keys = {}
        for i, button in enumerate(self.buttons or [], 1):
            if button.action:
                keys[f"M{i}"] = button.action
            for j, sub in enumerate(button.sub_buttons or [], 1):
                if sub.action:
                    keys[f"M{i}_{j}"] = sub.action
        return keys


class Article(SettingsModel):
    title: Text(max_length=64)
    author: Text(max_length=16) | None = None
    digest: Text(max_length=120) | None = None
    cover: Text(max_length=255) | None = None
    content: Text()
    link: Text(max_length=255, pattern=_LINK, pattern_zh="应为 http(s):// 网址或以 / 开头的站内路径",
               pattern_en="must be an http(s):// address or a site path starting with /") | None = None


class Audience(SettingsModel):
    tag: Text(max_length=30)


class Schedule(SettingsModel):
    """One push (`at`), or one a day (`daily_at` from `from` to `to`, in the campaign's zone)."""
    at: DateTime | None = None
    daily_at: TimeOfDay | None = None
    from_: Date | None = Field(default=None, alias="from")
    to: Date | None = None

    def problems(self, context) -> Iterator[Problem]:
        daily = [k for k in ("daily_at", "from_", "to") if getattr(self, k) is not None]
        if (self.at is not None) == bool(daily) or (daily and len(daily) != 3):
            yield Problem((), "写 at（一次推送），或 daily_at + from + to（每日推送）",
                          "write at (one push), or daily_at with from and to (a daily push)")
        elif daily and self.to < self.from_:
            yield Problem(("to",), "不能早于 from", "must not be before from")
        elif daily and (self.to - self.from_).days > 366:
            yield Problem(("to",), "每日推送最长一年", "a daily push lasts at most a year")


class Push(SettingsModel):
    key: Slug(max_length=40)
    title: Text(max_length=64)
    audience: AllOr(Audience) = "all"
    schedule: Schedule
    articles: ListOf(Article, min_items=1)

    def problems(self, context) -> Iterator[Problem]:
        if self.articles and len(self.articles) > MAX_ARTICLES_PER_MESSAGE:
            yield Problem(("articles",), f"一次推送最多 {MAX_ARTICLES_PER_MESSAGE} 篇文章",
                          f"one push carries at most {MAX_ARTICLES_PER_MESSAGE} articles")

    @property
    def audience_tag(self) -> str:
        return "" if self.audience == "all" else self.audience.tag


class WechatOptions(StoredView):
    """The wechat app's settings of a campaign (its sections of Campaign.config and of a campaign file)."""
    wechat: WechatSection | None = None
    pushes: ListOf(Push) = []

    def problems(self, context) -> Iterator[Problem]:
        yield from unique(self.pushes, "key", ("pushes",))


def wechat_options(campaign) -> WechatOptions:
    """The typed WeChat settings of a campaign (cached on the instance until it is saved)."""
    return typed_view(campaign, "config", WechatOptions, tz=campaign_zone(campaign))
