"""A faithful fake of WeChat's API host (api.weixin.qq.com + the OAuth authorize page), on loopback.

Same paths, same JSON shapes and the same error bodies as WeChat, including its habit of serving
error JSON as `text/plain` (media/get). Tokens expire; only issued tokens are accepted. Failures
are switchable at run time through a control endpoint, so tests and the demo can rehearse quota
errors, expired tokens and an IP-whitelist refusal:

    POST /__fake__/fail     {"path": "/cgi-bin/message/mass/sendall", "errcode": 45009, "times": 1}
    POST /__fake__/expire   every issued token becomes invalid (next call → 42001)
    POST /__fake__/reset    forget everything
    GET  /__fake__/stats    {"calls": {path: n}, "log": [...recent requests...]}

The demo voice (demo_voice.amr, AMR-NB 8 kHz, starts with `#!AMR\n`) and its 16 kHz Speex copy were
made from a synthetic Mandarin reading of 静夜思 (the test corpus's recording) with ffmpeg's
libopencore_amrnb / libspeex encoders."""

import argparse
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

HERE = Path(__file__).resolve().parent
DEMO_AMR = HERE / "demo_voice.amr"
DEMO_SPEEX = HERE / "demo_voice_16k.spx"
TOKEN_TTL = 7200
ERRMSG = {
    40001: "invalid credential, access_token is invalid or not latest",
    40007: "invalid media_id",
    40013: "invalid appid",
    40029: "invalid code",
    40125: "invalid appsecret",
    40163: "code been used",
    40164: "invalid ip, not in whitelist",
    41001: "access_token missing",
    42001: "access_token expired",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    45028: "has no masssend quota",
    48001: "api unauthorized",
}


