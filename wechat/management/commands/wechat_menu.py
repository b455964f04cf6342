"""Create the account's custom menu (自定义菜单) from a campaign file's `wechat.menu` section."""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from campaigns.models import Campaign
from wechat import client, links
from wechat.client import WeChatAPIError
from wechat.errors import explain
from wechat.sections import wechat_options
from wechat.selectors import DEFAULT_MENU, campaign_menu

LABELS = {"quiz": "答题", "register": "报名", "my_entries": "我的作品", "campaign": "活动", "login": "登录",
          "reading": "阅读打卡"}


def _item(item, key: str) -> dict:
    if item.url:
        return {"type": "view", "name": item.name, "url": links.absolute(item.url)}
    return {"type": "click", "name": item.name, "key": key}


def menu_buttons(campaign: Campaign) -> list[dict]:
    """The campaign's own `wechat.buttons` when it has them (keys M1, M1_2 … answered by campaign_menu);
    otherwise two buttons of its menu keys and a third with the campaign page and elder mode."""
    section = wechat_options(campaign).wechat
    if section and section.buttons:
        return [{"name": b.name, "sub_button": [_item(s, f"M{i}_{j}") for j, s in enumerate(b.sub_buttons, 1)]}
                if b.sub_buttons else _item(b, f"M{i}") for i, b in enumerate(section.buttons, 1)]
    merged = campaign_menu(campaign)
    keys = list(section.menu) if section and section.menu else ["QUIZ", "REGISTER", "MY_ENTRIES"]
    menu = {key: merged.get(key, DEFAULT_MENU.get(key)) for key in keys}
    seen, buttons = set(), []
    for key, action in menu.items():
        if action in seen or action not in LABELS:
            continue
        seen.add(action)
        buttons.append({"type": "click", "name": LABELS[action], "key": key})
    buttons = buttons[:2]  # WeChat allows 3 top-level buttons: the third holds the campaign page and elder mode
    buttons.append({"name": "活动主页", "sub_button": [
        {"type": "view", "name": "活动主页", "url": links.campaign_url(campaign)},
        {"type": "view", "name": "长辈模式", "url": links.absolute(reverse("elder_mode"))},
    ]})
    return buttons


class Command(BaseCommand):
    help = "创建公众号自定义菜单 Create the WeChat custom menu from a campaign's wechat.menu section"

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--dry-run", action="store_true", help="print the menu without calling WeChat")

    def handle(self, *args, slug, dry_run, **options):
        campaign = Campaign.objects.filter(slug=slug).first()
        if campaign is None:
            raise CommandError(f"没有这个活动 No campaign {slug!r}")
        buttons = menu_buttons(campaign)
        for button in buttons:
            for item in button.get("sub_button") or [button]:
                self.stdout.write(f"  {item['name']}: {item.get('key') or item.get('url')}")
        if dry_run:
            return
        try:
            client.post("/cgi-bin/menu/create", {"button": buttons})
        except WeChatAPIError as exc:
            raise CommandError(str(explain(exc.errcode, exc.errmsg))) from None
        self.stdout.write(self.style.SUCCESS("菜单已创建 Menu created"))
