"""Every HTML page carries a Content-Security-Policy with a fresh nonce; inline scripts and styles in the
templates carry that nonce and no template uses inline on…="" handlers (config/csp.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
NONCE = 'nonce="{{ request.csp_nonce }}"'


def templates():
    """Every template of every app (new apps included), not those of installed packages."""
    return sorted(p for p in BASE.rglob("*.html")
                  if not {".venv", "var", "node_modules", ".git"} & set(p.relative_to(BASE).parts))


def test_templates_have_no_inline_handlers_and_nonce_their_inline_blocks():
    assert len(templates()) > 30
    for path in templates():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+\s*=", text), f"{path}: inline event handler"
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" in tag or 'type="application/json"' in tag:
                continue
            assert NONCE in tag, f"{path}: inline <script> without the nonce"
        for tag in re.findall(r"<style\b[^>]*>", text):
            assert NONCE in tag, f"{path}: <style> without the nonce"


@pytest.mark.django_db
def test_pages_carry_the_policy_with_the_nonce_of_their_inline_scripts(client, make_user):
    first = client.get("/accounts/login/")
    policy = first["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("style-src-attr")[0]  # scripts and <style>: nonce only
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert nonce != re.search(r"'nonce-([^']+)'", client.get("/accounts/login/")["Content-Security-Policy"]).group(1)
    assert "js/site.js" in first.content.decode()
    # A page with inline script: its blocks carry exactly this response's nonce.
    user = make_user("staff-csp", is_staff=True, is_superuser=True)
    client.force_login(user)
    response = client.get("/judging/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    styles = re.findall(r"<style nonce=\"([^\"]+)\"", response.content.decode())
    assert styles and set(styles) == {nonce}


@pytest.mark.django_db
def test_json_and_media_keep_their_own_policy(client):
    assert "Content-Security-Policy" not in client.get("/api/v1/openapi.json")