class FakeState:
    def __init__(self, app_id: str = "", secret: str = "", callback_url: str = "", token: str = ""):
        self.lock = threading.Lock()
        self.app_id = app_id
        self.secret = secret
        # Like WeChat, report job results (MASSSENDJOBFINISH, PUBLISHJOBFINISH, TEMPLATESENDJOBFINISH)
        # to the account's callback URL, signed with its token.
        self.callback_url = callback_url
        self.token = token
        self.result_delay = 1.0
        self.reset()

    def report(self, event_xml: str) -> None:
        if not self.callback_url:
            return

        def send() -> None:
            import hashlib
            import urllib.request

            ts, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
            signature = hashlib.sha1("".join(sorted([self.token, ts, nonce])).encode()).hexdigest()
            url = f"{self.callback_url}?{urlencode({'signature': signature, 'timestamp': ts, 'nonce': nonce})}"
            request = urllib.request.Request(url, data=event_xml.encode("utf-8"), headers={"Content-Type": "text/xml"})
            try:
                urllib.request.urlopen(request, timeout=5).read()
            except OSError:
                pass  # WeChat does not insist either

        timer = threading.Timer(self.result_delay, send)
        timer.daemon = True
        timer.start()

    def reset(self) -> None:
        with self.lock:
            self.tokens: dict[str, float] = {}  # token → expiry (epoch)
            self.stable_token: str | None = None
            self.calls: dict[str, int] = {}
            self.log: list[dict] = []
            self.failures: list[dict] = []
            self.codes: dict[str, dict] = {}  # OAuth code → {openid, used}
            self.counter = 1000000000
            self.media: dict[str, bytes] = {}
            self.drafts: dict[str, dict] = {}
            self.publishes: dict[str, dict] = {}
            self.users: dict[str, dict] = {}
            self.tags = [{"id": 2, "name": "星标组", "count": 0}, {"id": 100, "name": "家长", "count": 3},
                         {"id": 101, "name": "馆员", "count": 2}]

    def next_id(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def issue_token(self) -> str:
        token = "FAKE_" + secrets.token_urlsafe(90)  # real tokens are ~136 characters
        self.tokens[token] = time.time() + TOKEN_TTL
        return token

    def token_error(self, token: str | None) -> int | None:
        if not token:
            return 41001
        expiry = self.tokens.get(token)
        if expiry is None:
            return 40001
        if expiry < time.time():
            return 42001
        return None


def _event(name: str, inner: str) -> str:
    return ("<xml><ToUserName><![CDATA[gh_fake0000001]]></ToUserName><FromUserName><![CDATA[oFakeSystem0000000000000000]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{name}]]></Event>{inner}</xml>")


def _json_bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    state: FakeState
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the control endpoint keeps a log
        return

    # --- plumbing --------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def ok(self, data: dict) -> None:
        self._send(200, _json_bytes(data), "application/json; encoding=utf-8")

    def error(self, code: int, *, text_plain: bool = False) -> None:
        body = {"errcode": code, "errmsg": f"{ERRMSG.get(code, 'error')} rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}"}
        # WeChat answers 200 with an error body; media/get serves it as text/plain.
        self._send(200, _json_bytes(body), "text/plain" if text_plain else "application/json; encoding=utf-8")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, raw: bytes) -> dict:
        try:
            data = json.loads(raw.decode("utf-8") or "{}")
            return data if isinstance(data, dict) else {}
        except (ValueError, UnicodeDecodeError):
            return {}

    def _record(self, path: str, query: dict, body: dict | None) -> None:
        st = self.state
        with st.lock:
            st.calls[path] = st.calls.get(path, 0) + 1
            st.log.append({"path": path, "query": {k: v for k, v in query.items() if k != "access_token"},
                           "body": body, "at": time.time()})
            del st.log[:-500]

    def _injected_failure(self, path: str) -> int | None:
        st = self.state
        with st.lock:
            for failure in st.failures:
                if failure["path"] in (path, "*") and failure["times"] != 0:
                    failure["times"] -= 1
                    return int(failure["errcode"])
        return None

    # --- dispatch --------------------------------------------------------------------------

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        raw = self._body() if method == "POST" else b""
        ctype = self.headers.get("Content-Type", "")
        body = self._json(raw) if "multipart" not in ctype else {"multipart": len(raw)}
        if path.startswith("/__fake__/"):
            return self._control(path, body)
        self._record(path, query, body if method == "POST" else None)
        delay = self.state.__dict__.get("delay", 0)
        if delay:
            time.sleep(delay)
        route = ROUTES.get((method, path))
        if route is None:
            return self._send(404, b"<html><body>404 Not Found</body></html>", "text/html")
        injected = self._injected_failure(path)
        if injected:
            return self.error(injected, text_plain=path.startswith("/cgi-bin/media/get"))
        if path.startswith("/cgi-bin/") and path not in ("/cgi-bin/token", "/cgi-bin/stable_token"):
            problem = self.state.token_error(query.get("access_token"))
            if problem:
                return self.error(problem, text_plain=path.startswith("/cgi-bin/media/get"))
        route(self, query, body, raw)

    def _control(self, path: str, body: dict) -> None:
        st = self.state
        if path == "/__fake__/stats":
            with st.lock:
                return self.ok({"calls": dict(st.calls), "log": list(st.log[-200:]),
                                "drafts": len(st.drafts), "tokens": len(st.tokens)})
        if path == "/__fake__/fail":
            with st.lock:
                st.failures.append({"path": body.get("path", "*"), "errcode": int(body.get("errcode", 45009)),
                                    "times": int(body.get("times", 1))})
            return self.ok({"errcode": 0, "errmsg": "ok"})
        if path == "/__fake__/expire":
            with st.lock:
                st.tokens = {t: 0.0 for t in st.tokens}
                st.stable_token = None
            return self.ok({"errcode": 0, "errmsg": "ok"})
        if path == "/__fake__/delay":
            st.delay = float(body.get("seconds", 0))
            return self.ok({"errcode": 0, "errmsg": "ok"})
        if path == "/__fake__/reset":
            st.reset()
            st.delay = 0
            return self.ok({"errcode": 0, "errmsg": "ok"})
        if path == "/__fake__/code":  # mint an OAuth code for an openid (tests)
            code = secrets.token_hex(16)
            with st.lock:
                st.codes[code] = {"openid": body.get("openid", "oFakeUser"), "used": False,
                                  "scope": body.get("scope", "snsapi_base")}
            return self.ok({"code": code})
        return self._send(404, b"{}", "application/json")

    # --- endpoints -------------------------------------------------------------------------

    def _credentials_ok(self, appid: str, secret: str) -> int | None:
        if self.state.app_id and appid != self.state.app_id:
            return 40013
        if self.state.secret and secret != self.state.secret:
            return 40125
        return None

    def token(self, query, body, raw):
        problem = self._credentials_ok(query.get("appid", ""), query.get("secret", ""))
        if problem:
            return self.error(problem)
        self.ok({"access_token": self.state.issue_token(), "expires_in": TOKEN_TTL})

    def stable_token(self, query, body, raw):
        problem = self._credentials_ok(body.get("appid", ""), body.get("secret", ""))
        if problem:
            return self.error(problem)
        st = self.state
        with st.lock:
            current = st.stable_token
            valid = current is not None and st.tokens.get(current, 0) > time.time()
            if body.get("force_refresh") or not valid:
                current = st.issue_token()
                st.stable_token = current
            remaining = int(st.tokens[current] - time.time())
        self.ok({"access_token": current, "expires_in": remaining})

    def media_get(self, query, body, raw, jssdk: bool = False):
        media_id = query.get("media_id", "")
        stored = self.state.media.get(media_id)
        if stored is None and (media_id.startswith("Q") or media_id.startswith("R") or media_id.startswith("demo")
                               or jssdk):
            source = DEMO_SPEEX if (jssdk or media_id.startswith("R")) else DEMO_AMR
            stored = source.read_bytes()
        if stored is None or media_id.startswith("expired"):
            return self.error(40007, text_plain=True)
        ctype = "audio/amr" if stored.startswith(b"#!AMR") else "audio/speex"
        self._send(200, stored, ctype, {"Content-disposition": f'attachment; filename="{media_id[:20]}.{"amr" if ctype == "audio/amr" else "speex"}"'})

    def media_get_jssdk(self, query, body, raw):
        self.media_get(query, body, raw, jssdk=True)

    def upload_img(self, query, body, raw):
        self.ok({"url": f"http://mmbiz.qpic.cn/mmbiz_png/{secrets.token_urlsafe(24)}/0"})

    def add_material(self, query, body, raw):
        media_id = secrets.token_urlsafe(30)
        self.ok({"media_id": media_id, "url": f"http://mmbiz.qpic.cn/mmbiz_png/{media_id[:24]}/0?wx_fmt=png",
                 "item": []})

    def draft_add(self, query, body, raw):
        articles = body.get("articles")
        if not isinstance(articles, list) or not articles:
            return self.error(44003 if articles == [] else 40002)
        for article in articles:
            if not article.get("thumb_media_id") or not article.get("title") or not article.get("content"):
                return self._send(200, _json_bytes({"errcode": 40007, "errmsg": "invalid media_id"}),
                                  "application/json; encoding=utf-8")
        media_id = secrets.token_urlsafe(30)
        self.state.drafts[media_id] = {"articles": articles, "at": time.time()}
        self.ok({"media_id": media_id})

    def draft_count(self, query, body, raw):
        self.ok({"total_count": len(self.state.drafts)})

    def freepublish_submit(self, query, body, raw):
        media_id = body.get("media_id", "")
        if media_id not in self.state.drafts:
            return self.error(40007)
        publish_id = str(self.state.next_id())
        self.state.publishes[publish_id] = {"media_id": media_id, "status": 0}
        self.ok({"errcode": 0, "errmsg": "ok", "publish_id": publish_id, "msg_data_id": self.state.next_id()})
        self.state.report(_event("PUBLISHJOBFINISH", (
            f"<PublishEventInfo><publish_id>{publish_id}</publish_id><publish_status>0</publish_status>"
            f"<article_id><![CDATA[{secrets.token_urlsafe(30)}]]></article_id><article_detail><count>1</count>"
            "<item><idx>1</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/fake]]></article_url></item>"
            "</article_detail></PublishEventInfo>")))

    def freepublish_get(self, query, body, raw):
        publish = self.state.publishes.get(str(body.get("publish_id", "")))
        if publish is None:
            return self.error(40007)
        self.ok({"publish_id": body["publish_id"], "publish_status": publish["status"], "article_id": secrets.token_urlsafe(30),
                 "article_detail": {"count": 1, "item": [{"idx": 1, "article_url": "https://mp.weixin.qq.com/s/fake"}]},
                 "fail_idx": []})

    def _mass(self, body) -> None:
        media_id = (body.get("mpnews") or {}).get("media_id", "")
        if body.get("msgtype") == "mpnews" and media_id not in self.state.drafts:
            return self.error(40007)
        msg_id = self.state.next_id()
        self.ok({"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id,
                 "msg_data_id": self.state.next_id()})
        total = len(body["touser"]) if isinstance(body.get("touser"), list) else 3
        self.state.report(_event("MASSSENDJOBFINISH", (
            f"<MsgID>{msg_id}</MsgID><Status><![CDATA[send success]]></Status><TotalCount>{total}</TotalCount>"
            f"<FilterCount>{total}</FilterCount><SentCount>{total}</SentCount><ErrorCount>0</ErrorCount>")))

    def mass_sendall(self, query, body, raw):
        self._mass(body)

    def mass_send(self, query, body, raw):
        if not isinstance(body.get("touser"), list) or len(body["touser"]) < 2:
            return self.error(40130 if isinstance(body.get("touser"), list) else 40003)
        self._mass(body)

    def mass_preview(self, query, body, raw):
        if not body.get("touser") and not body.get("towxname"):
            return self.error(40003)
        self.ok({"errcode": 0, "errmsg": "preview success", "msg_id": self.state.next_id()})

    def template_send(self, query, body, raw):
        if not body.get("touser") or not body.get("template_id"):
            return self.error(40003 if not body.get("touser") else 40037)
        msgid = self.state.next_id()
        self.ok({"errcode": 0, "errmsg": "ok", "msgid": msgid})
        self.state.report(_event("TEMPLATESENDJOBFINISH", f"<MsgID>{msgid}</MsgID><Status><![CDATA[success]]></Status>"))

    def subscribe_bizsend(self, query, body, raw):
        if not body.get("touser") or not body.get("template_id"):
            return self.error(40003)
        self.ok({"errcode": 0, "errmsg": "ok", "msgid": self.state.next_id()})

    def user_info(self, query, body, raw):
        openid = query.get("openid", "")
        if not openid:
            return self.error(40003)
        self.ok({"subscribe": 1, "openid": openid, "language": "zh_CN", "subscribe_time": int(time.time()),
                 "unionid": "uFake" + openid[-16:], "remark": "", "groupid": 0, "tagid_list": [],
                 "subscribe_scene": "ADD_SCENE_QR_CODE", "qr_scene": 0, "qr_scene_str": ""})

    def tags_get(self, query, body, raw):
        self.ok({"tags": self.state.tags})

    def ticket(self, query, body, raw):
        if query.get("type") != "jsapi":
            return self.error(40002)
        self.ok({"errcode": 0, "errmsg": "ok", "ticket": "FAKE_TICKET_" + secrets.token_urlsafe(40), "expires_in": 7200})

    def menu_create(self, query, body, raw):
        if not isinstance(body.get("button"), list) or not body["button"]:
            return self.error(40017 if "button" in body else 44002)
        self.ok({"errcode": 0, "errmsg": "ok"})

    def authorize(self, query, body, raw):
        """The page WeChat shows (or skips, for snsapi_base): redirect back with a one-use code."""
        redirect = query.get("redirect_uri", "")
        if not redirect or query.get("response_type") != "code":
            return self._send(400, "参数错误 bad request".encode(), "text/plain; charset=utf-8")
        openid = query.get("fake_openid") or "oDemoGuardian0000000000000001"
        code = secrets.token_hex(16)
        with self.state.lock:
            self.state.codes[code] = {"openid": openid, "used": False, "scope": query.get("scope", "snsapi_base")}
        sep = "&" if "?" in redirect else "?"
        target = f"{redirect}{sep}{urlencode({'code': code, 'state': query.get('state', '')})}"
        # WeChat's authorize page navigates by script (a 302 would keep "#wechat_redirect" in the URL).
        quoted = html.escape(target, quote=True)
        page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>微信授权（模拟）</title>'
                f'<meta http-equiv="refresh" content="0;url={quoted}"></head><body>'
                f'<p>模拟微信授权：以 {html.escape(openid)} 登录。<a href="{quoted}">继续 Continue</a></p>'
                f"<script>location.replace({json.dumps(target)})</script></body></html>")
        self._send(200, page.encode("utf-8"), "text/html; charset=utf-8")

    def sns_token(self, query, body, raw):
        problem = self._credentials_ok(query.get("appid", ""), query.get("secret", ""))
        if problem:
            return self.error(problem)
        with self.state.lock:
            entry = self.state.codes.get(query.get("code", ""))
            if entry is None:
                code = 40029
            elif entry["used"]:
                code = 40163
            else:
                entry["used"] = True
                code = 0
        if code:
            return self.error(code)
        openid = entry["openid"]
        self.ok({"access_token": "SNS_" + secrets.token_urlsafe(40), "expires_in": 7200,
                 "refresh_token": "R_" + secrets.token_urlsafe(40), "openid": openid, "scope": entry["scope"],
                 "is_snapshotuser": 0, "unionid": "uFake" + openid[-16:]})

    def sns_userinfo(self, query, body, raw):
        if not query.get("access_token", "").startswith("SNS_"):
            return self.error(40001)
        openid = query.get("openid", "")
        self.ok({"openid": openid, "nickname": "微信家长", "sex": 0, "province": "", "city": "", "country": "",
                 "headimgurl": "", "privilege": [], "unionid": "uFake" + openid[-16:]})


