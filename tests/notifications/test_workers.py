"""The outbox against real Celery workers and a real Redis: a worker killed with SIGKILL in
the middle of a batch, and Redis stopped while bookings go on. Nothing sent twice, nothing
lost. Each test runs its own Redis server (the wheel's binary) so it can stop it. The test
and its workers share one fixed clock (NOW; the workers through tests.frozen)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.services import VisitRequest, appointment_book
from notifications.models import Message
from notifications.services import dispatch_due
from notifications.tasks import enqueue_send
from tests.services import kill, start_worker, wait_for

NY = ZoneInfo("America/New_York")

pytestmark = pytest.mark.django_db(transaction=True)


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)  # a Monday morning
NEXT_WEEK = datetime(2026, 3, 9, 14, 0, tzinfo=NY)  # the Monday after, in daylight time


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


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
            send_after=NOW,
        )
    twilio.delay = 0.1  # a slow provider, so the kill lands in the middle of the batch
    first = start_worker(redis, twilio, now=NOW)
    try:
        enqueue_send(dispatch_due(now=NOW))
        wait_for(lambda: len(twilio.received) >= 8, "the first sends")
    finally:
        kill(first)
    assert len(twilio.received) < total  # it died mid-batch
    # Requests the dead worker had in flight still reach the provider; five minutes later
    # (the lease) the dispatcher takes back what the dead worker held.
    wait_for(lambda: twilio.in_flight == 0, "the provider to finish requests in flight")
    second = start_worker(redis, twilio, now=NOW)
    try:
        enqueue_send(dispatch_due(now=NOW + timedelta(minutes=6)))
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
    start = NEXT_WEEK
    appointment = appointment_book(
        patient=alice,
        visit=VisitRequest(clinician=center.first("pain_medicine"), start=start),
        by=nina,
        now=NOW,
    )
    assert appointment.pk  # booked although the broker is down
    waiting = Message.objects.get(template="invite_request")
    assert waiting.status == "pending"
    redis.start()
    worker = start_worker(redis, twilio, now=NOW)
    try:
        enqueue_send(dispatch_due(now=NOW))
        wait_for(
            lambda: Message.objects.get(pk=waiting.pk).status == "sent", "the invite to be sent"
        )
    finally:
        kill(worker)
    assert Message.objects.get(pk=waiting.pk).attempts == 1


def test_an_invite_goes_out_as_soon_as_the_booking_commits(redis, twilio, center, alice, nina):
    """No waiting for the dispatcher's next round: the commit hands the row to a worker."""
    worker = start_worker(redis, twilio, now=NOW)
    try:
        start = NEXT_WEEK
        appointment_book(
            patient=alice,
            visit=VisitRequest(clinician=center.first("pain_medicine"), start=start),
            by=nina,
            now=NOW,
        )
        invite = Message.objects.get(template="invite_request")
        wait_for(
            lambda: Message.objects.get(pk=invite.pk).status == "sent", "the invite to be sent"
        )
    finally:
        kill(worker)
    assert Message.objects.get(pk=invite.pk).enqueued_at is None  # the dispatcher never ran
