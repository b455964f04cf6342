"""No development defaults in production (docs/deploy.md, "Secrets").

The embedded defaults in config/settings.py let `make run` work with no configuration at all — and
anyone who has read the source knows them: a site run with them accepts WeChat callbacks signed by
anyone and forged login links. So a server process (ASGI/WSGI web, `runall`, `runserver`, the
`qcluster` worker) refuses to start with DJANGO_DEBUG off while any of them is still in use, naming
each variable. Development opts in explicitly with SHUXIANG_DEV=1 (the Makefile and the test suite
set it); `manage.py check --deploy` reports the same list.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The values config/settings.py falls back to; each must be replaced in production.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
DEV_WECHAT_TOKEN = "shuxiangdemotoken"
DEV_WECHAT_APP_SECRET = "demo-secret"
DEV_WECHAT_API_BASE = "http://127.0.0.1:8765"  # wechat/fake_api
LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}

SERVER_COMMANDS = {"runall", "runserver", "qcluster"}


def dev_mode() -> bool:
    """The explicit opt-in for a development run with the embedded defaults."""
    return os.environ.get("SHUXIANG_DEV", "").strip().lower() in {"1", "true", "yes", "on"}


def development_defaults_in_use() -> list[tuple[str, str, str]]:
    """(variable, 中文原因, English reason) for every secret still at its development default."""
    found = []
    if settings.SECRET_KEY in ("", DEV_SECRET_KEY):
        found.append(("DJANGO_SECRET_KEY", "仍是开发默认值", "is the development default"))
    if settings.WECHAT_TOKEN in ("", DEV_WECHAT_TOKEN):
        found.append(("WECHAT_TOKEN", "仍是开发默认值", "is the development default"))
    if not settings.WECHAT_ENCODING_AES_KEY:
        found.append(("WECHAT_ENCODING_AES_KEY", "未设置", "is not set"))
    if settings.WECHAT_APP_SECRET in ("", DEV_WECHAT_APP_SECRET):
        found.append(("WECHAT_APP_SECRET", "仍是开发默认值", "is the development default"))
    host = (urlsplit(settings.WECHAT_API_BASE).hostname or "").lower()
    if settings.WECHAT_API_BASE.rstrip("/") == DEV_WECHAT_API_BASE or host in LOOPBACK or host.startswith("127."):
        found.append(("WECHAT_API_BASE", "指向演示用的模拟微信接口", "points at the fake WeChat API"))
    return found


def refusal_message(found: list[tuple[str, str, str]]) -> str:
    lines = [f"  - {name}: {zh} ({en})" for name, zh, en in found]
    return (
        "生产环境（DJANGO_DEBUG 关闭）拒绝使用开发默认值，请设置以下变量：\n"
        "Production (DJANGO_DEBUG off) refuses the development defaults; set these variables:\n"
        + "\n".join(lines)
        + "\n本机开发或演示请设置 SHUXIANG_DEV=1 (for a local development or demo run set SHUXIANG_DEV=1)."
        " See docs/deploy.md."
    )


def must_refuse() -> list[tuple[str, str, str]]:
    if settings.DEBUG or dev_mode():
        return []
    return development_defaults_in_use()


def refuse_development_defaults() -> None:
    """Raise ImproperlyConfigured (the process does not start) when production runs on the defaults."""
    found = must_refuse()
    if found:
        raise ImproperlyConfigured(refusal_message(found))


def refuse_if_serving(argv: list[str] | None = None) -> None:
    """For manage.py: only the commands that serve or work refuse (migrations, shell, tests still run)."""
    argv = sys.argv if argv is None else argv
    if len(argv) > 1 and os.path.basename(argv[0]) == "manage.py" and argv[1] in SERVER_COMMANDS:
        found = must_refuse()
        if found:
            raise SystemExit(refusal_message(found))  # the message on stderr, exit status 1, no traceback


def check_deploy(app_configs=None, **kwargs):
    """`manage.py check --deploy`: the same list, as errors (with or without SHUXIANG_DEV)."""
    from django.core.checks import Error

    return [Error(f"{name} {en} ({zh})", hint="docs/deploy.md, Secrets", id="shuxiang.E001")
            for name, zh, en in development_defaults_in_use()]
