"""Site-wide behaviour: languages, security headers, the health check, production settings."""

import os
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


# --- Languages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_are_chinese_by_default_even_for_an_english_browser(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "联盟成员请用手机号登录" in body
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_the_language_switch_turns_pages_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response["Location"] == "/accounts/login/"
    assert (
        "Members log in with their mobile number" in client.get("/accounts/login/").content.decode()
    )
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "联盟成员请用手机号登录" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_an_unsupported_language_cookie_falls_back_to_chinese(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_every_message_has_a_chinese_translation():
    catalog = polib.pofile(str(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalog.translated_entries()) > 100


@pytest.mark.slow
def test_the_catalog_holds_every_message_of_the_code(tmp_path):
    """makemessages over a copy of the code adds no msgid the committed catalog lacks."""
    copy = tmp_path / "project"
    ignore = ("node_modules", ".venv", "staticfiles", "media", "__pycache__", ".git", "*.sqlite3*")
    import shutil

    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*ignore))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location",
         "--ignore=tests", "--ignore=benchmarks"],
        cwd=copy, check=True, capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )  # fmt: skip
    fresh = polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))
    committed = polib.pofile(str(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"))
    committed_ids = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
    missing = [e.msgid for e in fresh if (e.msgctxt, e.msgid) not in committed_ids]
    assert missing == [], "run makemessages and translate these"


# --- Security headers ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/healthz"])
def test_responses_carry_the_security_headers(client, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]:
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_no_page_carries_an_inline_script(client, seller_client, staff_client):
    pages = [
        (client, "/"),
        (client, "/accounts/login/"),
        (seller_client, "/seller/"),
        (staff_client, "/staff/"),
        (staff_client, "/staff/members/"),
    ]
    for page_client, url in pages:
        body = page_client.get(url).content.decode()
        for chunk in body.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), url


# --- Health check --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_answer(client, settings):
    if os.environ.get("REDIS_URL"):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == body["broker"]["status"] == "ok"


@pytest.mark.django_db
def test_healthz_names_the_broker_when_it_does_not_answer(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["database"]["status"] == "ok"


@pytest.mark.django_db
def test_healthz_names_the_database_when_it_does_not_answer(client, settings, tmp_path):
    """A real connection that cannot be made: a database alias pointing at nothing."""
    unreachable = dict(connections["default"].settings_dict)
    if unreachable["ENGINE"].endswith("sqlite3"):
        unreachable["NAME"] = str(tmp_path / "missing-dir" / "db.sqlite3")
    else:
        unreachable.update(HOST="127.0.0.1", PORT="1")  # nothing listens on port 1
    connections.settings["unreachable"] = unreachable
    settings.HEALTH_CHECK_DATABASE = "unreachable"
    try:
        response = client.get("/healthz")
    finally:
        connections["unreachable"].close()
        del connections.settings["unreachable"]
        delattr(connections._connections, "unreachable")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["broker"]["status"] == "ok"


def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code in (403, 405)


# --- Production settings -------------------------------------------------------------------------


def production_env(**extra: str) -> dict[str, str]:
    # The production process gets none of the test run's own switches.
    test_only = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="x" * 20 + "-production-secret-for-the-check-only-1234567890",
        ALLOWED_HOSTS="fulian.example.cn",
    )
    env.update(extra)
    return env


@pytest.mark.slow
def test_check_deploy_is_clean_in_production_mode():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_production_mode_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.slow
def test_production_mode_sets_secure_cookies_and_hsts():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.STAFF_OTP_REQUIRED, s.DEBUG, "
        "s.STORAGES['staticfiles']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, env=production_env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "31536000",
        "True",
        "False",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]
