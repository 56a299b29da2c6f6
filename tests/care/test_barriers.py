"""Barriers to care (issue 19): recorded with who found them and what was done, resolved
no earlier than found, and a travel barrier (or a far home) keeps a patient's same-day
visits on the days they already come in, flagging a plan that adds a trip."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from care.models import Barrier
from navigation.services import VisitRequest, appointment_book

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)  # a Friday evening; the next week is free
FOUND = datetime(2026, 3, 5, 10, 0, tzinfo=NY)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def record(client, patient, **fields):
    body = {"kind": "transport", "description": "No car; lives alone", "found_at": FOUND}
    return client.post(f"/api/v1/patients/{patient.pk}/barriers/", body | fields, format="json")


def test_it_records_who_found_a_barrier_and_resolves_it_with_what_was_done(
    as_navigator, nina, alice
):
    made = record(as_navigator, alice)
    assert made.status_code == 201, made.json()
    assert made.json()["found_by"] == nina.pk and made.json()["resolved_at"] is None
    resolved = as_navigator.patch(
        f"/api/v1/patients/{alice.pk}/barriers/{made.json()['id']}/",
        {"resolved_at": "2026-03-06T09:00:00-05:00", "action": "Ride booked with the van"},
        format="json",
    )
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["resolved_by"] == nina.pk
    assert resolved.json()["action"] == "Ride booked with the van"


def test_a_barrier_resolved_before_it_was_found_is_refused_and_nothing_is_written(
    as_navigator, alice
):
    refused = record(as_navigator, alice, resolved_at="2026-03-04T10:00:00-05:00")
    assert refused.status_code == 400
    assert "resolved_at" in refused.json()["fields"]
    assert "before it was found" in refused.json()["message"]
    assert not Barrier.objects.exists()

    barrier = record(as_navigator, alice).json()
    patched = as_navigator.patch(
        f"/api/v1/patients/{alice.pk}/barriers/{barrier['id']}/",
        {"resolved_at": "2026-03-05T09:59:00-05:00", "action": "should not stick"},
        format="json",
    )
    assert patched.status_code == 400 and "resolved_at" in patched.json()["fields"]
    row = Barrier.objects.get()
    assert row.resolved_at is None and row.action == ""


def test_patients_cannot_read_barriers(as_alice, alice):
    assert as_alice.get(f"/api/v1/patients/{alice.pk}/barriers/").status_code == 403


def plan_days(client, patient):
    response = client.post(
        "/api/v1/itineraries/search/",
        {
            "patient": patient.pk,
            "specialties": ["neurosurgery", "radiation_oncology"],
            "date_from": "2026-03-09",
            "date_to": "2026-03-13",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_transport_barrier_puts_the_day_the_patient_already_comes_in_first(
    as_navigator, nina, center, alice
):
    # Alice already comes in on Wednesday for pain medicine.
    appointment_book(
        patient=alice,
        visit=VisitRequest(
            clinician=center.first("pain_medicine"), start=datetime(2026, 3, 11, 8, tzinfo=NY)
        ),
        by=nina,
        now=NOW,
    )
    before = plan_days(as_navigator, alice)
    assert before["options"][0]["day"] == "2026-03-09"  # earliest day first
    assert before["travel_burden"] == [] and not before["options"][0]["extra_trip"]

    record(as_navigator, alice)
    after = plan_days(as_navigator, alice)
    assert after["travel_burden"] == ["transport barrier"]
    assert [o["day"] for o in after["options"]][:2] == ["2026-03-11", "2026-03-09"]
    assert [o["extra_trip"] for o in after["options"]][:2] == [False, True]
    booked = as_navigator.post(
        "/api/v1/itineraries/", {"patient": alice.pk, **after["options"][0]}, format="json"
    )
    assert booked.status_code == 201, booked.json()  # booked exactly as returned


def test_a_far_home_is_a_travel_burden_of_its_own(as_navigator, settings, alice):
    settings.BARRIER_HOME_DISTANCE_MILES = 40
    from care.barriers import travel_burden

    alice.home_distance_miles = 39
    assert travel_burden(patient=alice) == []
    alice.home_distance_miles = 120
    assert travel_burden(patient=alice) == ["home 120 miles away"]


def test_a_language_barrier_gives_every_visit_an_interpreter(as_navigator, alice):
    missing = record(as_navigator, alice, kind="language", description="Speaks Haitian Creole")
    assert missing.status_code == 400 and "language" in missing.json()["fields"]
    made = record(as_navigator, alice, kind="language", language="ht")
    assert made.status_code == 201, made.json()
    alice.refresh_from_db()
    assert alice.interpreter_language == "ht"
