"""Buffered scans survive a clean shutdown of a real gunicorn worker (SIGTERM, as a deploy or
`systemctl stop` sends it): they are written at exit. Run against the test database."""

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from courtyards.models import ScanEvent
from tests.courtyards.conftest import token_of
from tests.processes import free_port, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{settings.get('PORT') or 5432}/{settings['NAME']}"


def answers(url: str, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (ours)
            return response.status == 200
    except OSError:
        return False


def test_scans_buffered_in_a_worker_are_written_when_it_stops_cleanly(piece, tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.courtyards.shutdown_settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": "",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "INFO",
    }
    command = [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application"]
    command += ["--workers", "1", "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "10"]
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}/q/{token_of(piece)}"
        health = f"http://127.0.0.1:{port}/healthz"
        wait_for(lambda: answers(health), timeout=30, what="gunicorn to answer")
        for _ in range(20):
            assert answers(url, timeout=20)
        assert ScanEvent.objects.count() == 0  # buffered, not yet written (20 < 50)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert ScanEvent.objects.filter(item=piece).count() == 20
    assert "wrote 20 buffered scans at exit" in log.read_text()
