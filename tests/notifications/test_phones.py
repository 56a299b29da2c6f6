"""Consent belongs to a phone number (PRODUCT.md, "Rules settled": messages): a carrier's
opt-out (Twilio 21610) is a STOP; STOP and START from a shared family phone act for
everyone using it; C and R from it act only on what they can only mean (issue 15,
findings 3 and 4)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.models import Appointment
from navigation.services import VisitRequest, appointment_book
from notifications.models import Alert, Message, SmsOptOut
from notifications.services import dispatch_due, message_send
from tests.notifications.test_inbound import text_in

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
VISIT = datetime(2026, 3, 9, 14, 0, tzinfo=NY)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(settings):
    from tests.notifications.twilio_stub import AUTH_TOKEN

    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def family(alice, bob):
    """Bob uses Alice's phone (his daughter's), and consents to texts."""
    bob.phone, bob.sms_consent = alice.phone, True
    bob.save()
    return alice, bob


def book(center, patient, nina, start, specialty="pain_medicine"):
    return appointment_book(
        patient=patient,
        visit=VisitRequest(clinician=center.first(specialty), start=start),
        by=nina,
        now=NOW,
    )


def pending_reminders(patient):
    return Message.objects.filter(patient=patient, template="reminder", status="pending")


def send_due(now):
    return [message_send(message_id=i, now=now) for i in dispatch_due(now=now)]


def test_a_carriers_opt_out_is_a_stop_for_the_number_with_one_alert(center, family, nina, twilio):
    alice, bob = family
    book(center, alice, nina, VISIT)
    book(center, bob, nina, VISIT + timedelta(hours=1), specialty="palliative_care")
    assert pending_reminders(alice).count() == 3
    twilio.opted_out.add(str(alice.phone))  # the phone replied STOP to our number directly

    for hours_before in (72, 24, 2):  # every moment a reminder was planned for
        send_due(VISIT - timedelta(hours=hours_before))

    assert twilio.received == []
    assert twilio.refused == [str(alice.phone)]  # tried once, never again
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.sms_consent is False and bob.sms_consent is False
    assert not pending_reminders(alice).exists() and not pending_reminders(bob).exists()
    assert SmsOptOut.objects.get(phone=str(alice.phone)).source == "provider"
    assert Alert.objects.filter(kind=Alert.Kind.DELIVERY).count() == 1


def test_stop_from_a_shared_phone_stops_texts_for_everyone_using_it(center, family, nina):
    alice, bob = family
    book(center, alice, nina, VISIT)
    book(center, bob, nina, VISIT + timedelta(hours=1), specialty="palliative_care")
    assert pending_reminders(bob).count() == 3

    text_in(alice, "Stop. Thank you")

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.sms_consent is False and bob.sms_consent is False
    assert not pending_reminders(alice).exists() and not pending_reminders(bob).exists()
    replies = Message.objects.filter(template__startswith="reply_")
    assert list(replies.values_list("template", flat=True)) == ["reply_opted_out"]

    text_in(bob, "START", sid="SM2")

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.sms_consent and bob.sms_consent
    assert pending_reminders(alice).count() == 3 and pending_reminders(bob).count() == 3
    assert not SmsOptOut.objects.exists()


def test_a_plea_to_keep_texting_does_not_opt_out(center, alice, nina):
    book(center, alice, nina, VISIT)
    text_in(alice, "Please don't stop sending me these reminders")
    alice.refresh_from_db()
    assert alice.sms_consent is True
    assert pending_reminders(alice).count() == 3


def test_c_from_a_phone_two_patients_with_visits_share_asks_the_navigator(center, family, nina):
    alice, bob = family
    book(center, alice, nina, VISIT)
    book(center, bob, nina, VISIT + timedelta(days=1), specialty="palliative_care")

    text_in(bob, "C")

    assert not Appointment.objects.filter(patient_confirmed_at__isnull=False).exists()
    alert = Alert.objects.get(kind=Alert.Kind.PATIENT_REPLY)
    assert "MRN-ALICE" in alert.text and "MRN-BOB" in alert.text
    reply = Message.objects.get(template="reply_shared_phone")
    assert "navigator will call" in reply.payload["text"]


def test_c_from_a_shared_phone_confirms_the_only_patient_with_visits(center, family, nina):
    alice, bob = family
    visit = book(center, bob, nina, VISIT, specialty="palliative_care")

    text_in(alice, "C")  # the number is Alice's too; only Bob has a visit coming

    visit.refresh_from_db()
    assert visit.patient_confirmed_at is not None
    assert Message.objects.get(template="reply_confirmed").patient == bob
