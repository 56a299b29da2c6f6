"""Appointments as FHIR: the status map through the API both ways, the searches an EHR
uses, who sees which, and the audit."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.services import (
    VisitRequest,
    appointment_book,
    appointment_cancel,
    appointment_set_status,
)
from patients.services import referral_create
from tests.conftest import client_for
from tests.interop.fhir_check import ok, outcome_of
from tumorboard.audit import AuditEvent

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=NY)


def book(patient, clinician, start, nina, **extra):
    return appointment_book(
        patient=patient,
        visit=VisitRequest(clinician=clinician, start=start),
        by=nina,
        now=NOW,
        **extra,
    )


@pytest.fixture
def week(center, alice, bob, nina):
    """Alice: neurosurgery Monday 09:00, pain Tuesday 10:00; Bob: neurosurgery Wednesday."""
    surgeon, pain = center.first("neurosurgery"), center.first("pain_medicine")
    return {
        "alice_monday": book(alice, surgeon, at(9, 9), nina),
        "alice_tuesday": book(alice, pain, at(10, 10), nina),
        "bob_wednesday": book(bob, surgeon, at(11, 9), nina),
    }


def ids(bundle) -> list[int]:
    return [int(e["resource"]["id"]) for e in bundle.get("entry", [])]


def test_an_appointment_reads_as_a_valid_fhir_appointment(as_navigator, week, alice, center):
    visit = week["alice_monday"]
    appointment = ok(as_navigator.get(f"/fhir/R4/Appointment/{visit.pk}"))
    assert appointment["status"] == "booked"
    assert (appointment["start"], appointment["end"]) == (
        "2026-03-09T13:00:00Z",
        "2026-03-09T14:00:00Z",
    )
    assert appointment["minutesDuration"] == 60
    actors = [p["actor"]["reference"] for p in appointment["participant"]]
    assert actors == [
        f"Patient/{alice.pk}",
        f"Practitioner/{center.first('neurosurgery').pk}",
        f"Location/{center.tower.pk}",
    ]
    assert appointment["identifier"][0]["value"] == f"urn:uuid:{visit.uid}"


def test_our_statuses_read_as_fhir_and_fhir_statuses_search_ours(
    as_navigator, week, center, alice, nina
):
    monday, tuesday, wednesday = week["alice_monday"], week["alice_tuesday"], week["bob_wednesday"]
    extra = book(alice, center.first("radiation_oncology"), at(12, 9), nina)
    with time_machine.travel(at(9, 9), tick=False):
        appointment_set_status(appointment=monday, status="checked_in", by=nina)
    with time_machine.travel(at(10, 11), tick=False):
        appointment_set_status(appointment=tuesday, status="completed", by=nina)
    with time_machine.travel(wednesday.end, tick=False):
        appointment_set_status(appointment=wednesday, status="no_show", by=nina)
    appointment_cancel(appointment=extra, by=nina, now=NOW)
    expected = {
        monday.pk: "arrived",
        tuesday.pk: "fulfilled",
        wednesday.pk: "noshow",
        extra.pk: "cancelled",
    }
    for pk, status in expected.items():
        assert ok(as_navigator.get(f"/fhir/R4/Appointment/{pk}"))["status"] == status
        assert ids(ok(as_navigator.get("/fhir/R4/Appointment", {"status": status}))) == [pk]
    assert ids(ok(as_navigator.get("/fhir/R4/Appointment", {"status": "arrived,noshow"}))) == [
        monday.pk,
        wednesday.pk,
    ]
    assert ok(as_navigator.get("/fhir/R4/Appointment", {"status": "waitlist"}))["total"] == 0
    response = as_navigator.get("/fhir/R4/Appointment", {"status": "done"})
    assert "“done” is not an appointment status" in outcome_of(response, 400, "invalid")


def test_an_ehr_finds_a_patients_coming_visits(as_navigator, week, alice):
    bundle = ok(
        as_navigator.get(
            "/fhir/R4/Appointment", {"patient": f"Patient/{alice.pk}", "date": "ge2026-03-10"}
        )
    )
    assert ids(bundle) == [week["alice_tuesday"].pk]
    everything = ok(as_navigator.get("/fhir/R4/Appointment", {"patient": alice.pk}))
    assert ids(everything) == [week["alice_monday"].pk, week["alice_tuesday"].pk]
    one_day = ok(as_navigator.get("/fhir/R4/Appointment", {"date": "2026-03-11"}))
    assert ids(one_day) == [week["bob_wednesday"].pk]
    window = ok(
        as_navigator.get(
            "/fhir/R4/Appointment", {"date": ["ge2026-03-09T13:00:00Z", "lt2026-03-11T13:00:00Z"]}
        )
    )
    assert ids(window) == [week["alice_monday"].pk, week["alice_tuesday"].pk]


def test_an_ehr_finds_a_practitioners_visits(as_navigator, week, center):
    surgeon = center.first("neurosurgery")
    bundle = ok(
        as_navigator.get("/fhir/R4/Appointment", {"practitioner": f"Practitioner/{surgeon.pk}"})
    )
    assert ids(bundle) == [week["alice_monday"].pk, week["bob_wednesday"].pk]


def test_a_patient_sees_only_their_own_visits(as_alice, week, bob):
    assert ids(ok(as_alice.get("/fhir/R4/Appointment"))) == [
        week["alice_monday"].pk,
        week["alice_tuesday"].pk,
    ]
    assert ok(as_alice.get("/fhir/R4/Appointment", {"patient": bob.pk}))["total"] == 0
    outcome_of(as_alice.get(f"/fhir/R4/Appointment/{week['bob_wednesday'].pk}"), 404, "not-found")


def test_a_specialist_sees_their_own_clinic(week, center, sam):
    surgeon = center.first("neurosurgery")
    surgeon.user = sam
    surgeon.save()
    assert ids(ok(client_for(sam).get("/fhir/R4/Appointment"))) == [
        week["alice_monday"].pk,
        week["bob_wednesday"].pk,
    ]
    outcome_of(
        client_for(sam).get(f"/fhir/R4/Appointment/{week['alice_tuesday'].pk}"), 404, "not-found"
    )


def test_reading_and_searching_appointments_is_audited(as_navigator, week, alice, bob):
    as_navigator.get(f"/fhir/R4/Appointment/{week['alice_monday'].pk}")
    as_navigator.get("/fhir/R4/Appointment")
    first, second = AuditEvent.objects.order_by("id")
    assert (first.action, first.patient_ids) == ("read", [alice.pk])
    assert first.path == f"/fhir/R4/Appointment/{week['alice_monday'].pk}"
    assert second.patient_ids == sorted([alice.pk, bob.pk])


def test_the_case_never_shows_in_an_appointment(as_navigator, center, alice, nina):
    referral = referral_create(
        patient=alice,
        referring_oncologist="Dr. Park",
        primary_cancer="melanoma",
        sites="brain",
        symptoms="new seizures and headache",
        received_at=NOW,
    )
    visit = book(
        alice, center.first("neurosurgery"), at(9, 9), nina, referral=referral, is_consult=True
    )
    body = as_navigator.get(f"/fhir/R4/Appointment/{visit.pk}").content.lower()
    for word in (b"melanoma", b"seizure", b"headache", b"brain", b"park"):
        assert word not in body


def test_appointment_pages_follow_next(as_navigator, week):
    first = ok(as_navigator.get("/fhir/R4/Appointment", {"_count": 2}))
    assert first["total"] == 3 and len(first["entry"]) == 2
    next_url = next(lk["url"] for lk in first["link"] if lk["relation"] == "next")
    second = ok(as_navigator.get(next_url))
    assert ids(second) == [week["bob_wednesday"].pk]
    assert [lk["relation"] for lk in second["link"]] == ["self"]


def test_it_searches_by_specialty_and_appointment_type(as_navigator, week):
    surgery = [week["alice_monday"].pk, week["bob_wednesday"].pk]
    by_snomed = ok(as_navigator.get("/fhir/R4/Appointment", {"specialty": "394610002"}))
    assert ids(by_snomed) == surgery
    pain = ok(as_navigator.get("/fhir/R4/Appointment", {"appointment-type": "pain_medicine"}))
    assert ids(pain) == [week["alice_tuesday"].pk]
    routine = "http://terminology.hl7.org/CodeSystem/v2-0276|ROUTINE"
    assert (
        len(ids(ok(as_navigator.get("/fhir/R4/Appointment", {"appointment-type": routine})))) == 3
    )
    assert ids(ok(as_navigator.get("/fhir/R4/Appointment", {"specialty": "nope"}))) == []
