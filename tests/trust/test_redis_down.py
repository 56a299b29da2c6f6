"""Redis stopped: searches, bookings and pages go on (nothing the user does waits on the
broker), /healthz says 503 and names Redis, and the booking's messages wait in the
outbox until Redis and a worker are back. Redis here is a server of this test's own; the
test and its worker share one fixed clock (NOW; the worker through tests.frozen)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from notifications.models import Message
from notifications.services import dispatch_due
from notifications.tasks import enqueue_send
from tests.conftest import client_for
from tests.navigation.test_itineraries import book, search
from tests.services import kill, start_worker, wait_for

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)

pytestmark = pytest.mark.django_db(transaction=True)


def test_with_redis_stopped_the_work_goes_on_and_messages_follow_later(
    redis,
    twilio,
    center,
    alice,
    nina,
    settings,
):
    settings.REDIS_URL = f"unix://{redis.socket}"
    redis.stop()
    navigator = client_for(nina)
    with time_machine.travel(NOW, tick=False):
        found = search(navigator, alice)
        assert found.status_code == 200
        # Its commit hook tries to hand the invites to a worker, fails fast and leaves them
        # to the dispatcher (kombu's default would retry the broker for ever: a hang).
        booked = book(navigator, alice, found.json()["options"][0])
        assert booked.status_code == 201, booked.json()
        page = Client()
        page.force_login(nina)
        assert page.get("/queue/").status_code == 200
        assert page.get("/day/?date=2026-03-09").status_code == 200
        health = Client().get("/healthz")
        assert health.status_code == 503
        assert "redis" in health.json()["down"]
        invites = Message.objects.filter(template="invite_request")
        assert invites.count() == 3 and set(invites.values_list("status", flat=True)) == {"pending"}

        redis.start()
        worker = start_worker(redis, twilio, now=NOW)
        try:
            enqueue_send(dispatch_due(now=NOW))
            wait_for(lambda: invites.filter(status="sent").count() == 3, "the invites to be sent")
        finally:
            kill(worker)
