"""`Appointment/$find` and `$book`: an EHR-like client, using only FHIR, lists free slots,
finds a same-day multi-specialist option, books it all or nothing, and reads it back."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fhir.resources.R4B import get_fhir_model_class

from navigation.models import Appointment, Itinerary
from navigation.services import VisitRequest, appointment_book
from patients.services import referral_create
from tests.conftest import client_for
from tests.interop.fhir_check import ok, outcome_of
from tumorboard.audit import AuditEvent

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)
SNOMED = "http://snomed.info/sct"
SITE = "https://tumorboard.example.org"
OURS = f"{SITE}/fhir/R4/CodeSystem/specialty"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def post(client, operation: str, body) -> object:
    return client.post(
        f"/fhir/R4/Appointment/${operation}", json.dumps(body), content_type="application/fhir+json"
    )


def parameters(*parameter) -> dict:
    return {"resourceType": "Parameters", "parameter": list(parameter)}


def valid_parameters(body: dict) -> dict:
    """What the EHR sends is itself valid FHIR: the errors tested are ours to catch."""
    get_fhir_model_class("Parameters").model_validate(body)
    return body


def find_body(patient, *extra, start="2026-03-09", end="2026-03-13") -> dict:
    return valid_parameters(
        parameters(
            {"name": "patient", "valueReference": {"reference": f"Patient/{patient.pk}"}},
            {"name": "start", "valueDate": start},
            {"name": "end", "valueDate": end},
            {
                "name": "specialty",
                "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "394610002"}]},
            },
            {"name": "specialty", "valueCoding": {"system": OURS, "code": "radiation_oncology"}},
            {"name": "specialty", "valueCode": "pain_medicine"},
            *extra,
        )
    )


def book_body(appointment: dict) -> dict:
    return valid_parameters(parameters({"name": "appointment", "resource": appointment}))


def first_option(client, patient) -> dict:
    bundle = ok(post(client, "find", find_body(patient)))
    return bundle["entry"][0]["resource"]


def test_an_ehr_lists_finds_books_and_reads_back_a_same_day_plan(as_navigator, center, alice):
    surgeon = center.first("neurosurgery")
    free = ok(
        as_navigator.get("/fhir/R4/Slot", {"schedule": f"Schedule/{surgeon.pk}", "status": "free"})
    )
    assert free["entry"][0]["resource"]["start"] == "2026-03-09T12:00:00Z"

    found = ok(post(as_navigator, "find", find_body(alice)))
    assert found["type"] == "searchset" and found["total"] == 5
    proposed = found["entry"][0]["resource"]
    assert proposed["status"] == "proposed"
    assert proposed["start"].startswith("2026-03-09")
    visits = [
        p for p in proposed["participant"] if p["actor"]["reference"].startswith("Practitioner/")
    ]
    assert len(visits) == 3
    assert proposed["participant"][0]["actor"]["reference"] == f"Patient/{alice.pk}"

    booked = ok(post(as_navigator, "book", book_body(proposed)))
    assert booked["type"] == "searchset"  # IHE ITI-117
    appointments = [e["resource"] for e in booked["entry"]]
    assert {a["status"] for a in appointments} == {"booked"}
    assert sorted(
        (a["participant"][1]["actor"]["reference"], a["start"], a["end"]) for a in appointments
    ) == sorted((v["actor"]["reference"], v["period"]["start"], v["period"]["end"]) for v in visits)
    assert Itinerary.objects.get().appointments.count() == 3

    read_back = ok(
        as_navigator.get(
            "/fhir/R4/Appointment", {"patient": f"Patient/{alice.pk}", "date": "ge2026-03-09"}
        )
    )
    assert [e["resource"] for e in read_back["entry"]] == sorted(
        appointments, key=lambda a: a["start"]
    )
    for entry in booked["entry"]:
        assert ok(as_navigator.get(entry["fullUrl"])) == entry["resource"]

    surgeon_visit = next(
        v for v in visits if v["actor"]["reference"] == f"Practitioner/{surgeon.pk}"
    )
    busy = ok(as_navigator.get("/fhir/R4/Slot", {"schedule": surgeon.pk, "status": "busy"}))
    spans = [(e["resource"]["start"], e["resource"]["end"]) for e in busy["entry"]]
    start, end = surgeon_visit["period"]["start"], surgeon_visit["period"]["end"]
    assert spans and all(a < end and b > start for a, b in spans)  # the slots it meets
    assert spans[0][0] <= start and end <= spans[-1][1]
    actions = [(e.method, e.action, e.patient_ids) for e in AuditEvent.objects.order_by("id")]
    assert ("POST", "change", [alice.pk]) in actions
    assert actions.count(("POST", "change", [alice.pk])) == 2  # $find and $book


def test_booking_a_taken_plan_is_a_409_and_books_nothing(as_navigator, center, alice, bob, nina):
    proposed = first_option(as_navigator, alice)
    pain = next(
        p
        for p in proposed["participant"]
        if p["actor"]["reference"] == f"Practitioner/{center.first('pain_medicine').pk}"
    )
    appointment_book(  # meanwhile Bob takes the pain clinic's slot
        patient=bob,
        visit=VisitRequest(
            clinician=center.first("pain_medicine"),
            start=datetime.fromisoformat(pain["period"]["start"]),
        ),
        by=nina,
        now=NOW,
    )
    response = post(as_navigator, "book", book_body(proposed))
    assert "is not free" in outcome_of(response, 409, "conflict")
    assert "Nothing was booked" in response.json()["issue"][0]["diagnostics"]
    assert not Appointment.objects.filter(patient=alice).exists()
    assert not Itinerary.objects.exists()


def test_booking_the_same_plan_twice_is_a_409(as_navigator, center, alice):
    proposed = first_option(as_navigator, alice)
    ok(post(as_navigator, "book", book_body(proposed)))
    outcome_of(post(as_navigator, "book", book_body(proposed)), 409, "conflict")
    assert Appointment.objects.filter(patient=alice).count() == 3


def test_a_search_that_finds_nothing_says_why(as_navigator, center, alice):
    body = parameters(
        {"name": "patient", "valueString": str(alice.pk)},
        {"name": "start", "valueDate": "2026-03-09"},
        {"name": "end", "valueDate": "2026-03-13"},
        {"name": "specialty", "valueCode": "psychosocial"},
    )
    bundle = ok(post(as_navigator, "find", body))
    assert bundle["total"] == 0
    (entry,) = bundle["entry"]
    assert entry["search"]["mode"] == "outcome"
    assert entry["resource"]["issue"][0]["diagnostics"].startswith("No free psychosocial time")


def test_a_pinned_practitioner_and_a_window_are_respected(as_navigator, center, alice):
    other = [c for c in center.clinicians.values() if c.specialty == "neurosurgery"][1]
    body = find_body(
        alice,
        {"name": "practitioner", "valueReference": {"reference": f"Practitioner/{other.pk}"}},
        {"name": "earliest-arrival", "valueTime": "13:00:00"},
        {"name": "_count", "valueInteger": 2},
    )
    bundle = ok(post(as_navigator, "find", body))
    assert bundle["total"] == 2
    for entry in bundle["entry"]:
        refs = [p["actor"]["reference"] for p in entry["resource"]["participant"]]
        assert f"Practitioner/{other.pk}" in refs
        assert entry["resource"]["start"][11:16] >= "17:00"  # 13:00 EDT


@pytest.mark.parametrize(
    ("body", "named", "words"),
    [
        ({"resourceType": "Appointment"}, "Parameters", "must be a FHIR Parameters"),
        (
            parameters({"name": "start", "valueDate": "2026-03-09"}),
            "patient-reference",
            "is required",
        ),
        (
            parameters({"name": "colour", "valueString": "red"}),
            "Parameters.parameter[0]",
            "Unknown parameter",
        ),
    ],
)
def test_malformed_find_parameters_are_named(as_navigator, center, body, named, words):
    response = post(as_navigator, "find", body)
    assert words in outcome_of(response, 400, "invalid")
    assert response.json()["issue"][0]["expression"] == [named]


def test_find_problems_are_named_by_their_fhir_parameter(as_navigator, center, alice):
    cases = [
        (find_body(alice, start="2026-03-13", end="2026-03-09"), "end", "before the start date"),
        (find_body(alice, start="2026-03-02", end="2026-03-09"), "start", "in the past"),
        (
            find_body(alice, {"name": "specialty", "valueCode": "dermatology"}),
            "specialty",
            "not a specialty we schedule",
        ),
        (
            find_body(alice, {"name": "max-wait", "valueInteger": -5}),
            "max-wait",
            "cannot be below zero",
        ),
        (
            find_body(alice, {"name": "patient", "valueString": "1"}),
            "patient",
            "more than once",
        ),
        (
            find_body(
                alice,
                *(
                    {
                        "name": "practitioner",
                        "valueReference": {"reference": f"Practitioner/{c.pk}"},
                    }
                    for c in center.clinicians.values()
                    if c.specialty == "neurosurgery"
                ),
            ),
            "practitioner",
            "Two practitioners are pinned for neurosurgery",
        ),
    ]
    for body, named, words in cases:
        response = post(as_navigator, "find", body)
        assert words in outcome_of(response, 400, "invalid"), named
        assert response.json()["issue"][0]["expression"] == [named]


def test_a_find_for_someone_unknown_names_the_patient(as_navigator, center):
    body = parameters(
        {"name": "patient", "valueReference": {"reference": "Patient/999"}},
        {"name": "start", "valueDate": "2026-03-09"},
        {"name": "end", "valueDate": "2026-03-13"},
        {"name": "specialty", "valueCode": "neurosurgery"},
    )
    assert "No patient “Patient/999”" in outcome_of(
        post(as_navigator, "find", body), 400, "invalid"
    )


def test_malformed_book_parameters_are_named(as_navigator, center, alice):
    proposed = first_option(as_navigator, alice)
    no_period = json.loads(json.dumps(proposed))
    del no_period["participant"][1]["period"]
    cases = [
        (book_body(no_period), "Appointment.participant[1].period", "needs a start and an end"),
        (
            book_body({**proposed, "participant": proposed["participant"][1:]}),
            "Appointment.participant",
            "exactly one Patient",
        ),
        (book_body({"resourceType": "Patient"}), "appointment", "must hold an Appointment"),
        (parameters(), "appointment-reference", "Give exactly one"),
        (book_body({**proposed, "status": "cancelled"}), "Appointment.status", "cannot be booked"),
    ]
    for body, named, words in cases:
        response = post(as_navigator, "book", body)
        assert words in outcome_of(response, 400, "invalid"), named
        assert response.json()["issue"][0]["expression"] == [named]
    assert not Appointment.objects.exists()


def test_json_that_does_not_parse_is_a_structure_error(as_navigator):
    response = as_navigator.post(
        "/fhir/R4/Appointment/$book", "{not json", content_type="application/fhir+json"
    )
    outcome_of(response, 400, "structure")


def test_a_visit_outside_clinic_hours_breaks_a_business_rule(as_navigator, center, alice):
    proposed = first_option(as_navigator, alice)
    proposed["participant"][1]["period"] = {
        "start": "2026-03-09T23:00:00Z",
        "end": "2026-03-09T23:30:00Z",  # its pain medicine visit's 30 minutes
    }
    response = post(as_navigator, "book", book_body(proposed))
    assert "no clinic session" in outcome_of(response, 422, "business-rule")
    assert not Appointment.objects.exists()


def test_patients_and_strangers_cannot_find_or_book(as_alice, anonymous, center, alice):
    outcome_of(post(as_alice, "find", find_body(alice)), 403, "forbidden")
    outcome_of(post(anonymous, "book", parameters()), 401, "login")


def test_a_consult_booked_through_fhir_on_its_referral_meets_the_72_hour_promise(
    as_navigator, as_alice, center, alice, bob, nina
):
    referral = referral_create(
        patient=alice, received_at=NOW, sites="brain", created_by=nina, now=NOW
    )
    order = ok(as_navigator.get(f"/fhir/R4/ServiceRequest/{referral.pk}"))
    assert order["subject"]["reference"] == f"Patient/{alice.pk}"
    assert order["status"] == "active" and order["priority"] == "routine"
    assert order["occurrencePeriod"]["end"] == "2026-03-09T23:45:00Z"  # 72 real hours
    assert ok(as_alice.get("/fhir/R4/ServiceRequest", {"patient": alice.pk}))["total"] == 1
    as_bob = client_for(bob.user)
    outcome_of(as_bob.get(f"/fhir/R4/ServiceRequest/{referral.pk}"), 404, "not-found")

    based_on = {
        "name": "referral",
        "valueReference": {"reference": f"ServiceRequest/{referral.pk}"},
    }
    found = ok(post(as_navigator, "find", find_body(alice, based_on)))
    proposed = found["entry"][0]["resource"]
    assert proposed["basedOn"] == [{"reference": f"ServiceRequest/{referral.pk}"}]
    booked = ok(post(as_navigator, "book", book_body(proposed)))
    assert all(
        e["resource"]["basedOn"] == [{"reference": f"ServiceRequest/{referral.pk}"}]
        for e in booked["entry"]
    )
    referral.refresh_from_db()
    assert referral.consult_at is not None and referral.consult_at <= referral.consult_due_at
    assert Appointment.objects.filter(referral=referral, is_consult=True).count() == 1


def test_a_booking_based_on_another_patients_referral_is_refused(
    as_navigator, center, alice, bob, nina
):
    theirs = referral_create(patient=bob, received_at=NOW, sites="brain", created_by=nina, now=NOW)
    proposed = first_option(as_navigator, alice)
    proposed["basedOn"] = [{"reference": f"ServiceRequest/{theirs.pk}"}]
    words = outcome_of(post(as_navigator, "book", book_body(proposed)), 400, "invalid")
    assert "Appointment.basedOn" in words and "not a referral of this patient" in words
    assert not Appointment.objects.exists()


# --- a required Location participant at $book (finding 4) ---------------------------


def surgeon_proposal(client, patient) -> dict:
    body = parameters(
        {"name": "patient-reference", "valueReference": {"reference": f"Patient/{patient.pk}"}},
        {"name": "start", "valueDate": "2026-03-09"},
        {"name": "end", "valueDate": "2026-03-13"},
        {"name": "specialty", "valueCode": "neurosurgery"},
        {"name": "_count", "valueInteger": 1},
    )
    return ok(post(client, "find", body))["entry"][0]["resource"]


def with_location(proposal: dict, location, **participant) -> dict:
    people = [p for p in proposal["participant"] if "Location/" not in p["actor"]["reference"]]
    place = {"actor": {"reference": f"Location/{location.pk}"}, "status": "needs-action"}
    return {**proposal, "participant": [*people, {**place, **participant}]}


def test_a_required_location_elsewhere_is_refused_not_replaced(as_navigator, center, alice):
    proposal = surgeon_proposal(as_navigator, alice)  # the surgeons work in the Tower
    moved = with_location(proposal, center.pavilion, required="required")
    response = post(as_navigator, "book", book_body(moved))
    text = outcome_of(response, 422, "business-rule")
    assert f"not the required Location/{center.pavilion.pk} (Pavilion)" in text
    assert response.json()["issue"][0]["expression"] == ["Appointment.participant[2]"]
    assert not Appointment.objects.exists()
    optional = with_location(proposal, center.pavilion, required="optional")
    assert (
        ok(post(as_navigator, "book", book_body(optional)))["entry"][0]["resource"]["participant"][
            2
        ]["actor"]["reference"]
        == f"Location/{center.tower.pk}"
    )


def test_the_required_location_is_honoured_and_rechecked_at_booking(as_navigator, center, alice):
    from navigation.models import AvailabilityTemplate

    proposal = surgeon_proposal(as_navigator, alice)
    kept = ok(post(as_navigator, "book", book_body(with_location(proposal, center.tower))))
    assert kept["entry"][0]["resource"]["participant"][2]["actor"]["reference"] == (
        f"Location/{center.tower.pk}"
    )
    other = surgeon_proposal(as_navigator, alice)  # by reference, after the clinic moved
    AvailabilityTemplate.objects.update(location=center.pavilion)
    reference = parameters({"name": "appointment-reference", "valueString": other["id"]})
    refused = post(as_navigator, "book", reference)
    assert "session then is at another location" in outcome_of(refused, 422, "business-rule")
    assert Appointment.objects.count() == 1


def test_an_unknown_required_location_is_a_400_naming_it(as_navigator, center, alice):
    proposal = surgeon_proposal(as_navigator, alice)
    body = book_body(
        {
            **proposal,
            "participant": [
                *proposal["participant"][:2],
                {"actor": {"reference": "Location/999"}, "status": "needs-action"},
            ],
        }
    )
    response = post(as_navigator, "book", body)
    assert outcome_of(response, 400, "invalid") == (
        "Appointment.participant[2]: no location “Location/999”."
    )
    body["parameter"][0]["resource"]["participant"][2]["actor"]["reference"] = "Location/room-4"
    response = post(as_navigator, "book", body)
    assert outcome_of(response, 400, "invalid") == (
        "Appointment.participant[2]: no room “Location/room-4”."
    )
