"""Slots: each clinic session cut into bookable pieces of the clinician's new-patient visit,
on the grid, free, busy (bookings, holds) or busy-unavailable (time off); their ids stay
the same while bookings and the clock move, and `Appointment.slot` books one."""

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from interop.mapping import slot_id
from navigation.models import Appointment, ExtraSession, TimeOff
from navigation.services import VisitRequest, appointment_book, appointment_cancel
from tests.interop.fhir_check import ok, outcome_of

HOURS = [f"2026-03-09T{h:02}:00:00Z" for h in range(12, 22)]  # 08:00-17:00 EDT


def hourly(*statuses: str) -> list[tuple[str, str, str]]:
    """The neurosurgeon's Monday as 60-minute slots with these statuses, in order."""
    return [(st, a, b) for st, a, b in zip(statuses, HOURS[:-1], HOURS[1:], strict=True)]


NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)  # Friday evening; Monday is after DST began
MONDAY = "2026-03-09"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(hour: int, minute: int = 0, day: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NY)


def slots(client, clinician, **query):
    query = {
        "schedule": f"Schedule/{clinician.pk}",
        "start": [f"ge{MONDAY}", "lt2026-03-10"],
    } | query
    bundle = ok(client.get("/fhir/R4/Slot", query))
    return [
        (e["resource"]["status"], e["resource"]["start"], e["resource"]["end"])
        for e in bundle.get("entry", [])
    ]


def book(patient, clinician, start, nina):
    return appointment_book(
        patient=patient,
        visit=VisitRequest(clinician=clinician, start=start),
        by=nina,
        now=NOW,
    )


def test_a_clinic_day_is_cut_into_visit_length_slots_on_the_grid(as_navigator, center):
    surgeon, pain = center.first("neurosurgery"), center.first("pain_medicine")
    assert slots(as_navigator, surgeon) == hourly(*["free"] * 9)
    halves = slots(as_navigator, pain)
    assert len(halves) == 18 and halves[1][1:] == ("2026-03-09T12:30:00Z", "2026-03-09T13:00:00Z")
    slot = ok(as_navigator.get("/fhir/R4/Slot", {"schedule": surgeon.pk, "_count": 1}))
    kind = slot["entry"][0]["resource"]["appointmentType"]
    assert [c["code"] for c in kind["coding"]] == ["ROUTINE", "neurosurgery"]
    assert kind["text"] == "Neurosurgery new-patient visit (60 min)"


def test_a_booked_visit_makes_the_slots_it_meets_busy(as_navigator, center, alice, bob, nina):
    surgeon = center.first("neurosurgery")
    book(alice, surgeon, at(10), nina)
    book(bob, surgeon, at(14, 30), nina)  # 14:30-15:30 meets two hourly slots
    expected = hourly("free", "free", "busy", "free", "free", "free", "busy", "busy", "free")
    assert slots(as_navigator, surgeon) == expected
    assert len(slots(as_navigator, surgeon, status="free")) == 6
    assert len(slots(as_navigator, surgeon, status="busy")) == 3


def test_a_busy_slot_says_nothing_about_who_is_booked(as_navigator, center, alice, nina):
    surgeon = center.first("neurosurgery")
    book(alice, surgeon, at(10), nina)
    response = as_navigator.get("/fhir/R4/Slot", {"schedule": surgeon.pk, "status": "busy"})
    assert b"Archer" not in response.content and b"Patient" not in response.content


def test_a_cancelled_visit_frees_its_slot_again(as_navigator, center, alice, nina):
    surgeon = center.first("neurosurgery")
    appointment = book(alice, surgeon, at(10), nina)
    appointment_cancel(appointment=appointment, reason="", by=nina, now=NOW)
    assert slots(as_navigator, surgeon) == hourly(*["free"] * 9)


def test_time_off_is_busy_unavailable(as_navigator, center):
    surgeon = center.first("neurosurgery")
    TimeOff.objects.create(clinician=surgeon, start=at(12), end=at(13), reason="Tumor board")
    assert slots(as_navigator, surgeon) == hourly(*["free"] * 4, "busy-unavailable", *["free"] * 4)
    response = as_navigator.get("/fhir/R4/Slot", {"schedule": surgeon.pk})
    assert b"Tumor board" not in response.content  # the reason stays private