ROUTES = {
    ("GET", "/cgi-bin/token"): Handler.token,
    ("POST", "/cgi-bin/stable_token"): Handler.stable_token,
    ("GET", "/cgi-bin/media/get"): Handler.media_get,
    ("GET", "/cgi-bin/media/get/jssdk"): Handler.media_get_jssdk,
    ("POST", "/cgi-bin/media/uploadimg"): Handler.upload_img,
    ("POST", "/cgi-bin/material/add_material"): Handler.add_material,
    ("POST", "/cgi-bin/draft/add"): Handler.draft_add,
    ("GET", "/cgi-bin/draft/count"): Handler.draft_count,
    ("POST", "/cgi-bin/freepublish/submit"): Handler.freepublish_submit,
    ("POST", "/cgi-bin/freepublish/get"): Handler.freepublish_get,
    ("POST", "/cgi-bin/message/mass/sendall"): Handler.mass_sendall,
    ("POST", "/cgi-bin/message/mass/send"): Handler.mass_send,
    ("POST", "/cgi-bin/message/mass/preview"): Handler.mass_preview,
    ("POST", "/cgi-bin/message/template/send"): Handler.template_send,
    ("POST", "/cgi-bin/message/subscribe/bizsend"): Handler.subscribe_bizsend,
    ("GET", "/cgi-bin/user/info"): Handler.user_info,
    ("GET", "/cgi-bin/tags/get"): Handler.tags_get,
    ("GET", "/cgi-bin/ticket/getticket"): Handler.ticket,
    ("POST", "/cgi-bin/menu/create"): Handler.menu_create,
    ("GET", "/connect/oauth2/authorize"): Handler.authorize,
    ("GET", "/sns/oauth2/access_token"): Handler.sns_token,
    ("GET", "/sns/userinfo"): Handler.sns_userinfo,
}


