"""Signatures and safe-mode crypto against the official and known-answer vectors, and hostile XML."""

import time
from unittest import mock

import pytest
from wechatpy.crypto import PrpCrypto

from wechat import crypto

PLAIN = ("<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[oAbCd1234567890EfGhIjKlMnOpQ]]>"
         "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]>"
         "</Content><MsgId>24312345678901234</MsgId></xml>")


@pytest.mark.parametrize("ts,nonce,expected", [
    ("1714036504", "1514711492", "f464b24fc39322e44b38aa78f5edd27bd1441696"),
    ("1714037059", "486452656", "899cf89e464efb63f54ddac96b0a0a235f53aa78"),
])
def test_official_plain_signature_vectors(ts, nonce, expected):
    assert crypto.sign("AAAAA", ts, nonce) == expected
    assert crypto.signature_valid("AAAAA", expected, ts, nonce)
    assert not crypto.signature_valid("AAAAA", expected, ts, nonce + "1")


def test_known_answer_safe_mode_vector():
    with mock.patch.object(PrpCrypto, "get_random_string", return_value="1234567890123456"):
        body, msg_signature = crypto.encrypt_body(
            PLAIN, token="campaign_token", aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
            app_id="wx1234567890abcdef", nonce="123456789", timestamp="1700000000")
    encrypted = crypto.parse_xml(body)["Encrypt"]
    assert len(encrypted) == 428
    assert encrypted.startswith("QCTqNwyPmqRu4xuyqVsjazwp+B0TMECaamCH1TTl")
    assert msg_signature == "2683d0109a25b5c28e6bbee8ac27abd52147291c"
    plain = crypto.decrypt_body(body.encode(), token="campaign_token", aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                                app_id="wx1234567890abcdef", msg_signature=msg_signature, timestamp="1700000000",
                                nonce="123456789")
    assert plain.decode() == PLAIN


def test_decrypt_refuses_wrong_msg_signature_and_wrong_appid():
    body, msg_signature = crypto.encrypt_body(PLAIN, token="t", aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                                              app_id="wxA", nonce="1", timestamp="2")
    with pytest.raises(crypto.CallbackRefused) as refused:
        crypto.decrypt_body(body.encode(), token="t", aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                            app_id="wxA", msg_signature="0" * 40, timestamp="2", nonce="1")
    assert refused.value.status == 403
    with pytest.raises(crypto.CallbackRefused) as refused:
        crypto.decrypt_body(body.encode(), token="t", aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                            app_id="wxOTHER", msg_signature=msg_signature, timestamp="2", nonce="1")
    assert refused.value.status == 403


def test_freshness_window():
    now = time.time()
    crypto.check_fresh(str(int(now) - 299), now=now)
    with pytest.raises(crypto.CallbackRefused):
        crypto.check_fresh(str(int(now) - 301), now=now)
    with pytest.raises(crypto.CallbackRefused):
        crypto.check_fresh("not-a-number", now=now)


def test_parse_nested_publish_event(corpus):
    fields = crypto.parse_xml((corpus / "wechat" / "publishjobfinish.xml").read_bytes())
    assert fields["PublishEventInfo"]["publish_id"] == "2247483897"
    assert fields["PublishEventInfo"]["article_detail"]["item"]["article_url"] == "https://mp.weixin.qq.com/s/example"


def test_xxe_reads_no_file(corpus):
    with mock.patch("builtins.open", side_effect=AssertionError("a file was opened")):
        with pytest.raises(crypto.CallbackRefused) as refused:
            crypto.parse_xml((corpus / "wechat" / "bad_xxe.xml").read_bytes())
    assert refused.value.status == 400


def test_billion_laughs_refused_fast(corpus):
    started = time.perf_counter()
    with pytest.raises(crypto.CallbackRefused):
        crypto.parse_xml((corpus / "wechat" / "bad_billion_laughs.xml").read_bytes())
    assert time.perf_counter() - started < 0.5


def test_entity_declarations_refused_even_without_doctype_keyword_case():
    with pytest.raises(crypto.CallbackRefused):
        crypto.parse_xml(b'<?xml version="1.0"?><!doctype x [<!entity a "b">]><xml><A>&a;</A></xml>')


def test_malformed_and_oversized(corpus):
    with pytest.raises(crypto.CallbackRefused) as refused:
        crypto.parse_xml((corpus / "wechat" / "bad_malformed.xml").read_bytes())
    assert refused.value.status == 400
    with pytest.raises(crypto.CallbackRefused) as refused:
        crypto.parse_xml(b"<xml><A>" + b"x" * 70_000 + b"</A></xml>")
    assert refused.value.status == 413
