"""Invite emails: a same-day plan reads as one plan (each visit's email says which of the
day's visits it is, with the whole day in its text), in the patient's language, and the
invite itself (its summary) in that language too (issue 15: a day reads as one plan;
language)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core import mail

from navigation.services import VisitRequest, appointment_book
from notifications.services import dispatch_due, message_send

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
DAY = [(10, "neurosurgery"), (13, "radiation_oncology"), (15, "pain_medicine")]  # Tuesday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def book_the_day(center, patient, nina):
    for hour, specialty in DAY:
        appointment_book(
            patient=patient,
            visit=VisitRequest(
                clinician=center.first(specialty), start=datetime(2026, 3, 10, hour, tzinfo=NY)
            ),
            by=nina,
            now=NOW,
        )
    assert [message_send(message_id=i, now=NOW) for i in dispatch_due(now=NOW)] == ["sent"] * 3
    return sorted(mail.outbox, key=lambda m: m.subject)


def test_each_visit_of_a_same_day_plan_says_which_it_is_with_the_whole_day(center, alice, nina):
    emails = book_the_day(center, alice, nina)
    assert [m.subject for m in emails] == [
        f"Your clinic visit {n} of 3: Tuesday 10 March 2026, {t}"
        for n, t in ((1, "10:00 AM"), (2, "1:00 PM"), (3, "3:00 PM"))
    ]
    for number, email in enumerate(emails, 1):
        assert f"This is visit {number} of 3, Tuesday." in email.body
        assert "Your plan for the day:\n1. 10:00 AM: Clinic visit, Tower\n" in email.body
        assert (
            "2. 1:00 PM: Clinic visit, Pavilion\n3. 3:00 PM: Clinic visit, Pavilion" in email.body
        )
        for word in ("neuro", "radiation", "oncolog", "pain"):
            assert word not in email.body.lower()


def test_emails_and_invites_speak_the_patients_language(center, alice, nina):
    alice.preferred_language = "es"
    alice.save()
    emails = book_the_day(center, alice, nina)
    first = emails[0]
    assert first.subject == "Su cita 1 de 3: martes 10 de marzo de 2026, 10:00"
    assert first.body.startswith("Estimado/a Alice:")
    assert "Esta es la cita 1 de 3, martes." in first.body
    invite = next(body for body, kind in first.alternatives if kind.startswith("text/calendar"))
    event = icalendar.Calendar.from_ical(invite).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Cita en la clínica"