def test_an_extra_session_overlapping_the_template_extends_the_day(as_navigator, center):
    surgeon = center.first("neurosurgery")
    ExtraSession.objects.create(
        clinician=surgeon,
        date=date(2026, 3, 9),
        start_time=time(16),
        end_time=time(19),
        location=center.tower,
    )
    found = slots(as_navigator, surgeon)
    assert len(found) == 11 and found[-1][2] == "2026-03-09T23:00:00Z"  # to 19:00 EDT


def test_no_slot_is_offered_once_it_has_begun(as_navigator, center, frozen):
    surgeon = center.first("neurosurgery")
    frozen.move_to(at(10, 2))
    assert slots(as_navigator, surgeon)[0][1] == "2026-03-09T15:00:00Z"  # 11:00, not 10:05


def test_without_dates_it_shows_the_coming_week(as_navigator, center):
    surgeon = center.first("neurosurgery")
    query = {"schedule": surgeon.pk, "status": "free", "_count": 200}
    bundle = ok(as_navigator.get("/fhir/R4/Slot", query))
    days = sorted({e["resource"]["start"][:10] for e in bundle["entry"]})
    assert days == ["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12"]  # to Thu 23:59


def test_a_slot_keeps_its_id_while_it_is_booked_and_time_passes(
    as_navigator, center, alice, nina, frozen
):
    surgeon = center.first("neurosurgery")
    bundle = ok(as_navigator.get("/fhir/R4/Slot", {"schedule": surgeon.pk, "start": f"ge{MONDAY}"}))
    ten = next(e for e in bundle["entry"] if e["resource"]["start"] == "2026-03-09T14:00:00Z")
    assert ten["resource"]["id"] == slot_id(surgeon.pk, at(10), at(11))
    frozen.shift(7 * 60)
    assert ok(as_navigator.get(ten["fullUrl"])) == ten["resource"]
    book(alice, surgeon, at(10), nina)
    assert ok(as_navigator.get(ten["fullUrl"]))["status"] == "busy"
    outcome_of(as_navigator.get("/fhir/R4/Slot/not-a-slot"), 404, "not-found")
    off_the_cut = slot_id(surgeon.pk, at(10, 5), at(11, 5))
    outcome_of(as_navigator.get(f"/fhir/R4/Slot/{off_the_cut}"), 404, "not-found")


def test_slots_of_every_clinician_come_in_pages(as_navigator, center):
    query = {"start": [f"ge{MONDAY}", "lt2026-03-10"], "status": "free", "_count": 50}
    url, seen, total = "/fhir/R4/Slot", [], None
    while url:
        bundle = ok(as_navigator.get(url, query))
        total = bundle["total"]
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        url = next((lk["url"] for lk in bundle["link"] if lk["relation"] == "next"), None)
        query = None  # the next link carries the whole query
    assert len(seen) == len(set(seen)) == total
    owners = {int(i.split("-")[0]) for i in seen}
    assert owners == {c.pk for c in center.clinicians.values()}


def test_several_schedules_at_once(as_navigator, center):
    a, b = center.first("neurosurgery"), center.first("pain_medicine")
    bundle = ok(
        as_navigator.get(
            "/fhir/R4/Slot",
            {
                "schedule": f"Schedule/{a.pk},Schedule/{b.pk}",
                "start": [f"ge{MONDAY}", "lt2026-03-10"],
            },
        )
    )
    assert bundle["total"] == 9 + 18


@pytest.mark.parametrize(
    ("query", "named", "words"),
    [
        ({"status": "open"}, "status", "not a slot status"),
        (
            {"start": "ge2026-03-09", "schedule": "Practitioner/1"},
            "schedule",
            "must refer to a Schedule",
        ),
        ({"start": "next week"}, "start", "not a date search value"),
        ({"start": ["ge2026-03-09", "lt2026-06-09"]}, "start", "at most 31 days"),
        ({"start": "sa2026-03-09"}, "start", "prefixes"),
    ],
)
def test_a_search_it_cannot_read_names_the_parameter(as_navigator, center, query, named, words):
    response = as_navigator.get("/fhir/R4/Slot", query)
    assert words in outcome_of(response, 400, "invalid")
    assert response.json()["issue"][0]["expression"] == [named]


def test_an_empty_range_finds_nothing(as_navigator, center):
    bundle = ok(as_navigator.get("/fhir/R4/Slot", {"start": ["ge2026-03-10", "lt2026-03-09"]}))
    assert bundle["total"] == 0 and "entry" not in bundle


