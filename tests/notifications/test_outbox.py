"""Booking, rescheduling and cancelling through the outbox: invites by email, reminder
texts through Twilio's protocol (a local stub), sent once, never lost."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from django.core import mail

from navigation.models import VisitType
from navigation.services import (
    VisitRequest,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from notifications.models import Alert, Message
from notifications.services import dispatch_due, message_send, messages_send
from notifications.sms_text import encoded
from patients.services import patient_update
from tests.notifications.twilio_stub import FROM_NUMBER

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)  # Monday; visits are booked for next Monday
VISIT = datetime(2026, 3, 9, 14, 0, tzinfo=NY)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book(center, patient, nina, start=VISIT, specialty="pain_medicine"):
    return appointment_book(
        patient=patient,
        visit=VisitRequest(clinician=center.first(specialty), start=start),
        by=nina,
        now=NOW,
    )


def send_due(now):
    return [message_send(message_id=i, now=now) for i in dispatch_due(now=now)]


def parse_invite(email):
    part = next(
        body for body, mimetype in email.alternatives if mimetype.startswith("text/calendar")
    )
    return vobject.readOne(part), next(m for _, m in email.alternatives)


def test_booking_sends_an_invite_an_independent_parser_reads(center, alice, nina):
    appointment = book(center, alice, nina)
    assert send_due(NOW) == ["sent"]
    email = mail.outbox[0]
    assert email.to == [alice.email]
    calendar, mimetype = parse_invite(email)
    assert mimetype == "text/calendar; method=REQUEST"
    assert calendar.method.value == "REQUEST"
    event = calendar.vevent
    assert event.uid.value == f"{appointment.uid}@tumorboard"
    assert event.sequence.value == "0"
    assert event.summary.value == "Clinic visit"
    assert getattr(event, "class").value == "PRIVATE"
    assert event.dtstart.value == VISIT
    assert event.attendee.value == f"mailto:{alice.email}"
    assert event.organizer.value.startswith("mailto:")
    assert calendar.vtimezone.tzid.value == "America/New_York"
    assert "pain" not in email.body.lower() and "pain" not in str(event.serialize()).lower()


def test_reschedule_keeps_the_uid_and_cancel_sends_cancel_without_alarm(center, alice, nina):
    appointment = book(center, alice, nina)
    appointment_reschedule(
        appointment=appointment, start=VISIT + timedelta(days=1), by=nina, now=NOW
    )
    appointment.refresh_from_db()
    appointment_cancel(appointment=appointment, by=nina, now=NOW)
    assert send_due(NOW).count("sent") == 1  # older invites are superseded, not sent
    calendar, mimetype = parse_invite(mail.outbox[0])
    assert mimetype == "text/calendar; method=CANCEL"
    assert calendar.vevent.uid.value == f"{appointment.uid}@tumorboard"
    assert calendar.vevent.sequence.value == "2"
    assert calendar.vevent.status.value == "CANCELLED"
    assert not hasattr(calendar.vevent, "valarm")


def test_the_invite_api_returns_the_current_invite(as_navigator, center, alice, nina):
    appointment = book(center, alice, nina)
    response = as_navigator.get(f"/api/v1/appointments/{appointment.pk}/invite.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar; method=PUBLISH")  # downloaded
    assert vobject.readOne(response.content.decode()).vevent.uid.value.startswith(
        str(appointment.uid)
    )


def test_a_client_asking_for_text_calendar_gets_the_invite(as_navigator, center, alice, nina):
    appointment = book(center, alice, nina)
    url = f"/api/v1/appointments/{appointment.pk}/invite.ics"
    response = as_navigator.get(url, HTTP_ACCEPT="text/calendar")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert vobject.readOne(response.content.decode()).vevent.uid.value.startswith(
        str(appointment.uid)
    )
    missing = as_navigator.get(
        f"/api/v1/appointments/{appointment.pk + 999}/invite.ics", HTTP_ACCEPT="text/calendar"
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"  # errors stay in the JSON format
    assert as_navigator.get(url, HTTP_ACCEPT="image/png").status_code == 406


def test_reminders_go_out_at_72_24_and_2_hours_through_twilio(center, alice, nina, twilio):
    book(center, alice, nina)
    reminders = Message.objects.filter(template="reminder").order_by("send_after")
    assert [m.send_after.astimezone(NY).strftime("%a %H:%M") for m in reminders] == [
        "Fri 13:00",
        "Sun 14:00",
        "Mon 12:00",
    ]  # real hours: the clocks move on Sunday
    send_due(datetime(2026, 3, 6, 13, 0, tzinfo=NY))
    assert len(twilio.received) == 1
    sent = twilio.received[0]
    assert sent["to"] == str(alice.phone) and sent["from"] == FROM_NUMBER
    assert sent["body"].startswith("Hi Alice, reminder: Mon 3/9 2:00pm at Pavilion.")
    assert "/p/" in sent["body"] and encoded(sent["body"]).segments == 1


def test_a_cancelled_visit_gets_no_reminder(center, alice, nina, twilio):
    appointment = book(center, alice, nina)
    appointment_cancel(appointment=appointment, by=nina, now=NOW)
    assert not Message.objects.filter(template="reminder", status="pending").exists()
    send_due(datetime(2026, 3, 9, 13, tzinfo=NY))
    assert twilio.received == []


def test_a_reminder_whose_visit_was_cancelled_after_it_was_queued_is_dropped(
    center, alice, nina, twilio
):
    appointment = book(center, alice, nina)
    due = list(Message.objects.filter(template="reminder").order_by("send_after"))[0]
    appointment.status = "cancelled"  # cancelled behind the outbox's back
    appointment.save()
    assert message_send(message_id=due.pk, now=due.send_after) == "dropped"
    assert twilio.received == []


def test_no_texts_without_consent(center, bob, nina, twilio):
    assert bob.sms_consent is False
    book(center, bob, nina)
    assert not Message.objects.filter(channel="sms").exists()


def test_a_message_is_sent_once_however_often_its_task_runs(center, alice, nina):
    book(center, alice, nina)
    invite = Message.objects.get(channel="email")
    results = [message_send(message_id=invite.pk, now=NOW) for _ in range(3)]
    assert results == ["sent", "not claimed", "not claimed"]
    assert len(mail.outbox) == 1


def test_provider_4xx_fails_at_once_and_alerts_the_navigator(center, alice, nina, twilio):
    book(center, alice, nina)
    twilio.script = [400]
    due = Message.objects.filter(template="reminder").order_by("send_after").first()
    assert message_send(message_id=due.pk, now=due.send_after) == "failed"
    due.refresh_from_db()
    assert due.status == "failed" and "400" in due.last_error and due.attempts == 1
    assert Alert.objects.filter(kind="delivery").count() == 1


def test_provider_5xx_and_timeouts_are_retried_with_backoff_then_sent_once(
    center, alice, nina, twilio
):
    book(center, alice, nina)
    twilio.script = [500, "timeout", "ok"]
    due = Message.objects.filter(template="reminder").order_by("send_after").first()
    moment = due.send_after
    assert message_send(message_id=due.pk, now=moment) == "retry"
    due.refresh_from_db()
    assert due.status == "pending" and due.send_after > moment  # backed off
    assert message_send(message_id=due.pk, now=due.send_after - timedelta(seconds=1)) == (
        "not claimed"
    )  # not before its backoff
    assert message_send(message_id=due.pk, now=due.send_after) == "retry"  # the timeout
    due.refresh_from_db()
    assert message_send(message_id=due.pk, now=due.send_after) == "sent"
    due.refresh_from_db()
    assert (due.status, due.attempts) == ("sent", 3)
    assert len(twilio.received) == 1


def test_a_worker_that_died_mid_send_is_recovered_without_a_duplicate(
    center, alice, nina, twilio, frozen
):
    book(center, alice, nina)
    first, second = Message.objects.filter(template="reminder").order_by("send_after")[:2]
    # Friday: the provider took `first`, then its worker died before recording it.
    frozen.move_to(first.send_after)
    assert message_send(message_id=first.pk, now=first.send_after) == "sent"
    Message.objects.filter(pk=first.pk).update(status="sending", provider_id="")
    # Sunday: `second`'s worker died after claiming it, before calling the provider.
    frozen.move_to(second.send_after)
    Message.objects.filter(pk=second.pk).update(status="sending", claimed_at=second.send_after)
    ids = dispatch_due(now=second.send_after + timedelta(minutes=1))
    assert second.pk not in ids  # within its lease: left alone
    after_lease = second.send_after + timedelta(minutes=6)
    frozen.move_to(after_lease)
    ids = dispatch_due(now=after_lease)
    first.refresh_from_db()
    assert first.status == "sent" and first.provider_id == twilio.received[0]["sid"]
    assert first.pk not in ids and second.pk in ids
    assert message_send(message_id=second.pk, now=after_lease) == "sent"
    assert len(twilio.received) == 2  # each exactly once


def test_the_outbox_api_lists_messages_for_navigators_only(
    as_navigator, as_alice, center, alice, nina
):
    book(center, alice, nina)
    listed = as_navigator.get("/api/v1/notifications/?channel=email").json()["results"]
    assert [m["template"] for m in listed] == ["invite_request"]
    assert "to" not in listed[0]
    assert as_alice.get("/api/v1/notifications/").status_code == 403


def test_a_reminder_that_comes_due_in_quiet_hours_waits_for_the_morning(
    center, alice, nina, twilio
):
    book(center, alice, nina)
    due = Message.objects.filter(template="reminder").order_by("send_after").first()
    late_evening = datetime(2026, 3, 6, 22, 30, tzinfo=NY)  # workers were down until now
    assert message_send(message_id=due.pk, now=late_evening) == "postponed"
    due.refresh_from_db()
    assert due.status == "pending"
    assert due.send_after == datetime(2026, 3, 7, 8, 0, tzinfo=NY)
    assert twilio.received == []


def test_a_late_reminder_is_dropped_when_a_later_one_is_due_too(center, alice, nina, twilio):
    book(center, alice, nina)
    results = send_due(datetime(2026, 3, 9, 12, 5, tzinfo=NY))  # all three are overdue
    assert sorted(results) == ["dropped", "dropped", "sent", "sent"]  # + the invite email
    assert len(twilio.received) == 1


def test_a_visit_types_own_offsets_plan_its_reminders(center, alice, nina):
    VisitType.objects.create(
        specialty="pain_medicine", name="Pain consult", minutes=45, reminder_offsets_hours=[48]
    )
    appointment = book(center, alice, nina)
    assert appointment.visit_type.name == "Pain consult"
    assert appointment.end - appointment.start == timedelta(minutes=45)
    reminders = Message.objects.filter(template="reminder", status="pending")
    assert [m.send_after.astimezone(NY).strftime("%a %H:%M") for m in reminders] == ["Sat 13:00"]


def test_express_consent_lifts_the_daily_cap(center, alice, nina):
    book(center, alice, nina, start=datetime(2026, 3, 9, 9, 0, tzinfo=NY))
    capped = Message.objects.filter(template="reminder", status="pending").count()
    patient_update(patient=alice, sms_express_consent=True)
    # 2 h before 09:00 is in quiet hours: it moves to the evening before, which already has
    # the 24-hour text. Only with express consent may that evening carry both.
    assert Message.objects.filter(template="reminder", status="pending").count() == capped + 1


def test_granting_consent_plans_reminders_for_visits_already_booked(center, bob, nina):
    book(center, bob, nina)
    assert not Message.objects.filter(template="reminder").exists()  # bob has not consented
    patient_update(patient=bob, sms_consent=True, phone="+16175550177")
    assert Message.objects.filter(template="reminder", status="pending").count() == 3


def test_one_bad_row_in_a_batch_never_stops_the_others(center, alice, nina, twilio):
    rows = [
        Message.objects.create(
            channel="sms",
            to=str(alice.phone),
            patient=alice,
            template="reminder" if n == 1 else "reply_help",
            payload={"text": f"message {n}"} if n != 1 else {},  # a reminder with no days
            idempotency_key=f"batch-error:{n}",
            send_after=NOW,
        )
        for n in range(3)
    ]
    twilio.script = ["ok", 400]  # the third row: a number the provider refuses
    outcomes = messages_send(ids=[m.pk for m in rows], now=NOW)
    assert [outcomes[m.pk] for m in rows] == ["sent", "failed", "failed"]
    assert [m["body"] for m in twilio.received] == ["message 0"]
    assert Message.objects.get(pk=rows[0].pk).status == "sent"
    assert Alert.objects.filter(kind="delivery").count() == 2


def test_a_broken_email_backend_fails_its_rows_alone_and_they_are_retried(
    center, alice, nina, twilio, settings
):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.BrokenEmailBackend"
    book(center, alice, nina)
    invite = Message.objects.get(template="invite_request")
    assert send_due(NOW) == ["retry"]
    invite.refresh_from_db()
    assert invite.status == "pending" and "email channel failed" in invite.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_due(invite.send_after) == ["sent"]
    assert len(mail.outbox) == 1


class BrokenEmailBackend:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("no such mail server configured")
