"""The one gateway to WeChat's HTTP API.

- One access token for every process, kept in Django's cache (Redis when configured, the database
  cache otherwise), fetched from `cgi-bin/stable_token` by one process at a time under a cache lock
  (`cache.add` is atomic in both backends): no stampede when it expires.
- Every call has a timeout; a 40001/40014/42001 answer triggers exactly one refresh and one retry
  (no recursion: wechatpy's unbounded auto-retry is not used).
- WeChat serves some JSON errors as text/plain (media/get): the body decides, not the header.
"""

import json
import logging
import secrets
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

TIMEOUT = (3.05, 10)
TOKEN_ERRORS = {40001, 40014, 42001}
LOCK_SECONDS = 15
WAIT_SECONDS = 12


class WeChatAPIError(Exception):
    def __init__(self, errcode: int, errmsg: str, path: str = ""):
        super().__init__(f"{errcode} {errmsg} ({path})")
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path


@dataclass
class Media:
    content: bytes
    content_type: str


def api_base() -> str:
    return settings.WECHAT_API_BASE.rstrip("/")


def oauth_authorize_base() -> str:
    """open.weixin.qq.com for the real API; the fake API serves the authorize page itself."""
    base = api_base()
    if "api.weixin.qq.com" in base:
        return "https://open.weixin.qq.com"
    return base


_session: requests.Session | None = None


def http() -> requests.Session:
    global _session
    if _session is None:
        _session = requests.Session()
        _session.headers["User-Agent"] = "shuxiang-wechat/1"
    return _session


def _token_key(kind: str = "access_token") -> str:
    return f"wechat:{settings.WECHAT_APP_ID}:{kind}"


