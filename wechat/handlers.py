"""What a callback means, in two halves.

- `reply_for(fields)` runs inside the callback: read-only, a few indexed reads, no API call. It
  decides the passive reply the follower sees within milliseconds.
- `apply(fields)` runs in the inbound drain task (wechat.tasks.inbound_drain), once per delivered
  message: every write (followers, voice messages, push results, consents) and every enqueued job.

Splitting them keeps the callback's critical section to one INSERT (the de-duplication row, which
is also the durable outbox the drain reads), so it answers fast even under a burst."""

import logging

from django.urls import reverse

from wechat import links, selectors
from wechat.services.deliveries import delivery_result, subscribe_consent_record
from wechat.services.followers import follower_scan, follower_subscribe, follower_touch, follower_unsubscribe
from wechat.services.pushes import push_result_mass, push_result_publish
from wechat.services.voices import voice_receive
from wechat.tokens import login_link

log = logging.getLogger(__name__)


def _event(fields: dict) -> str:
    return str(fields.get("Event", "")).lower()


def _key(fields: dict) -> str:
    key = fields.get("EventKey") or ""
    return key if isinstance(key, str) else ""


def voice_confirm_path(msg_id: str) -> str:
    return reverse("wechat:voice_by_msg", args=[msg_id])


# --- replies (read-only) ----------------------------------------------------------------------


def reply_for(fields: dict) -> str:
    msg_type = str(fields.get("MsgType", "")).lower()
    openid = fields["FromUserName"]
    if msg_type == "text":
        found = selectors.keyword_action(str(fields.get("Content", "")))
        return action_reply(found[1], found[0], openid) if found else help_text(openid=openid)
    if msg_type == "voice":
        return voice_reply(fields)
    if msg_type != "event":
        return help_text()
    event = _event(fields)
    if event == "subscribe":
        library = selectors.library_by_scene(_key(fields))
        where = f"（{library.name}）" if library else ""
        return f"感谢关注{where}！\nThanks for following!\n" + help_text(openid=openid, library=library)
    if event == "scan":
        scene = _key(fields)
        library = selectors.library_by_scene(scene if scene.startswith("lib-") else f"lib-{scene}")
        where = f"（{library.name}）" if library else ""
        return f"欢迎回来{where}！\nWelcome back!\n" + help_text(openid=openid, library=library)
    if event == "click":
        if _key(fields) == "ELDER_MODE":
            return elder_mode_reply(openid)
        found = selectors.menu_action(_key(fields))
        return action_reply(found[1], found[0], openid) if found else help_text(openid=openid)
    return ""  # unsubscribe, VIEW, job results, subscribe-message events: no reply


def a(url: str, text: str) -> str:
    return f'<a href="{url}">{text}</a>'


TODAY_SHOWN = 3  # a reply is read on a phone: at most three campaigns


def today_campaigns(openid: str, library=None, prefer=None) -> tuple[list, str]:
    """The campaigns open today for the follower's library (the scanned one, else the one the
    follower is attributed to; unknown: every open campaign), `prefer` first; and the library's name."""
    if library is not None:
        path, name = library.path, library.name
    else:
        path, name = selectors.follower_library(openid) or (None, "")
    campaigns = selectors.campaigns_open_for(path)
    if prefer is not None and prefer in campaigns:
        campaigns = [prefer] + [c for c in campaigns if c != prefer]
    return campaigns[:TODAY_SHOWN], name


def none_open_text(library_name: str) -> str:
    where = f"{library_name}" if library_name else ""
    return (f"{where}今天没有正在进行的活动，新活动开始时我们会通知您。\n"
            "No campaign is open for your library today; we will tell you when one opens.")


def help_text(campaign=None, *, openid: str = "", library=None) -> str:
    campaigns = [campaign] if campaign else today_campaigns(openid, library)[0]
    if not campaigns:
        return none_open_text(library.name if library else (selectors.follower_library(openid) or ("", ""))[1])
    keywords = "、".join(selectors.campaign_keywords(campaigns[0]))
    lines = [f"欢迎参加「{c.title}」！{a(links.campaign_url(c), '活动主页 Campaign page')}" for c in campaigns]
    return "\n".join(lines) + f"\n回复关键词 Reply with：{keywords}"


def elder_mode_reply(openid: str) -> str:
    from django.urls import reverse

    return ("长辈模式：字更大、按钮更大、答题时间更长。\nElder mode: larger text and buttons, more time in quizzes. "
            + a(links.absolute(reverse("elder_mode") + "?on=1"), "打开长辈模式 Turn on elder mode"))


