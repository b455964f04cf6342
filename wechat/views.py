"""Pages and endpoints opened inside WeChat: OAuth login, the signed login link, the voice
confirmation page and the JS-SDK signature. The callback itself lives in wechat/callback.py."""

import hashlib
import secrets
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from campaigns.models import User
from config.errors import UserFacingError
from config.params import int_param
from wechat import client
from wechat.client import WeChatAPIError
from wechat.errors import explain
from wechat.links import absolute, entry_url
from wechat.models import Follower, VoiceMessage
from wechat.services.followers import follower_login
from wechat.services.voices import voice_choose, voice_receive
from wechat.tokens import account_has_oauth, login_link_open, safe_next

BACKEND = "campaigns.auth.PhoneOrUsernameBackend"
PENDING = "wechat_pending"


def _message(request, title_zh: str, title_en: str, text_zh: str, text_en: str, status: int = 200) -> HttpResponse:
    return render(request, "wechat/message.html",
                  {"title_zh": title_zh, "title_en": title_en, "text_zh": text_zh, "text_en": text_en}, status=status)


def _finish_login(request: HttpRequest, *, openid: str, unionid: str = "", nickname: str = "", next_url: str):
    follower = Follower.objects.filter(openid=openid, user__isnull=False).select_related("user").first()
    if follower is None and not request.user.is_authenticated:
        request.session[PENDING] = {"openid": openid, "unionid": unionid, "nickname": nickname}
        return redirect(reverse("wechat:link_choice") + "?" + urlencode({"next": next_url}))
    user = follower_login(openid=openid, unionid=unionid, nickname=nickname,
                                   current_user=request.user if request.user.is_authenticated else None)
    if not request.user.is_authenticated or request.user.pk != user.pk:
        login(request, user, backend=BACKEND)
    return redirect(next_url)


# --- web OAuth (service accounts) -------------------------------------------------------------


def oauth_start(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request.GET.get("next"))
    if not account_has_oauth():
        return _message(request, "请在公众号里登录", "Log in from the account",
                        "本公众号是订阅号，不支持网页授权。请在公众号对话框发送“登录”，点击回复中的链接。",
                        "This subscription account has no web OAuth: send 登录 to the account and tap the link in the reply.")
    scope = "snsapi_userinfo" if request.GET.get("scope") == "snsapi_userinfo" else "snsapi_base"
    state = secrets.token_urlsafe(12)
    request.session["wechat_oauth"] = {"state": state, "next": next_url, "scope": scope}
    query = urlencode({
        "appid": settings.WECHAT_APP_ID, "redirect_uri": absolute(reverse("wechat:oauth_callback")),
        "response_type": "code", "scope": scope, "state": state,
    })
    return redirect(f"{client.oauth_authorize_base()}/connect/oauth2/authorize?{query}#wechat_redirect")