def _decode(response: requests.Response, path: str) -> dict:
    try:
        data = json.loads(response.content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise WeChatAPIError(-2, f"non-JSON answer (HTTP {response.status_code})", path) from None
    if not isinstance(data, dict):
        raise WeChatAPIError(-2, "unexpected JSON", path)
    errcode = data.get("errcode", 0)
    if errcode:
        raise WeChatAPIError(int(errcode), str(data.get("errmsg", "")), path)
    return data


def _with_lock(kind: str, fetch, *, stale: str | None = None) -> str:
    """Return the cached value of `kind`, or fetch it under the lock (one process at a time)."""
    key = _token_key(kind)
    lock = key + ":lock"
    deadline = time.monotonic() + WAIT_SECONDS
    owner = secrets.token_hex(8)
    while True:
        value = cache.get(key)
        if value and value != stale:
            return value
        if cache.add(lock, owner, LOCK_SECONDS):
            try:
                value = cache.get(key)
                if value and value != stale:
                    return value
                value, ttl = fetch(force=bool(stale))
                cache.set(key, value, max(60, ttl))
                return value
            finally:
                if cache.get(lock) == owner:
                    cache.delete(lock)
        if time.monotonic() > deadline:
            raise WeChatAPIError(-3, "timed out waiting for another process to refresh the token", kind)
        time.sleep(0.05)


def _fetch_stable_token(*, force: bool) -> tuple[str, int]:
    path = "/cgi-bin/stable_token"
    payload = {
        "grant_type": "client_credential",
        "appid": settings.WECHAT_APP_ID,
        "secret": settings.WECHAT_APP_SECRET,
        "force_refresh": force,
    }
    try:
        response = http().post(api_base() + path, data=json.dumps(payload), timeout=TIMEOUT,
                               headers={"Content-Type": "application/json"})
    except requests.RequestException as exc:
        raise WeChatAPIError(-1, f"network error: {exc.__class__.__name__}", path) from None
    data = _decode(response, path)
    expires_in = int(data.get("expires_in", 7200))
    # Keep a margin so a token is never used in its last minutes.
    return data["access_token"], expires_in - 300


def access_token(*, stale: str | None = None) -> str:
    """The shared token; pass `stale` (the token WeChat just refused) to force one refresh."""
    return _with_lock("access_token", _fetch_stable_token, stale=stale)


def forget_tokens() -> None:
    cache.delete_many([_token_key("access_token"), _token_key("jsapi_ticket")])


def call(method: str, path: str, *, params: dict | None = None, json_body=None, files=None,
         raw: bool = False, timeout=TIMEOUT):
    """Call `path` (e.g. "/cgi-bin/draft/add") with the token; one refresh+retry on a token error."""
    token = access_token()
    for attempt in (1, 2):
        query = {**(params or {}), "access_token": token}
        kwargs: dict = {"params": query, "timeout": timeout}
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            kwargs["headers"] = {"Content-Type": "application/json; charset=utf-8"}
        if files is not None:
            kwargs["files"] = files
        try:
            response = http().request(method, api_base() + path, **kwargs)
        except requests.RequestException as exc:
            raise WeChatAPIError(-1, f"network error: {exc.__class__.__name__}", path) from None
        if raw and not _looks_like_json(response):
            if response.status_code != 200:
                raise WeChatAPIError(-1, f"HTTP {response.status_code}", path)
            return Media(response.content, response.headers.get("Content-Type", ""))
        try:
            return _decode(response, path)
        except WeChatAPIError as exc:
            if exc.errcode in TOKEN_ERRORS and attempt == 1:
                log.warning("wechat token refused (%s) on %s; refreshing once", exc.errcode, path)
                token = access_token(stale=token)
                continue
            raise
    raise AssertionError("unreachable")


def _looks_like_json(response: requests.Response) -> bool:
    ctype = response.headers.get("Content-Type", "")
    if "json" in ctype:
        return True
    head = response.content[:1]
    return head == b"{" and ("text" in ctype or not ctype)


def get(path: str, **params) -> dict:
    return call("GET", path, params=params)


def post(path: str, body: dict, **params) -> dict:
    return call("POST", path, params=params, json_body=body)


# --- media ----------------------------------------------------------------------------------

def media_download(media_id: str, *, jssdk: bool = False) -> Media:
    path = "/cgi-bin/media/get/jssdk" if jssdk else "/cgi-bin/media/get"
    result = call("GET", path, params={"media_id": media_id}, raw=True, timeout=(3.05, 30))
    if isinstance(result, dict):  # JSON without errcode: WeChat answers video media this way
        raise WeChatAPIError(-2, "expected media bytes, got JSON", path)
    return result


def upload_image(name: str, data: bytes, content_type: str = "image/jpeg") -> str:
    """An image inside an article body → its mmbiz URL (media/uploadimg)."""
    return call("POST", "/cgi-bin/media/uploadimg", files={"media": (name, data, content_type)})["url"]


def add_permanent_image(name: str, data: bytes, content_type: str = "image/jpeg") -> str:
    """A cover image → thumb_media_id (material/add_material, type=image)."""
    result = call("POST", "/cgi-bin/material/add_material", params={"type": "image"},
                  files={"media": (name, data, content_type)})
    return result["media_id"]


# --- JS-SDK ---------------------------------------------------------------------------------

def _fetch_jsapi_ticket(*, force: bool) -> tuple[str, int]:
    data = get("/cgi-bin/ticket/getticket", type="jsapi")
    return data["ticket"], int(data.get("expires_in", 7200)) - 300


def jsapi_ticket() -> str:
    return _with_lock("jsapi_ticket", _fetch_jsapi_ticket)


# --- OAuth (user-scoped tokens; not the shared access token) ---------------------------------

def oauth_exchange(code: str) -> dict:
    path = "/sns/oauth2/access_token"
    try:
        response = http().get(api_base() + path, timeout=TIMEOUT, params={
            "appid": settings.WECHAT_APP_ID, "secret": settings.WECHAT_APP_SECRET,
            "code": code, "grant_type": "authorization_code",
        })
    except requests.RequestException as exc:
        raise WeChatAPIError(-1, f"network error: {exc.__class__.__name__}", path) from None
    return _decode(response, path)


def oauth_userinfo(access_token_value: str, openid: str) -> dict:
    path = "/sns/userinfo"
    try:
        response = http().get(api_base() + path, timeout=TIMEOUT, params={
            "access_token": access_token_value, "openid": openid, "lang": "zh_CN",
        })
    except requests.RequestException as exc:
        raise WeChatAPIError(-1, f"network error: {exc.__class__.__name__}", path) from None
    return _decode(response, path)
