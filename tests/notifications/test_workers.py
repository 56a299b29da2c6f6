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
from tests.notifications.smtp_sink import SmtpSink
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


def test_a_worker_killed_mid_batch_of_emails_sends_at_most_the_one_in_flight_again(redis, alice):
    """Email cannot be asked what it already took, so each row is recorded as sent the
    moment the mail relay accepts it: a SIGKILL mid-batch leaves at most the one message
    then in flight to be sent again, never the several of a batch."""
    total = 30
    for index in range(total):
        Message.objects.create(
            channel="email",
            to="alice@example.org",
            patient=alice,
            template="note",
            payload={"text": f"message {index}"},
            idempotency_key=f"mail:{index}",
            send_after=NOW,
        )
    with SmtpSink() as sink:
        sink.delay = 0.1  # a slow relay, so the kill lands in the middle of the batch
        first = start_worker(redis, sink, now=NOW)
        try:
            enqueue_send(dispatch_due(now=NOW))
            wait_for(lambda: len(sink.accepted) >= 15, "the first emails")
        finally:
            kill(first)
        killed_at = len(sink.accepted)
        assert killed_at < total  # it died mid-batch
        recorded = sent_count()
        assert recorded >= killed_at - 1  # every accepted mail but the one in flight
        second = start_worker(redis, sink, now=NOW)
        try:
            enqueue_send(dispatch_due(now=NOW + timedelta(minutes=6)))
            wait_for(lambda: sent_count() == total, "every email to be sent")
        finally:
            kill(second)
        ids = Counter(m["message_id"] for m in sink.accepted)
    assert len(ids) == total  # nothing lost
    assert sum(ids.values()) - total <= 1, ids.most_common(3)  # at most the one in flight


def test_recovery_isolates_every_stale_row_and_skips_rows_locked_by_others(alice):
    """One stale row that cannot be rendered never stops the others, and a row another
    dispatcher holds is left to it (SKIP LOCKED)."""
    import psycopg

    from tests.services import database_url

    claimed = NOW - timedelta(minutes=10)
    rows = [
        Message.objects.create(
            channel="sms",
            to=str(alice.phone),
            patient=alice,
            template=template,
            payload=payload,
            idempotency_key=f"stale:{n}",
            send_after=claimed,
            status="sending",
            claimed_at=claimed,
        )
        for n, (template, payload) in enumerate(
            [
                ("reminder", {}),  # broken: no "days", it cannot be rendered
                ("reply_help", {"text": "held by another dispatcher"}),
                ("reply_help", {"text": "an ordinary stale row"}),
            ]
        )
    ]
    broken, locked, ordinary = rows
    with psycopg.connect(database_url()) as other:
        other.execute("SELECT id FROM notifications_message WHERE id = %s FOR UPDATE", [locked.pk])
        dispatch_due()
        statuses = dict(Message.objects.values_list("pk", "status"))
    assert statuses[broken.pk] == "pending"  # given back: it fails visibly when sent
    assert statuses[ordinary.pk] == "pending"
    assert statuses[locked.pk] == "sending"  # left to the one holding it
