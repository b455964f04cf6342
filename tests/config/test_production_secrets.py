"""Production refuses the development defaults (config/production.py): with DJANGO_DEBUG off and no
SHUXIANG_DEV opt-in, the web (ASGI) and the worker do not start while any secret is still the one in
the source, and the message names each variable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config import production

PRODUCTION = {
    "DJANGO_SECRET_KEY": "Zq8-vN3xL1pR7tY2wK9mB4cH6jD0fS5gA8eU1iO3oP7uT2yR6qW9zX4",
    "WECHAT_TOKEN": "a-real-token-7f3c",
    "WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "WECHAT_APP_SECRET": "a-real-app-secret-91e2",
    "WECHAT_API_BASE": "https://api.weixin.qq.com",
}
SETTING = {"DJANGO_SECRET_KEY": "SECRET_KEY", "WECHAT_TOKEN": "WECHAT_TOKEN",
           "WECHAT_ENCODING_AES_KEY": "WECHAT_ENCODING_AES_KEY", "WECHAT_APP_SECRET": "WECHAT_APP_SECRET",
           "WECHAT_API_BASE": "WECHAT_API_BASE"}
DEFAULTS = {"DJANGO_SECRET_KEY": production.DEV_SECRET_KEY, "WECHAT_TOKEN": production.DEV_WECHAT_TOKEN,
            "WECHAT_ENCODING_AES_KEY": "", "WECHAT_APP_SECRET": production.DEV_WECHAT_APP_SECRET,
            "WECHAT_API_BASE": production.DEV_WECHAT_API_BASE}


@pytest.fixture
def prod(settings, monkeypatch):
    monkeypatch.delenv("SHUXIANG_DEV", raising=False)
    settings.DEBUG = False
    for variable, value in PRODUCTION.items():
        setattr(settings, SETTING[variable], value)
    return settings


def test_production_values_start(prod):
    production.refuse_development_defaults()  # no exception
    assert production.development_defaults_in_use() == []


@pytest.mark.parametrize("variable", list(DEFAULTS))
def test_each_default_alone_refuses_and_is_named(prod, variable):
    setattr(prod, SETTING[variable], DEFAULTS[variable])
    with pytest.raises(ImproperlyConfigured) as info:
        production.refuse_development_defaults()
    message = str(info.value)
    assert variable in message and "SHUXIANG_DEV=1" in message and "docs/deploy.md" in message
    assert [v for v in DEFAULTS if v in message] == [variable]


def test_a_loopback_api_base_is_the_fake_api(prod):
    prod.WECHAT_API_BASE = "http://localhost:9999/"
    assert [name for name, *_ in production.development_defaults_in_use()] == ["WECHAT_API_BASE"]


def test_debug_or_the_explicit_opt_in_allow_the_defaults(prod, monkeypatch):
    prod.SECRET_KEY = production.DEV_SECRET_KEY
    prod.DEBUG = True
    production.refuse_development_defaults()
    prod.DEBUG = False
    monkeypatch.setenv("SHUXIANG_DEV", "1")
    production.refuse_development_defaults()
    monkeypatch.setenv("SHUXIANG_DEV", "0")
    with pytest.raises(ImproperlyConfigured):
        production.refuse_development_defaults()


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "SHUXIANG_DEV"}
    env.update({"DJANGO_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "config.settings", **extra})
    return env


@pytest.mark.slow
def test_the_web_and_the_worker_refuse_to_start_on_the_defaults(tmp_path):
    env = _env(SQLITE_PATH=str(tmp_path / "db.sqlite3"), MEDIA_ROOT=str(tmp_path / "media"))
    for module in ("config.asgi", "config.wsgi"):
        web = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=settings.BASE_DIR, env=env,
                             capture_output=True, text=True, timeout=120)
        assert web.returncode != 0 and "ImproperlyConfigured" in web.stderr, module
        for variable in PRODUCTION:
            assert variable in web.stderr
    worker = subprocess.run([sys.executable, "manage.py", "qcluster"], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert worker.returncode == 1 and "WECHAT_TOKEN" in worker.stderr and "Traceback" not in worker.stderr
    # Set for production: the web application loads.
    ok = subprocess.run([sys.executable, "-c", "import config.asgi"], cwd=settings.BASE_DIR,
                        env={**env, **PRODUCTION}, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    # `check --deploy` lists the same variables, whatever SHUXIANG_DEV says.
    check = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=settings.BASE_DIR,
                           env={**env, "SHUXIANG_DEV": "1"}, capture_output=True, text=True, timeout=120)
    assert "shuxiang.E001" in check.stderr and "DJANGO_SECRET_KEY" in check.stderr
    # With the production settings of docs/deploy.md: no issue at all.
    deploy = {**env, **PRODUCTION, "DJANGO_ALLOWED_HOSTS": "shuxiang.example.cn", "DJANGO_SECURE_COOKIES": "1",
              "DJANGO_SECURE_PROXY_SSL_HEADER": "1", "DJANGO_SSL_REDIRECT": "1", "DJANGO_HSTS_SECONDS": "31536000",
              "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "1", "DJANGO_HSTS_PRELOAD": "1",
              "DJANGO_CSRF_TRUSTED_ORIGINS": "https://shuxiang.example.cn"}
    clean = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=settings.BASE_DIR, env=deploy,
                           capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0 and "no issues" in clean.stdout + clean.stderr, clean.stdout + clean.stderr