def test_a_week_of_busy_and_free_slots_tiles_each_session_exactly(
    as_navigator, center, alice, bob, nina
):
    surgeon = center.first("neurosurgery")
    for day, hour, patient in [(9, 8, alice), (9, 16, bob), (10, 12, alice), (13, 9, bob)]:
        book(patient, surgeon, at(hour, day=day), nina)
    found = slots(as_navigator, surgeon, start=[f"ge{MONDAY}", "lt2026-03-14"])
    by_day = {}
    for _, start, end in found:
        by_day.setdefault(start[:10], []).append((start, end))
    for pieces in by_day.values():  # back to back from 08:00 to 17:00, no gap, no overlap
        assert pieces[0][0].endswith("T12:00:00Z") and pieces[-1][1].endswith("T21:00:00Z")
        assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:], strict=False))
    assert sum(s == "busy" for s, _, _ in found) == 4
    assert len(by_day) == 5
    assert timedelta(hours=9) * 5 == sum(
        (datetime.fromisoformat(e) - datetime.fromisoformat(s) for _, s, e in found), timedelta()
    )


def test_every_free_slot_lies_in_the_free_time_the_itinerary_engine_is_fed(
    as_navigator, center, alice, bob, nina, frozen
):
    from navigation.selectors import free_days

    surgeon, pain = center.first("neurosurgery"), center.first("pain_medicine")
    book(alice, surgeon, at(9, 5), nina)
    book(bob, surgeon, at(11, 20, day=10), nina)
    book(alice, pain, at(15, day=11), nina)
    TimeOff.objects.create(clinician=pain, start=at(8, day=12), end=at(12, 30, day=12))
    frozen.move_to(at(10, 2))
    engine = [
        (f.start, f.end, c.clinician_id)
        for day in free_days(
            clinicians=[surgeon, pain],
            first=date(2026, 3, 9),
            last=date(2026, 3, 13),
            not_before=at(10, 5),
        )
        for c in day.clinicians
        for f in c.free
    ]
    bundle = ok(
        as_navigator.get(
            "/fhir/R4/Slot",
            {
                "schedule": f"{surgeon.pk},{pain.pk}",
                "start": [f"ge{MONDAY}", "lt2026-03-14"],
                "status": "free",
                "_count": 200,
            },
        )
    )
    for entry in bundle["entry"]:
        start = datetime.fromisoformat(entry["resource"]["start"])
        end = datetime.fromisoformat(entry["resource"]["end"])
        owner = int(entry["resource"]["schedule"]["reference"].split("/")[1])
        assert any(a <= start and end <= b and c == owner for a, b, c in engine), entry
    # five days of 9 hourly and 18 half-hourly slots, less the past (3 + 5), what is booked
    # (2 + 1) and the time off (9)
    assert bundle["total"] == 45 + 90 - 3 - 5 - 2 - 1 - 9


def book_slot(client, patient, *slot_ids):
    appointment = {
        "resourceType": "Appointment",
        "status": "pending",
        "slot": [{"reference": f"Slot/{pk}"} for pk in slot_ids],
        "participant": [{"actor": {"reference": f"Patient/{patient.pk}"}, "status": "accepted"}],
    }
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "appointment-resource", "resource": appointment}],
    }
    return client.post(
        "/fhir/R4/Appointment/$book", json.dumps(body), content_type="application/fhir+json"
    )


def test_a_slot_is_booked_by_reference_and_then_busy(as_navigator, center, alice):
    surgeon = center.first("neurosurgery")
    ten = slot_id(surgeon.pk, at(10), at(11))
    booked = ok(book_slot(as_navigator, alice, ten))
    (entry,) = booked["entry"]
    assert (entry["resource"]["start"], entry["resource"]["end"]) == (
        "2026-03-09T14:00:00Z",
        "2026-03-09T15:00:00Z",
    )
    assert ok(as_navigator.get(f"/fhir/R4/Slot/{ten}"))["status"] == "busy"
    assert "is not free" in outcome_of(book_slot(as_navigator, alice, ten), 409, "conflict")
    odd = slot_id(surgeon.pk, at(10, 5), at(11, 5))
    response = book_slot(as_navigator, alice, odd)
    assert "is not one of our slots" in outcome_of(response, 400, "invalid")
    assert response.json()["issue"][0]["expression"] == ["Appointment.slot[0]"]
    assert Appointment.objects.count() == 1