class FakeWeChat:
    """Run the fake in a background thread: `with FakeWeChat() as fake: fake.url`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, app_id: str = "", secret: str = "",
                 callback_url: str = "", token: str = ""):
        self.state = FakeState(app_id, secret, callback_url, token)
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread: threading.Thread | None = None

    def start(self) -> "FakeWeChat":
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-wechat", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "FakeWeChat":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # helpers for tests
    def calls(self, path: str) -> int:
        with self.state.lock:
            return self.state.calls.get(path, 0)

    def requests(self, path: str) -> list[dict]:
        with self.state.lock:
            return [entry for entry in self.state.log if entry["path"] == path]

    def fail(self, path: str, errcode: int, times: int = 1) -> None:
        with self.state.lock:
            self.state.failures.append({"path": path, "errcode": errcode, "times": times})

    def expire_tokens(self) -> None:
        with self.state.lock:
            self.state.tokens = {t: 0.0 for t in self.state.tokens}
            self.state.stable_token = None

    def oauth_code(self, openid: str, scope: str = "snsapi_base") -> str:
        code = secrets.token_hex(16)
        with self.state.lock:
            self.state.codes[code] = {"openid": openid, "used": False, "scope": scope}
        return code


def serve(host: str = "127.0.0.1", port: int = 8765, app_id: str = "", secret: str = "", callback_url: str = "",
          token: str = "") -> None:
    fake = FakeWeChat(host, port, app_id, secret, callback_url, token)
    print(f"fake WeChat API on {fake.url} (control: {fake.url}/__fake__/stats; results → {callback_url or 'nowhere'})",
          flush=True)
    try:
        fake.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.httpd.server_close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Fake WeChat API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    serve(args.host, args.port)