def action_reply(action: str, campaign, openid: str) -> str:
    if action in ("quiz", "register", "campaign"):
        # Point to today: the campaigns open now for the follower's library, never a future one.
        campaigns, library_name = today_campaigns(openid, prefer=campaign)
        if not campaigns:
            return none_open_text(library_name)
        if action == "quiz":
            quizzes = [(c, selectors.campaign_quiz_event(c)) for c in campaigns]
            quizzes = [(c, e) for c, e in quizzes if e is not None]
            if not quizzes:
                return "今天没有开放的答题活动。\nNo quiz is open for your library today."
            return "\n".join(f"「{e.title}」答题入口 Quiz: {a(links.quiz_url(c, e), '开始答题 Start')}"
                             for c, e in quizzes)
        if action == "register":
            return "\n".join(f"「{c.title}」报名 Registration: {a(links.register_url(c), '点此报名 Register')}"
                             for c in campaigns)
        return "\n".join(f"「{c.title}」{a(links.campaign_url(c), '活动主页 Campaign page')}" for c in campaigns)
    if campaign is None:
        return help_text(openid=openid)
    if action == "login":
        return f"点此登录 Log in: {a(login_link(openid, '/family/'), '登录 Log in')}"
    if action == "my_entries":
        return my_entries_reply(selectors.follower_user_id(openid), openid)
    if action == "reading":
        return reading_reply(openid)
    return help_text(campaign, openid=openid)


def reading_reply(openid: str) -> str:
    """打卡: a link to the reading log of each campaign open today for the follower's library."""
    events = selectors.reading_events_open_today(openid)
    if not events:
        return "今天没有开放的阅读打卡活动。\nNo reading check-in is open today."
    lines = ["阅读打卡 Log today's reading:"]
    for event in events[:5]:
        lines.append(f"「{event.campaign.title}」{a(links.reading_log_url(event), event.title)}")
    return "\n".join(lines)


def my_entries_reply(user_id: int | None, openid: str) -> str:
    if user_id is None:
        return ("请先登录，再查看孩子的作品。\nLog in first to see your entries: "
                + a(login_link(openid, links.my_entries_url()), "登录 Log in"))
    rows = selectors.family_entries(user_id)
    if not rows:
        return ("还没有作品。发送语音即可参加诵读活动。\nNo entries yet: send a voice message to take part. "
                + a(links.my_entries_url(), "我的作品 My entries"))
    lines = ["我的作品 My entries:"]
    for row in rows:
        poem = f"《{row['poem']}》" if row["poem"] else ""
        reason = f"（{row['reason']}）" if row["reason"] else ""
        lines.append(f"· {row['child']} {row['event']}{poem}：{row['status']}{reason}")
    lines.append(a(links.my_entries_url(), "查看全部 View all"))
    return "\n".join(lines)


def voice_plan(fields: dict) -> dict | None:
    """Which event, child and poem a voice message goes to (None: no event takes voices now)."""
    plan = selectors.open_recitation_plan()
    if plan is None:
        return None
    event, poems = plan
    user_id = selectors.follower_user_id(fields["FromUserName"])
    child_id = None
    if user_id:
        children = selectors.eligible_child_ids(user_id, event)
        if len(children) == 1:
            child_id = children[0]
    return {"event": event, "user_id": user_id, "child_id": child_id,
            "poem_id": poems[0] if len(poems) == 1 else None}


def voice_reply(fields: dict) -> str:
    plan = voice_plan(fields)
    if plan is None:
        return "目前没有正在征集作品的诵读活动。\nNo recitation event is taking entries now."
    event = plan["event"]
    confirm = voice_confirm_path(str(fields.get("MsgId", "")))
    if plan["user_id"] is None:
        return (f"已收到语音！请登录并选择孩子和诗词，完成「{event.title}」投稿。\n"
                f"Voice received: log in and choose the child and poem. "
                f"{a(login_link(fields['FromUserName'], confirm), '确认投稿 Confirm')}")
    if plan["child_id"] and plan["poem_id"]:
        return (f"已收到语音，正在生成「{event.title}」作品草稿。\n"
                f"Voice received; your draft entry is being prepared. {a(links.absolute(confirm), '查看 View')}")
    return (f"已收到语音！请选择孩子和朗读的诗词，完成「{event.title}」投稿。\n"
            f"Voice received: choose the child and the poem. {a(links.absolute(confirm), '确认投稿 Confirm')}")