def oauth_callback(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop("wechat_oauth", None) or {}
    code, state = request.GET.get("code", ""), request.GET.get("state", "")
    if not pending or not state or not secrets.compare_digest(state, pending.get("state", "")):
        return _message(request, "登录链接已失效", "The login link expired",
                        "请返回重新打开页面。", "Go back and open the page again.", status=400)
    if not code:
        return _message(request, "未授权", "Not authorised", "您取消了微信授权，可以改用手机号登录。",
                        "You declined WeChat authorisation; log in with your phone number instead.", status=403)
    try:
        token = client.oauth_exchange(code)
        nickname = ""
        if pending.get("scope") == "snsapi_userinfo" and "snsapi_userinfo" in token.get("scope", ""):
            nickname = client.oauth_userinfo(token["access_token"], token["openid"]).get("nickname", "")
    except WeChatAPIError as exc:
        reason = explain(exc.errcode, exc.errmsg)
        if exc.errcode in (40029, 40163):
            reason_zh, reason_en = "授权码已使用或无效，请重新打开页面。", "The code was already used or is invalid; open the page again."
        else:
            reason_zh, reason_en = reason.zh, reason.en
        return _message(request, "微信登录失败", "WeChat login failed", reason_zh, reason_en, status=400)
    return _finish_login(request, openid=token["openid"], unionid=token.get("unionid", ""), nickname=nickname,
                         next_url=pending.get("next") or "/family/")


# --- signed login link (subscription accounts) ------------------------------------------------


def login_link(request: HttpRequest, token: str) -> HttpResponse:
    opened = login_link_open(token)
    if opened is None:
        return _message(request, "链接已失效", "The link expired",
                        "登录链接 30 分钟内有效且只能使用一次。请在公众号里再发送“登录”。",
                        "Login links work once within 30 minutes: send 登录 to the account again.", status=403)
    openid, next_url = opened
    return _finish_login(request, openid=openid, next_url=next_url)


# --- first login from WeChat: new account or link to an existing one ----------------------------


def link_choice(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    next_url = safe_next(request.GET.get("next") or request.POST.get("next"))
    if not pending:
        return redirect(next_url)
    if request.method == "POST":
        if request.POST.get("choice") == "new":
            user = follower_login(**pending)
            request.session.pop(PENDING, None)
            login(request, user, backend=BACKEND)
            messages.success(request, "已创建家长账号，并与微信关联。 Your account was created and linked to WeChat.")
            return redirect(next_url)
        complete = reverse("wechat:link_complete") + "?" + urlencode({"next": next_url})
        return redirect(reverse("login") + "?" + urlencode({"next": complete, "password": "1"}))
    return render(request, "wechat/link_choice.html", {"next": next_url, "nickname": pending.get("nickname", "")})


@login_required
def link_complete(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(PENDING, None)
    if pending:
        follower_login(**pending, current_user=request.user)
        messages.success(request, "微信已与您的账号关联。 WeChat is now linked to your account.")
    return redirect(safe_next(request.GET.get("next")))


# --- voice messages: the family confirms child and poem ----------------------------------------


@login_required
def voice_by_msg(request: HttpRequest, msg_id: str) -> HttpResponse:
    """The link in the voice reply: WeChat's MsgId → the voice message (recorded a moment later)."""
    voice = VoiceMessage.objects.filter(msg_id=msg_id, follower__user=request.user).first()
    if voice is None:
        if VoiceMessage.objects.filter(msg_id=msg_id).exists():
            return _message(request, "无法查看", "Not yours", "这条语音属于另一个微信账号。",
                            "This voice message belongs to another WeChat user.", status=403)
        response = _message(request, "正在接收语音", "Receiving your voice", "语音正在保存，请稍候几秒后刷新本页。",
                            "The voice message is being saved: refresh this page in a few seconds.", status=202)
        response["Refresh"] = "3"
        return response
    return redirect("wechat:voice_confirm", voice_id=voice.id)


@login_required
def voice_confirm(request: HttpRequest, voice_id: int) -> HttpResponse:
    from events.models import Event

    voice = get_object_or_404(VoiceMessage.objects.select_related("follower"), pk=voice_id)
    if voice.follower.user_id != request.user.pk:
        return _message(request, "无法查看", "Not yours", "这条语音属于另一个微信账号。",
                        "This voice message belongs to another WeChat user.", status=403)
    event = Event.objects.filter(pk=voice.event_id).select_related("campaign").first()
    error = None
    if request.method == "POST" and voice.status != VoiceMessage.Status.SUBMITTED:
        try:
            child_id = int_param(request.POST.get("child"), default=0)
            poem_id = int_param(request.POST.get("poem"))
            voice_choose(voice=voice, user=request.user, child_id=child_id, poem_id=poem_id)
            messages.success(request, "已确认，作品正在处理。 Confirmed: the entry is being processed.")
            return redirect("wechat:voice_confirm", voice_id=voice.id)
        except ValueError:
            error = UserFacingError("bad_choice", "请选择孩子和诗词。", "Choose a child and a poem.")
        except UserFacingError as exc:
            error = exc
    children = list(request.user.children.all())
    poems = list(event.poems.all()) if event else []
    # Chosen, and the worker is turning it into an entry: say so (and refresh) instead of asking again.
    submitting = (error is None and voice.child_id is not None and request.GET.get("change") != "1"
                  and voice.status in (VoiceMessage.Status.DOWNLOADED, VoiceMessage.Status.NEEDS_CONFIRMATION,
                                       VoiceMessage.Status.RECEIVED)
                  and (voice.poem_id is not None or not poems))
    response = render(request, "wechat/voice_confirm.html", {
        "voice": voice, "event": event, "children": children, "poems": poems, "error": error,
        "entry_url": entry_url(voice.entry_id) if voice.entry_id else "", "submitting": submitting,
    }, status=400 if error else 200)
    if submitting:
        response["Refresh"] = "3"
    return response


@login_required
def voice_audio(request: HttpRequest, voice_id: int) -> HttpResponse:
    """The voice message itself, so the parent can recognise the poem before choosing it: an MP3
    made by the entries' audio pipeline (WeChat's AMR/Speex does not play in browsers)."""
    from django.core.files.storage import default_storage
    from django.http import FileResponse, Http404

    from submissions.media.errors import MediaRefused
    from submissions.playable import stored_playable

    voice = get_object_or_404(VoiceMessage.objects.select_related("follower"), pk=voice_id)
    if voice.follower.user_id != request.user.pk:
        return _message(request, "无法查看", "Not yours", "这条语音属于另一个微信账号。",
                        "This voice message belongs to another WeChat user.", status=403)
    if not voice.audio:
        raise Http404
    try:
        name = stored_playable(voice.audio.name)
    except MediaRefused as exc:
        return _message(request, "无法播放", "Cannot play", exc.message_zh, exc.message_en, status=422)
    response = FileResponse(default_storage.open(name, "rb"), content_type="audio/mpeg")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- JS-SDK (in-page recording) ---------------------------------------------------------------


def jssdk_signature(request: HttpRequest) -> JsonResponse:
    url = request.GET.get("url", "").split("#", 1)[0]
    site = urlsplit(settings.SITE_URL)
    if not url or urlsplit(url).netloc not in (site.netloc, request.get_host()):
        return JsonResponse({"code": "bad_url", "message_zh": "页面地址不属于本站。", "message_en": "The URL is not on this site."},
                            status=400)
    try:
        ticket = client.jsapi_ticket()
    except WeChatAPIError as exc:
        reason = explain(exc.errcode, exc.errmsg)
        return JsonResponse({"code": f"wechat_{exc.errcode}", "message_zh": reason.zh, "message_en": reason.en}, status=503)
    nonce, timestamp = secrets.token_hex(8), int(time.time())
    raw = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}"
    return JsonResponse({"appId": settings.WECHAT_APP_ID, "timestamp": timestamp, "nonceStr": nonce,
                         "signature": hashlib.sha1(raw.encode()).hexdigest(),
                         "jsApiList": ["startRecord", "stopRecord", "playVoice", "uploadVoice"]})


@login_required
@require_POST
def jssdk_voice(request: HttpRequest) -> JsonResponse:
    """After wx.uploadVoice: keep the serverId and fetch the recording (media/get/jssdk) in a task."""
    from wechat.selectors import open_recitation_events

    server_id = request.POST.get("server_id", "").strip()
    if not server_id or len(server_id) > 200:
        return JsonResponse({"code": "bad_server_id", "message_zh": "缺少录音编号。", "message_en": "Missing serverId."},
                            status=400)
    follower = Follower.objects.filter(user=request.user).order_by("-subscribed", "-id").first()
    if follower is None:
        return JsonResponse({"code": "not_linked", "message_zh": "请在微信中打开本页面并登录。",
                             "message_en": "Open this page in WeChat and log in."}, status=403)
    events = open_recitation_events()
    event_id = int_param(request.POST.get("event")) or (events[0].id if events else None)
    if event_id is None or event_id not in {e.id for e in events}:
        return JsonResponse({"code": "entries_closed", "message_zh": "目前没有开放的诵读活动。",
                             "message_en": "No recitation event is open."}, status=409)

    def as_int(name):
        value = request.POST.get(name, "")
        return int(value) if value.isdigit() else None

    child_id = as_int("child")
    if child_id is not None and not User.objects.filter(pk=request.user.pk, children__pk=child_id).exists():
        child_id = None
    voice = voice_receive(follower=follower, media_id=server_id, fmt="speex", event_id=event_id,
                                   source=VoiceMessage.Source.JSSDK, child_id=child_id, poem_id=as_int("poem"))
    return JsonResponse({"voice": voice.id, "confirm_url": reverse("wechat:voice_confirm", args=[voice.id])})
