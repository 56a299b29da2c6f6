"""A navigator chooses the kind of visit per specialty (issue 16): "SRS planning" takes a
CT simulator and its own minutes in the search, the booking and the hold; a bad choice
is a 400 naming `visit_types.<specialty>`, nothing written."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.models import (
    Appointment,
    AppointmentResource,
    AvailabilityTemplate,
    Clinician,
    Hold,
    Itinerary,
    Resource,
    VisitType,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)  # Friday evening; Monday is 2026-03-09
PLAN = ["neurosurgery", "radiation_oncology"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def srs(center):
    """The Pavilion's CT simulator, open 13:00-17:00 on weekdays, and "SRS planning" (60
    minutes, not a new-patient visit) that needs it."""
    ct = Resource.objects.create(
        name="CT sim 1", kind="equipment", equipment="ct_simulator", location=center.pavilion
    )
    for weekday in range(5):
        AvailabilityTemplate.objects.create(
            resource=ct,
            weekday=weekday,
            start_time=time(13),
            end_time=time(17),
            location=center.pavilion,
            valid_from=date(2026, 1, 1),
        )
    return VisitType.objects.create(
        specialty="radiation_oncology",
        name="SRS planning",
        minutes=60,
        new_patient=False,
        needs=["ct_simulator"],
    )


def search(client, patient, specialties=PLAN, **extra):
    body = {
        "patient": patient.pk,
        "specialties": specialties,
        "date_from": "2026-03-09",
        "date_to": "2026-03-09",
        **extra,
    }
    return client.post("/api/v1/itineraries/search/", body)


def by_specialty(visits: list[dict]) -> dict[str, dict]:
    return {v["specialty"]: v for v in visits}


def minutes(visit: dict) -> int:
    span = datetime.fromisoformat(visit["end"]) - datetime.fromisoformat(visit["start"])
    return int(span / timedelta(minutes=1))


def nothing_written() -> bool:
    return not (
        Appointment.objects.exists()
        or Itinerary.objects.exists()
        or Hold.objects.exists()
        or AppointmentResource.objects.exists()
    )


def test_srs_planning_is_searched_and_booked_with_its_ct_simulator_and_its_minutes(
    as_navigator, center, alice, srs
):
    plain = search(as_navigator, alice)
    assert plain.status_code == 200, plain.json()
    default = by_specialty(plain.json()["options"][0]["visits"])["radiation_oncology"]
    new_patient = VisitType.objects.get(specialty="radiation_oncology", name="New patient")
    assert (minutes(default), default["resources"], default["visit_type"]) == (
        45,
        [],
        new_patient.pk,
    )

    found = search(as_navigator, alice, visit_types={"radiation_oncology": srs.pk})
    assert found.status_code == 200, found.json()
    option = found.json()["options"][0]
    visits = by_specialty(option["visits"])
    planning = visits["radiation_oncology"]
    assert minutes(planning) == 60
    assert datetime.fromisoformat(planning["start"]).astimezone(NY).time() >= time(13)
    assert [r["name"] for r in planning["resources"]] == ["CT sim 1"]
    assert planning["visit_type"] == srs.pk
    surgery = VisitType.objects.get(specialty="neurosurgery", name="New patient")
    assert visits["neurosurgery"]["visit_type"] == surgery.pk

    booked = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, **option})
    assert booked.status_code == 201, booked.json()
    appointments = by_specialty(booked.json()["appointments"])
    assert appointments["radiation_oncology"]["visit_type"] == srs.pk
    assert [r["name"] for r in appointments["radiation_oncology"]["resources"]] == ["CT sim 1"]
    assert appointments["neurosurgery"]["visit_type"] == surgery.pk
    row = AppointmentResource.objects.get(resource__name="CT sim 1")
    assert row.live and row.end - row.start == timedelta(minutes=60)


def test_a_hold_with_the_visit_types_map_keeps_srs_planning_through_its_confirmation(
    as_navigator, center, alice, srs
):
    option = search(as_navigator, alice, visit_types={"radiation_oncology": srs.pk}).json()[
        "options"
    ][0]
    # The visits as a client keeps them (no visit_type of their own): the map says it.
    visits = [{"clinician": v["clinician"], "start": v["start"]} for v in option["visits"]]
    held = as_navigator.post(
        "/api/v1/holds/",
        {"patient": alice.pk, "visits": visits, "visit_types": {"radiation_oncology": srs.pk}},
    )
    assert held.status_code == 201, held.json()
    planning = by_specialty(held.json()["appointments"])["radiation_oncology"]
    assert planning["visit_type"] == srs.pk
    assert [r["name"] for r in planning["resources"]] == ["CT sim 1"]
    confirmed = as_navigator.post(f"/api/v1/holds/{held.json()['id']}/confirm/")
    assert confirmed.status_code == 201, confirmed.json()
    planning = by_specialty(confirmed.json()["appointments"])["radiation_oncology"]
    assert (planning["status"], planning["visit_type"]) == ("booked", srs.pk)


def test_the_taken_ct_simulator_is_named_to_a_second_navigator(
    as_navigator, center, alice, bob, srs
):
    shah = center.first("radiation_oncology")
    visit = {"clinician": shah.pk, "start": "2026-03-09T13:00:00-04:00", "visit_type": srs.pk}
    first = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [visit]})
    assert first.status_code == 201, first.json()
    # Another radiation oncologist would be free; the machine is not.
    other = Clinician.objects.create(
        name="Dr. Eva Lind", specialty="radiation_oncology", home_location=center.pavilion
    )
    AvailabilityTemplate.objects.create(
        clinician=other,
        weekday=0,
        start_time=time(8),
        end_time=time(17),
        location=center.pavilion,
        valid_from=date(2026, 1, 1),
    )
    rival = as_navigator.post(
        "/api/v1/itineraries/",
        {"patient": bob.pk, "visits": [{**visit, "clinician": other.pk}]},
    )
    assert rival.status_code == 409, rival.json()
    assert "CT simulator “CT sim 1”" in rival.json()["message"]


def test_rescheduling_srs_planning_keeps_its_ct_simulator(as_navigator, center, alice, srs):
    shah = center.first("radiation_oncology")
    visit = {"clinician": shah.pk, "start": "2026-03-09T13:00:00-04:00", "visit_type": srs.pk}
    booked = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [visit]})
    assert booked.status_code == 201, booked.json()
    appointment = booked.json()["appointments"][0]
    moved = as_navigator.post(
        f"/api/v1/appointments/{appointment['id']}/reschedule/",
        {"start": "2026-03-09T15:00:00-04:00"},
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["visit_type"] == srs.pk
    assert [r["name"] for r in moved.json()["resources"]] == ["CT sim 1"]
    # Before the machine opens, the visit cannot go: it still needs the CT simulator.
    early = as_navigator.post(
        f"/api/v1/appointments/{appointment['id']}/reschedule/",
        {"start": "2026-03-09T09:00:00-04:00"},
    )
    assert early.status_code == 400, early.json()


def bad_choices(center, srs) -> dict[str, tuple[dict, str, str]]:
    """name -> (visit_types, the field named, words in the message)."""
    return {
        "unknown id": (
            {"radiation_oncology": 999999},
            "visit_types.radiation_oncology",
            "There is no visit type 999999.",
        ),
        "another specialty's type": (
            {"neurosurgery": srs.pk},
            "visit_types.neurosurgery",
            "“SRS planning” is a radiation oncology visit, not a neurosurgery one.",
        ),
        "a specialty not searched": (
            {"pain_medicine": VisitType.objects.get(specialty="pain_medicine").pk},
            "visit_types.pain_medicine",
            "“pain_medicine” is not among the specialties asked for",
        ),
        "not a number": (
            {"radiation_oncology": "SRS"},
            "visit_types.radiation_oncology",
            "A valid integer is required.",
        ),
    }


CASES = ["unknown id", "another specialty's type", "a specialty not searched", "not a number"]


@pytest.mark.parametrize("case", CASES)
def test_a_bad_visit_type_in_a_search_is_a_400_naming_it(as_navigator, center, alice, srs, case):
    chosen, field, words = bad_choices(center, srs)[case]
    response = search(as_navigator, alice, visit_types=chosen)
    assert response.status_code == 400, response.json()
    body = response.json()
    assert list(body["fields"]) == [field]
    assert words in body["message"]


@pytest.mark.parametrize("path", ["itineraries", "holds"])
@pytest.mark.parametrize("case", CASES)
def test_a_bad_visit_type_in_a_booking_or_hold_is_a_400_and_nothing_is_written(
    as_navigator, center, alice, srs, case, path
):
    chosen, field, words = bad_choices(center, srs)[case]
    visits = [
        {"clinician": center.first(s).pk, "start": start}
        for s, start in [
            ("neurosurgery", "2026-03-09T09:00:00-04:00"),
            ("radiation_oncology", "2026-03-09T13:00:00-04:00"),
        ]
    ]
    response = as_navigator.post(
        f"/api/v1/{path}/", {"patient": alice.pk, "visits": visits, "visit_types": chosen}
    )
    assert response.status_code == 400, response.json()
    assert list(response.json()["fields"]) == [field]
    assert words in response.json()["message"]
    assert nothing_written()


def test_a_visits_own_type_of_another_specialty_or_disagreeing_is_a_400(
    as_navigator, center, alice, srs
):
    shah = center.first("radiation_oncology")
    surgeon = center.first("neurosurgery")
    wrong = {"clinician": surgeon.pk, "start": "2026-03-09T09:00:00-04:00", "visit_type": srs.pk}
    first = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [wrong]})
    assert first.status_code == 400
    assert list(first.json()["fields"]) == ["visits.0.visit_type"]
    assert "not a neurosurgery one" in first.json()["message"]
    new_patient = VisitType.objects.get(specialty="radiation_oncology", name="New patient")
    own = {"clinician": shah.pk, "start": "2026-03-09T13:00:00-04:00", "visit_type": srs.pk}
    clash = as_navigator.post(
        "/api/v1/itineraries/",
        {
            "patient": alice.pk,
            "visits": [own],
            "visit_types": {"radiation_oncology": new_patient.pk},
        },
    )
    assert clash.status_code == 400
    assert list(clash.json()["fields"]) == ["visits.0.visit_type"]
    assert "disagrees with visit_types.radiation_oncology" in clash.json()["message"]
    unknown = as_navigator.post(
        "/api/v1/itineraries/",
        {"patient": alice.pk, "visits": [{**own, "visit_type": 999999}]},
    )
    assert unknown.status_code == 400
    assert unknown.json()["fields"] == {"visits.0.visit_type": ["There is no visit type 999999."]}
    assert nothing_written()


def test_the_schema_describes_the_visit_types_map(as_navigator):
    schema = as_navigator.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    parts = schema.json()["components"]["schemas"]
    for name in ("ItinerarySearchRequest", "ItineraryBookRequest", "HoldCreateRequest"):
        field = parts[name]["properties"]["visit_types"]
        assert field["type"] == "object"
        assert field["additionalProperties"]["type"] == "integer"
        assert "new-patient visit type" in field["description"]
    assert "visit_type" in parts["VisitInRequest"]["properties"]
    assert "visit_type" in parts["VisitOut"]["properties"]


def test_a_chosen_type_needing_a_machine_no_location_has_names_the_choice(
    as_navigator, center, alice, srs
):
    Resource.objects.filter(equipment="ct_simulator").update(active=False)
    refused = search(as_navigator, alice, visit_types={"radiation_oncology": srs.pk})
    assert refused.status_code == 400
    message = refused.json()["message"]
    assert "needs a CT simulator, and no location has one" in message
    assert refused.json()["fields"] == {"visit_types.radiation_oncology": [message]}

    clinician = Clinician.objects.filter(specialty="radiation_oncology").first()
    start = datetime(2026, 3, 9, 14, tzinfo=NY).isoformat()
    visit = {"clinician": clinician.pk, "start": start, "visit_type": srs.pk}
    surgeon = Clinician.objects.filter(specialty="neurosurgery").first()
    other = {"clinician": surgeon.pk, "start": datetime(2026, 3, 9, 9, tzinfo=NY).isoformat()}
    booked = as_navigator.post(
        "/api/v1/itineraries/", {"patient": alice.pk, "visits": [other, visit]}
    )
    assert booked.status_code == 400
    assert list(booked.json()["fields"]) == ["visits.1.visit_type"]
    assert nothing_written()