# --- effects (in the drain task) --------------------------------------------------------------


def apply(fields: dict) -> None:
    msg_type = str(fields.get("MsgType", "")).lower()
    openid = fields["FromUserName"]
    if msg_type == "voice":
        follower = follower_touch(openid=openid)
        plan = voice_plan(fields)
        if plan is not None:
            voice_receive(
                follower=follower, media_id=str(fields.get("MediaId", "")),
                media_id_16k=str(fields.get("MediaId16K", "") or ""), fmt=str(fields.get("Format", "amr") or "amr"),
                msg_id=str(fields.get("MsgId", "")), event_id=plan["event"].id, child_id=plan["child_id"],
                poem_id=plan["poem_id"],
                poem_hint_id=None if plan["poem_id"] else selectors.poem_hint(plan["event"],
                                                                             str(fields.get("Recognition") or "")),
            )
        return
    if msg_type != "event":
        follower_touch(openid=openid)
        return
    handler = EVENT_EFFECTS.get(_event(fields))
    if handler is not None:
        handler(fields)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def on_subscribe(fields: dict) -> None:
    follower_subscribe(openid=fields["FromUserName"], scene=_key(fields))


def on_unsubscribe(fields: dict) -> None:
    follower_unsubscribe(openid=fields["FromUserName"])


def on_scan(fields: dict) -> None:
    follower_scan(openid=fields["FromUserName"], scene=_key(fields))


def on_touch(fields: dict) -> None:
    follower_touch(openid=fields["FromUserName"])


def on_mass_finished(fields: dict) -> None:
    push_result_mass(msg_id=str(fields.get("MsgID") or fields.get("MsgId") or ""),
                              status=str(fields.get("Status", "")), total=_int(fields.get("TotalCount")),
                              sent=_int(fields.get("SentCount")), errors=_int(fields.get("ErrorCount")))


def on_publish_finished(fields: dict) -> None:
    info = fields.get("PublishEventInfo") or {}
    if not isinstance(info, dict):
        return
    url = ""
    detail = info.get("article_detail") or {}
    items = detail.get("item") if isinstance(detail, dict) else None
    if isinstance(items, dict):
        items = [items]
    if items:
        url = str(items[0].get("article_url", ""))
    status = _int(info.get("publish_status"))
    push_result_publish(publish_id=str(info.get("publish_id", "")),
                                 publish_status=3 if status is None else status, article_url=url)


def on_template_finished(fields: dict) -> None:
    status = str(fields.get("Status", ""))
    delivery_result(msgid=str(fields.get("MsgID") or fields.get("MsgId") or ""), ok=status == "success",
                             status=status)


def _items(fields: dict, container: str) -> list[dict]:
    block = fields.get(container) or {}
    items = block.get("List") if isinstance(block, dict) else None
    if isinstance(items, dict):
        items = [items]
    return [i for i in (items or []) if isinstance(i, dict)]


def on_subscribe_msg_popup(fields: dict, container: str = "SubscribeMsgPopupEvent") -> None:
    follower = follower_touch(openid=fields["FromUserName"])
    for item in _items(fields, container):
        template_id = str(item.get("TemplateId", ""))
        if template_id:
            subscribe_consent_record(follower=follower, template_id=template_id,
                                              accepted=str(item.get("SubscribeStatusString", "")) == "accept")


def on_subscribe_msg_change(fields: dict) -> None:
    on_subscribe_msg_popup(fields, "SubscribeMsgChangeEvent")


def on_subscribe_msg_sent(fields: dict) -> None:
    for item in _items(fields, "SubscribeMsgSentEvent"):
        code = _int(item.get("ErrorCode"))
        delivery_result(msgid=str(item.get("MsgID", "")), ok=code == 0, status=str(item.get("ErrorStatus", "")),
                                 error_code=code or None)


EVENT_EFFECTS = {
    "subscribe": on_subscribe,
    "unsubscribe": on_unsubscribe,
    "scan": on_scan,
    "click": on_touch,
    "view": on_touch,
    "masssendjobfinish": on_mass_finished,
    "publishjobfinish": on_publish_finished,
    "templatesendjobfinish": on_template_finished,
    "subscribe_msg_popup_event": on_subscribe_msg_popup,
    "subscribe_msg_change_event": on_subscribe_msg_change,
    "subscribe_msg_sent_event": on_subscribe_msg_sent,
}
