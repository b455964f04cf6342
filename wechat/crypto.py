"""Signatures, safe-mode encryption and hostile-proof XML parsing of WeChat callbacks.

Plain signature: sha1 of the sorted [token, timestamp, nonce]; safe mode adds the Encrypt value
(msg_signature) and wraps AES-256-CBC around the body (wechatpy's WeChatCrypto does the AES)."""

import hashlib
import hmac
import time
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

MAX_BODY_BYTES = 64 * 1024
MAX_AGE_SECONDS = 300


class CallbackRefused(Exception):
    """The callback must be refused; `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode()).hexdigest()


def signature_valid(token: str, signature: str, timestamp: str, nonce: str, *extra: str) -> bool:
    if not (signature and timestamp and nonce):
        return False
    return hmac.compare_digest(sign(token, timestamp, nonce, *extra), signature.lower())


def check_fresh(timestamp: str, *, now: float | None = None) -> None:
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        raise CallbackRefused(403, "bad timestamp") from None
    now = time.time() if now is None else now
    if abs(now - ts) > MAX_AGE_SECONDS:
        raise CallbackRefused(403, "timestamp outside the 5-minute window")


def parse_xml(body: bytes | str) -> dict:
    """Parse a callback body into a dict of its fields; nested elements become dicts.

    DTDs are refused outright (no entity expansion, no external entities): WeChat never sends one."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if len(body) > MAX_BODY_BYTES:
        raise CallbackRefused(413, "body too large")
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise CallbackRefused(400, "DTD refused")
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise CallbackRefused(400, "DTD or entity refused") from None
    except SafeET.ParseError:
        raise CallbackRefused(400, "malformed XML") from None
    if root.tag != "xml":
        raise CallbackRefused(400, "unexpected root element")
    return _element_to_dict(root)


def _element_to_dict(element: Element) -> dict:
    data: dict = {}
    for child in element:
        value = _element_to_dict(child) if len(child) else (child.text or "").strip()
        if child.tag in data:  # repeated elements (e.g. <item>) become lists
            existing = data[child.tag]
            data[child.tag] = existing + [value] if isinstance(existing, list) else [existing, value]
        else:
            data[child.tag] = value
    return data


def crypto_for(token: str, aes_key: str, app_id: str) -> WeChatCrypto:
    return WeChatCrypto(token, aes_key, app_id)


def decrypt_body(body: bytes, *, token: str, aes_key: str, app_id: str, msg_signature: str,
                 timestamp: str, nonce: str) -> bytes:
    envelope = parse_xml(body)
    encrypted = envelope.get("Encrypt")
    if not encrypted or not isinstance(encrypted, str):
        raise CallbackRefused(400, "no Encrypt element")
    if not signature_valid(token, msg_signature, timestamp, nonce, encrypted):
        raise CallbackRefused(403, "bad msg_signature")
    try:
        plain = crypto_for(token, aes_key, app_id).decrypt_message(
            {"Encrypt": encrypted}, msg_signature, timestamp, nonce
        )
    except (InvalidSignatureException, InvalidAppIdException):
        raise CallbackRefused(403, "decryption failed") from None
    except Exception:  # corrupt base64/padding: WeChat never sends that
        raise CallbackRefused(400, "undecryptable body") from None
    return plain.encode("utf-8") if isinstance(plain, str) else plain


def encrypt_reply(reply_xml: str, *, token: str, aes_key: str, app_id: str, nonce: str, timestamp: str) -> str:
    return crypto_for(token, aes_key, app_id).encrypt_message(reply_xml, nonce, timestamp)


def encrypt_body(xml: str, *, token: str, aes_key: str, app_id: str, nonce: str, timestamp: str) -> tuple[str, str]:
    """What WeChat POSTs in safe mode: (envelope XML, msg_signature). Used by the simulator and tests."""
    envelope = encrypt_reply(xml, token=token, aes_key=aes_key, app_id=app_id, nonce=nonce, timestamp=timestamp)
    fields = parse_xml(envelope)
    encrypted = fields["Encrypt"]
    to_user = ""
    try:
        to_user = parse_xml(xml).get("ToUserName", "")
    except CallbackRefused:
        pass
    body = f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return body, fields["MsgSignature"]
