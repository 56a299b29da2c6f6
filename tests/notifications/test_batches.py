"""A send task's batch: what rendering its texts reads is read once for the batch, several
texts are in flight to Twilio at once, and still each goes out once, in order per number."""

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.notifications import reminders_create
from notifications.models import Message
from notifications.services import messages_send

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 11, 0, tzinfo=NY)  # a Monday, daytime in New York

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def reads(queries: CaptureQueriesContext) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT"))


def test_a_batch_reads_what_its_texts_need_once_whatever_its_size(twilio):
    reminders_create(40, NOW)  # 20 patients and a caregiver of each, English and Spanish
    ids = list(Message.objects.order_by("id").values_list("id", flat=True))
    with CaptureQueriesContext(connection) as small:
        assert set(messages_send(ids=ids[:4], now=NOW).values()) == {"sent"}
    with CaptureQueriesContext(connection) as large:
        assert set(messages_send(ids=ids[4:], now=NOW).values()) == {"sent"}
    assert reads(large) == reads(small) <= 7  # the claim and six look-ups
    assert len(large.captured_queries) <= reads(large) + 2 + 36  # claim, links, one a text
    numbers = Counter(m["to"] for m in twilio.received)
    assert len(numbers) == 40 and set(numbers.values()) == {1}
    assert sum("recordatorio" in m["body"] for m in twilio.received) == 20
    assert Message.objects.filter(status="sent").count() == 40


def test_a_later_due_reminder_in_the_same_batch_supersedes_an_earlier_one(twilio):
    reminders_create(2, NOW)  # a patient and their caregiver
    earlier = Message.objects.exclude(payload__has_key="contact").get()
    later = Message.objects.create(
        channel="sms",
        to=earlier.to,
        patient=earlier.patient,
        template="reminder",
        payload=earlier.payload,
        idempotency_key="later",
        send_after=NOW,
    )
    outcomes = messages_send(ids=[earlier.pk, later.pk], now=NOW)
    assert outcomes == {earlier.pk: "dropped", later.pk: "sent"}
    assert len(twilio.bodies_to(earlier.to)) == 1


def test_texts_to_one_number_keep_their_order_with_several_in_flight(twilio, alice, bob):
    rows = [
        Message.objects.create(
            channel="sms",
            to=number,
            patient=patient,
            template="reply_help",
            payload={"text": f"{patient.first_name} {n}"},
            idempotency_key=f"order:{patient.pk}:{n}",
            send_after=NOW,
        )
        for n in range(6)
        for patient, number in ((alice, str(alice.phone)), (bob, str(bob.phone)))
    ]
    twilio.delay = 0.01  # a slow provider: sends overlap
    outcomes = messages_send(ids=[m.pk for m in rows], now=NOW)
    assert set(outcomes.values()) == {"sent"}
    assert twilio.bodies_to(str(alice.phone)) == [f"Alice {n}" for n in range(6)]
    assert twilio.bodies_to(str(bob.phone)) == [f"Bob {n}" for n in range(6)]
    assert Message.objects.filter(status="sent").exclude(provider_id="").count() == 12
