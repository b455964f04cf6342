"""Build and deliver callbacks exactly as WeChat does: signed query string, optional safe-mode
encryption, and WeChat's retries (3 attempts when no answer arrives within 5 seconds)."""

import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from django.conf import settings

from wechat import crypto

ACCOUNT = "gh_0123456789ab"


def message_xml(kind: str, openid: str, *, text: str = "", key: str = "", media_id: str = "",
                create_time: int | None = None, msg_id: int | None = None) -> str:
    now = create_time or int(time.time())
    head = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{now}</CreateTime>")
    msg_id = msg_id or int(f"{now}{secrets.randbelow(10**6):06d}")
    if kind == "text":
        return head + f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    if kind == "voice":
        media_id = media_id or "demo" + secrets.token_urlsafe(30)
        return (head + f"<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[{media_id}]]></MediaId>"
                f"<Format><![CDATA[amr]]></Format><MsgId>{msg_id}</MsgId><Recognition><![CDATA[]]></Recognition></xml>")
    if kind == "subscribe":
        scene = f"<EventKey><![CDATA[qrscene_{key}]]></EventKey><Ticket><![CDATA[gQFake]]></Ticket>" if key else "<EventKey><![CDATA[]]></EventKey>"
        return head + f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>{scene}</xml>"
    if kind == "unsubscribe":
        return head + "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event><EventKey><![CDATA[]]></EventKey></xml>"
    if kind == "click":
        return head + f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
    if kind == "scan":
        return head + f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[{key}]]></EventKey><Ticket><![CDATA[gQFake]]></Ticket></xml>"
    raise ValueError(f"unknown kind {kind}")


@dataclass
class Signed:
    query: dict
    body: str

    def url(self, base: str) -> str:
        return f"{base}?{urlencode(self.query)}"


def sign_delivery(xml: str, *, safe: bool = False, timestamp: int | None = None, nonce: str | None = None,
                  openid: str = "", token: str | None = None, aes_key: str | None = None,
                  app_id: str | None = None) -> Signed:
    token = token or settings.WECHAT_TOKEN
    ts = str(timestamp or int(time.time()))
    nonce = nonce or str(secrets.randbelow(10**10))
    query = {"signature": crypto.sign(token, ts, nonce), "timestamp": ts, "nonce": nonce}
    if openid:
        query["openid"] = openid
    if not safe:
        return Signed(query, xml)
    body, msg_signature = crypto.encrypt_body(
        xml, token=token, aes_key=aes_key or settings.WECHAT_ENCODING_AES_KEY, app_id=app_id or settings.WECHAT_APP_ID,
        nonce=nonce, timestamp=ts,
    )
    query.update({"encrypt_type": "aes", "msg_signature": msg_signature})
    return Signed(query, body)


def deliver(url: str, signed: Signed, *, attempts: int = 3, timeout: float = 5.0,
            session: requests.Session | None = None) -> list[requests.Response | Exception]:
    """POST like WeChat: retry (same body, same signature) when no answer comes within `timeout`."""
    http = session or requests
    outcomes: list[requests.Response | Exception] = []
    for _ in range(attempts):
        try:
            response = http.post(signed.url(url), data=signed.body.encode("utf-8"), timeout=timeout,
                                 headers={"Content-Type": "text/xml", "User-Agent": "Mozilla/4.0"})
            outcomes.append(response)
            if response.status_code < 500:
                return outcomes
        except requests.RequestException as exc:
            outcomes.append(exc)
    return outcomes
