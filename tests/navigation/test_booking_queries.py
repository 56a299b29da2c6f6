"""A booking costs a fixed, small number of queries (issue 16, `bookings_per_s`): one visit,
and a plan of three with the MRI scanner and a Spanish interpreter at every visit, for a
patient whose sister gets the texts and invites too. Each is counted with the same
calendars and messages that count for the patient: the invites, the reminders, the
history. Were a read to come back once per visit, or twice per booking, these fail."""

import pytest

from navigation.models import Appointment, AppointmentResource
from notifications.models import Message
from patients.models import Contact
from tests.navigation.test_resources import (
    PLAN,
    book,
    frozen,
    interpreter,
    scanner,
    search,
)

# Measured in a test's transaction (its savepoints count): before issue 16's profiling
# these cost 57 and 110 queries, after its first round 33 and 64.
ONE_VISIT = 33  # with the audit row it did not write before
PLAN_OF_THREE = 40

pytestmark = pytest.mark.django_db
# The fixtures, used by name; `frozen` (autouse) sets the clock to Friday 6 March 2026.
__all__ = ["frozen", "interpreter", "scanner"]


@pytest.fixture
def sister(alice):
    return Contact.objects.create(
        patient=alice,
        name="Ann Archer",
        phone="+16175550199",
        email="ann@example.org",
        sms_consent=True,
        gets_texts=True,
        gets_invites=True,
    )


def test_one_visit_is_booked_in_a_fixed_number_of_queries(
    as_navigator, center, alice, sister, django_assert_max_num_queries
):
    clinician = center.first("pain_medicine")
    as_navigator.get("/api/v1/appointments/")  # the session's first touch is not counted
    with django_assert_max_num_queries(ONE_VISIT):
        response = as_navigator.post(
            "/api/v1/appointments/",
            {"patient": alice.pk, "clinician": clinician.pk, "start": "2026-03-09T10:00:00-04:00"},
        )
    assert response.status_code == 201, response.json()
    assert Appointment.objects.filter(patient=alice, status="booked").count() == 1
    invites = Message.objects.filter(patient=alice, template="invite_request")
    assert sorted(invites.values_list("to", flat=True)) == ["alice@example.org", "ann@example.org"]
    assert Message.objects.filter(patient=alice, template="reminder").exists()


def test_a_plan_of_three_with_scanner_and_interpreter_in_a_fixed_number_of_queries(
    as_navigator, center, alice, sister, scanner, interpreter, django_assert_max_num_queries
):
    alice.interpreter_language = "es"
    alice.save()
    option = search(as_navigator, alice).json()["options"][0]
    assert {v["specialty"] for v in option["visits"]} == set(PLAN)
    with django_assert_max_num_queries(PLAN_OF_THREE):
        response = book(as_navigator, alice, option)
    assert response.status_code == 201, response.json()
    names = [[r["name"] for r in a["resources"]] for a in response.json()["appointments"]]
    assert sorted(map(len, names)) == [1, 1, 2]  # the MRI takes the scanner too
    assert all(taken[-1] == "Lucía Ortega" for taken in names)
    assert AppointmentResource.objects.filter(resource=scanner, live=True).count() == 1
    invites = Message.objects.filter(patient=alice, template="invite_request")
    assert invites.count() == 6  # three visits, to Alice and to her sister


def test_a_booked_plan_is_in_the_audit_log_with_its_patient(
    as_navigator, center, alice, scanner, interpreter
):
    from tumorboard.audit import AuditEvent

    alice.interpreter_language = "es"
    alice.save()
    option = search(as_navigator, alice).json()["options"][0]
    assert book(as_navigator, alice, option).status_code == 201
    event = AuditEvent.objects.get(path="/api/v1/itineraries/")
    assert (event.action, event.status_code, event.patient_ids) == ("change", 201, [alice.pk])
    assert event.username == "nina"


def test_a_booked_visit_and_a_confirmed_hold_are_in_the_audit_log(as_navigator, center, alice, bob):
    from tumorboard.audit import AuditEvent

    visit = {"clinician": center.first("pain_medicine").pk, "start": "2026-03-09T10:00:00-04:00"}
    booked = as_navigator.post("/api/v1/appointments/", {"patient": alice.pk, **visit})
    assert booked.status_code == 201, booked.json()
    later = {**visit, "start": "2026-03-09T11:00:00-04:00"}
    held = as_navigator.post("/api/v1/holds/", {"patient": bob.pk, "visits": [later]})
    assert held.status_code == 201, held.json()
    confirmed = as_navigator.post(f"/api/v1/holds/{held.json()['id']}/confirm/")
    assert confirmed.status_code == 201, confirmed.json()
    changes = AuditEvent.objects.filter(action="change").order_by("id")
    assert [(e.path, e.patient_ids) for e in changes] == [
        ("/api/v1/appointments/", [alice.pk]),
        ("/api/v1/holds/", [bob.pk]),
        (f"/api/v1/holds/{held.json()['id']}/confirm/", [bob.pk]),
    ]
