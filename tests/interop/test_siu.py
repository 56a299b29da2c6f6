"""HL7 v2 out: every booking, reschedule, cancel, no-show and arrival leaves as an SIU
message through the outbox to a real MLLP listener (python-hl7's server, started here),
which parses it and ACKs or NAKs it. Faults: the listener down, a NAK, a hang-up
mid-exchange; the SIU stays in the outbox, is retried with backoff, is never lost and
never sent twice; an AR (reject) alerts the navigators once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.services import (
    VisitRequest,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)
from notifications.models import Alert, Message
from notifications.services import dispatch_due, messages_send
from tests.interop.mllp_listener import Listener

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
VISIT = datetime(2026, 3, 9, 14, 0, tzinfo=NY)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def listener(settings):
    running = Listener().start()
    settings.HL7_MLLP_ENDPOINT = running.endpoint
    settings.HL7_MLLP_TIMEOUT_SECONDS = 3
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield running
    running.stop()


def book(center, patient, nina, start=VISIT):
    return appointment_book(
        patient=patient,
        visit=VisitRequest(clinician=center.first("pain_medicine"), start=start),
        by=nina,
        now=NOW,
    )


def siu_rows():
    return list(Message.objects.filter(channel=Message.Channel.HL7).order_by("id"))


def send(now=NOW):
    return messages_send(ids=[m.pk for m in siu_rows()], now=now)


def test_a_booking_leaves_as_an_siu_s12_the_listener_parses_and_acks(listener, center, alice, nina):
    appointment = book(center, alice, nina)
    (row,) = siu_rows()
    assert row.template == "siu_s12"
    assert send() == {row.pk: "sent"}
    (message,) = listener.received
    assert str(message.segment("MSH")[9]) == "SIU^S12^SIU_S12"
    assert [str(s[0]) for s in message] == [
        "MSH", "SCH", "TQ1", "PID", "RGS", "AIS", "AIL", "AIP",
    ]  # fmt: skip
    assert str(message.segment("SCH")[2]).startswith(str(appointment.uid))
    assert str(message.segment("SCH")[25]) == "Booked"
    assert str(message.segment("PID")[3]).startswith("MRN-ALICE")
    assert str(message.segment("AIP")[3]).endswith(center.first("pain_medicine").name)
    assert (
        str(message.segment("TQ1")[7]) == "20260309180000+0000"
    )  # 14:00 EDT, after the DST change
    row.refresh_from_db()
    assert row.status == "sent" and row.provider_id == str(message.segment("MSH")[10])


def test_each_change_of_a_visit_sends_its_own_event_in_order(listener, center, alice, nina):
    appointment = book(center, alice, nina)
    appointment = appointment_reschedule(
        appointment=appointment, start=VISIT + timedelta(hours=1), by=nina, now=NOW
    )
    appointment_set_status(appointment=appointment, status="checked_in", by=nina)
    other = book(center, alice, nina, start=VISIT + timedelta(days=1))
    appointment_set_status(
        appointment=other, status="no_show", by=nina, now=other.start + timedelta(minutes=20)
    )
    third = book(center, alice, nina, start=VISIT + timedelta(days=2))
    appointment_cancel(appointment=third, by=nina, now=NOW)
    send()
    events = [str(m.segment("MSH")[9]).split("^")[1] for m in listener.received]
    assert events == ["S12", "S13", "S14", "S12", "S26", "S12", "S15"]
    statuses = [str(m.segment("SCH")[25]) for m in listener.received]
    assert statuses[-1] == "Cancelled" and statuses[4] == "Noshow"
    assert len(set(listener.control_ids())) == 7


def test_with_the_listener_down_the_siu_waits_and_goes_once_it_is_back(
    listener, center, alice, nina
):
    listener.stop()
    book(center, alice, nina)
    (row,) = siu_rows()
    assert send() == {row.pk: "retry"}
    row.refresh_from_db()
    assert row.status == "pending" and row.send_after > NOW and row.attempts == 1
    assert "no acknowledgement" in row.last_error
    assert row.pk not in dispatch_due(now=NOW)  # backoff: not yet due
    listener.start()
    later = row.send_after + timedelta(seconds=1)
    assert row.pk in dispatch_due(now=later)
    assert messages_send(ids=[row.pk], now=later) == {row.pk: "sent"}
    assert messages_send(ids=[row.pk], now=later) == {}  # claimed once: never sent twice
    assert len(listener.received) == 1


def test_an_application_error_nak_is_retried_with_backoff_until_acked(
    listener, center, alice, nina
):
    listener.answer = "AE"
    book(center, alice, nina)
    (row,) = siu_rows()
    assert send() == {row.pk: "retry"}
    row.refresh_from_db()
    first_wait = row.send_after - NOW
    assert "answered AE" in row.last_error
    listener.answer = "AE"
    assert messages_send(ids=[row.pk], now=row.send_after) == {row.pk: "retry"}
    again = Message.objects.get(pk=row.pk)
    assert again.send_after - row.send_after > first_wait / 2  # the wait grows
    listener.answer = "AA"
    assert messages_send(ids=[row.pk], now=again.send_after) == {row.pk: "sent"}
    ids = listener.control_ids()
    assert len(ids) == 3 and len(set(ids)) == 1  # the same MSH-10 each time: receiver dedupes
    assert not Alert.objects.exists()


def test_a_reject_fails_the_row_and_alerts_the_navigators_once(listener, center, alice, nina):
    listener.answer = "AR"
    book(center, alice, nina)
    (row,) = siu_rows()
    assert send() == {row.pk: "failed"}
    assert send() == {}  # a failed row is not sent again
    (alert,) = Alert.objects.all()
    assert alert.kind == "delivery" and "answered AR" in alert.text
    assert "Alice" not in alert.text and "MRN" not in alert.text
    assert len(listener.received) == 1


def test_a_hang_up_mid_exchange_is_retried_and_then_delivered_once(listener, center, alice, nina):
    listener.answer = "close"
    book(center, alice, nina)
    (row,) = siu_rows()
    assert send() == {row.pk: "retry"}
    listener.stop()
    listener.answer = "AA"
    listener.start()  # the same port, restarted
    row.refresh_from_db()
    assert messages_send(ids=[row.pk], now=row.send_after) == {row.pk: "sent"}
    assert listener.control_ids()[0] == listener.control_ids()[1]
    assert Message.objects.get(pk=row.pk).status == "sent"


def test_no_endpoint_no_siu(settings, center, alice, nina):
    settings.HL7_MLLP_ENDPOINT = ""
    book(center, alice, nina)
    assert siu_rows() == []


def test_a_later_change_waits_for_an_earlier_message_still_being_retried(
    listener, center, alice, nina
):
    listener.answer = "AE"
    appointment = book(center, alice, nina)
    (first,) = siu_rows()
    assert send() == {first.pk: "retry"}
    appointment_cancel(appointment=appointment, by=nina, now=NOW)
    listener.answer = "AA"
    cancel = siu_rows()[1]
    assert messages_send(ids=[cancel.pk], now=NOW) == {cancel.pk: "retry"}  # S12 first
    first.refresh_from_db()
    assert messages_send(ids=[first.pk], now=first.send_after) == {first.pk: "sent"}
    cancel.refresh_from_db()
    assert messages_send(ids=[cancel.pk], now=cancel.send_after) == {cancel.pk: "sent"}
    events = [str(m.segment("MSH")[9]).split("^")[1] for m in listener.received]
    assert events == ["S12", "S12", "S15"]


def test_a_batch_goes_over_one_connection_and_a_fault_opens_a_fresh_one(
    listener, center, alice, bob, nina
):
    for hour, patient in ((14, alice), (15, bob), (16, alice)):
        book(center, patient, nina, start=VISIT.replace(hour=hour))
    assert set(send().values()) == {"sent"}
    assert listener.connections == 1 and len(set(listener.control_ids())) == 3
    book(center, bob, nina, start=VISIT.replace(hour=11))
    book(center, bob, nina, start=VISIT.replace(hour=12))
    listener.answer = "close"  # hangs up on the first: the second goes on a new connection
    pending = [m.pk for m in siu_rows() if m.status == "pending"]
    outcomes = messages_send(ids=pending, now=NOW)
    assert sorted(outcomes.values()) == ["retry", "retry"]
    assert listener.connections == 3 and len(listener.received) == 5
