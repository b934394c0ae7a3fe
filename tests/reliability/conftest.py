"""Real processes for the fault tests: a private Redis, Celery workers and beat, a webhook.

Each test gets its own Redis on a free port (no persistence, like CI's), so it can be killed and
restarted without touching anything else; workers and beat are started as the production
Procfile starts them, against the test database, and killed with SIGKILL.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tests.livestreams.conftest import sample_catalogue  # noqa: F401 (a fixture the tests use)
from tests.processes import RedisServer, free_port, wait_for  # noqa: F401 (tests import these)

ROOT = Path(__file__).resolve().parents[2]


class CeleryProcess:
    """A worker or beat in its own process group, killable with SIGKILL."""

    def __init__(self, kind: str, env: dict[str, str], log: Path) -> None:
        self.kind = kind
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if self.kind == "worker":
            args = ["worker", "--queues", "forwarding,default", "--concurrency", "2",
                    "--prefetch-multiplier", "1", "--pool", "prefork", "--without-gossip",
                    "--without-mingle", "--loglevel", "WARNING",
                    "-n", f"w{time.time_ns()}@test"]  # fmt: skip
        else:
            args = ["beat", "--loglevel", "WARNING", "--schedule", str(self.log.with_suffix(".db"))]
        handle = self.log.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool children."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.kill()


@pytest.fixture
def stack(private_redis, receiver, tmp_path, settings):
    """Worker and beat factories sharing an environment pointed at the test database."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": private_redis.url,
        "CELERY_BROKER_URL": private_redis.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private-media"),
        "WECOM_WEBHOOK_ORIGINS": receiver.origin,
        "WECOM_MESSAGES_PER_MINUTE": "100000",
        "FORWARD_BACKOFF_BASE_SECONDS": "0.5",
        "FORWARD_BACKOFF_MAX_SECONDS": "3",
        "FORWARD_LEASE_SECONDS": "4",
        "FORWARD_SWEEP_AFTER_SECONDS": "3",
        "FORWARD_SWEEP_EVERY_SECONDS": "1",
        "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT": "2",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    settings.FORWARD_SWEEP_AFTER_SECONDS = 3
    settings.FORWARD_LEASE_SECONDS = 4
    processes: list[CeleryProcess] = []

    def start(kind: str) -> CeleryProcess:
        process = CeleryProcess(kind, env, tmp_path / f"{kind}-{len(processes)}.log")
        process.start()
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.kill()
    for process in processes:
        if process.log.exists():
            text = process.log.read_text(errors="replace")
            # Leave the logs where a failing test can be read (pytest shows captured output).
            print(f"--- {process.log.name} (last lines) ---\n{text[-3000:]}")


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """Points this test process's Celery app at the private Redis (it runs eager otherwise)."""
    from config.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _reset_connections(app)
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        _reset_connections(app)
        app.conf.update(saved)


def _reset_connections(app) -> None:
    # Forget the pools (kombu keeps one per broker address; a new address gets new ones).
    app._pool = None
    app.amqp._producer_pool = None
