"""A patient's caregivers and health-care proxies: their own number, email, language and
consent; they get the texts and invites the patient chose for them; their STOP is theirs
alone; nothing sent to them names a diagnosis (issue 15: caregivers)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core import mail

from navigation.services import VisitRequest, appointment_book
from notifications.models import Message
from notifications.services import dispatch_due, message_send
from patients.models import Contact
from tests.conftest import client_for
from tests.notifications.test_inbound import text_in

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
VISIT = datetime(2026, 3, 9, 14, 0, tzinfo=NY)
DAUGHTER = "+16175550199"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(settings):
    from tests.notifications.twilio_stub import AUTH_TOKEN

    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    with time_machine.travel(NOW, tick=False):
        yield


def add_daughter(as_navigator, alice, **fields):
    body = {
        "name": "Dana Archer",
        "relationship": "caregiver",
        "phone": DAUGHTER,
        "email": "dana@example.org",
        "preferred_language": "es",
        "sms_consent": True,
    } | fields
    return as_navigator.post(f"/api/v1/patients/{alice.pk}/contacts/", body, format="json")


def book(center, alice, nina):
    return appointment_book(
        patient=alice,
        visit=VisitRequest(clinician=center.first("radiation_oncology"), start=VISIT),
        by=nina,
        now=NOW,
    )


def reminders_to(number):
    return Message.objects.filter(template="reminder", to=number, status="pending")


def test_a_contact_gets_the_patients_texts_at_their_own_number(
    as_navigator, center, alice, nina, twilio
):
    assert add_daughter(as_navigator, alice).status_code == 201
    book(center, alice, nina)
    assert reminders_to(DAUGHTER).count() == 3 and reminders_to(str(alice.phone)).count() == 3
    due = reminders_to(DAUGHTER).first().send_after
    for message_id in dispatch_due(now=due):
        message_send(message_id=message_id, now=due)
    assert twilio.bodies_to(str(alice.phone))[0].startswith("Hi Alice, reminder: ")
    assert twilio.bodies_to(DAUGHTER)[0].startswith("Hola Dana, recordatorio: ")


def test_a_contacts_text_greets_them_in_spanish(as_navigator, center, alice, nina):
    from notifications.services import render

    add_daughter(as_navigator, alice)
    book(center, alice, nina)
    row = reminders_to(DAUGHTER).first()
    body = render(row, now=row.send_after).body
    assert body.startswith("Hola Dana, recordatorio: ")
    for word in ("radiation", "radiaci", "oncolog", "cancer", "tumor"):
        assert word not in body.lower()


def test_a_contacts_stop_is_theirs_alone(as_navigator, center, alice, nina):
    add_daughter(as_navigator, alice)
    book(center, alice, nina)
    daughter = Contact.objects.get()

    text_in(daughter, "PARAR")

    daughter.refresh_from_db()
    alice.refresh_from_db()
    assert daughter.sms_consent is False and alice.sms_consent is True
    assert not reminders_to(DAUGHTER).exists()
    assert reminders_to(str(alice.phone)).count() == 3
    reply = Message.objects.get(template="reply_opted_out")
    assert reply.to == DAUGHTER and "No recibira mas mensajes" in reply.payload["text"]


def test_a_contact_gets_the_invites_the_patient_chose_for_them(as_navigator, center, alice, nina):
    add_daughter(as_navigator, alice)
    add_daughter(
        as_navigator,
        alice,
        name="Sam Proxy",
        relationship="proxy",
        email="sam@example.org",
        phone="",
        gets_invites=False,
    )
    book(center, alice, nina)
    for message_id in dispatch_due(now=NOW):
        message_send(message_id=message_id, now=NOW)
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "dana@example.org"]
    dana = next(m for m in mail.outbox if m.to == ["dana@example.org"])
    assert dana.body.startswith("Estimado/a Dana:")
    invite = next(body for body, kind in dana.alternatives if kind.startswith("text/calendar"))
    event = icalendar.Calendar.from_ical(invite).walk("VEVENT")[0]
    assert str(event["ATTENDEE"]) == "mailto:dana@example.org"
    assert "oncolog" not in invite.lower() and "radia" not in invite.lower()


def test_only_staff_write_contacts_and_a_patient_sees_only_their_own(as_navigator, alice, bob):
    add_daughter(as_navigator, alice)
    own = client_for(alice.user).get(f"/api/v1/patients/{alice.pk}/contacts/")
    assert own.status_code == 200 and own.json()["results"][0]["name"] == "Dana Archer"
    assert client_for(bob.user).get(f"/api/v1/patients/{alice.pk}/contacts/").status_code == 404
    assert add_daughter(client_for(alice.user), alice).status_code == 403


def test_a_bad_contact_is_refused_naming_the_field_and_changes_nothing(as_navigator, alice):
    response = add_daughter(as_navigator, alice, phone="12", preferred_language="xx")
    assert response.status_code == 400
    assert {"phone", "preferred_language"} <= set(response.json()["fields"])
    assert not Contact.objects.exists()


def test_removing_a_contact_cancels_their_pending_texts(as_navigator, center, alice, nina):
    contact = add_daughter(as_navigator, alice).json()
    book(center, alice, nina)
    assert reminders_to(DAUGHTER).count() == 3
    gone = as_navigator.delete(f"/api/v1/patients/{alice.pk}/contacts/{contact['id']}/")
    assert gone.status_code == 204
    assert not reminders_to(DAUGHTER).exists()
    assert reminders_to(str(alice.phone)).count() == 3  # the patient's own are untouched
