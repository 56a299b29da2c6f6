"""Slot search: clinic sessions cut into free, busy (bookings) and busy-unavailable (time
off), checked against what is booked."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from interop.mapping import slot_id
from navigation.models import ExtraSession, TimeOff
from navigation.services import VisitRequest, appointment_book, appointment_cancel
from tests.interop.fhir_check import ok, outcome_of

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


def book(patient, clinician, start, nina, minutes=None):
    return appointment_book(
        patient=patient,
        visit=VisitRequest(clinician=clinician, start=start, minutes=minutes),
        by=nina,
        now=NOW,
    )


def test_a_free_clinic_day_is_one_free_slot_in_utc(as_navigator, center):
    surgeon = center.first("neurosurgery")
    assert slots(as_navigator, surgeon) == [
        ("free", "2026-03-09T12:00:00Z", "2026-03-09T21:00:00Z")  # 08:00-17:00 EDT
    ]


def test_a_booked_visit_is_busy_and_never_inside_a_free_slot(
    as_navigator, center, alice, bob, nina
):
    surgeon = center.first("neurosurgery")
    book(alice, surgeon, at(10), nina)
    book(bob, surgeon, at(14, 30), nina, minutes=30)
    assert slots(as_navigator, surgeon) == [
        ("free", "2026-03-09T12:00:00Z", "2026-03-09T14:00:00Z"),
        ("busy", "2026-03-09T14:00:00Z", "2026-03-09T15:00:00Z"),
        ("free", "2026-03-09T15:00:00Z", "2026-03-09T18:30:00Z"),
        ("busy", "2026-03-09T18:30:00Z", "2026-03-09T19:00:00Z"),
        ("free", "2026-03-09T19:00:00Z", "2026-03-09T21:00:00Z"),
    ]
    assert [s[0] for s in slots(as_navigator, surgeon, status="free")] == ["free"] * 3
    assert len(slots(as_navigator, surgeon, status="busy")) == 2


def test_a_busy_slot_says_nothing_about_who_is_booked(as_navigator, center, alice, nina):
    surgeon = center.first("neurosurgery")
    book(alice, surgeon, at(10), nina)
    response = as_navigator.get("/fhir/R4/Slot", {"schedule": surgeon.pk, "status": "busy"})
    assert b"Archer" not in response.content and b"Patient" not in response.content


def test_a_cancelled_visit_frees_its_time_again(as_navigator, center, alice, nina):
    surgeon = center.first("neurosurgery")
    appointment = book(alice, surgeon, at(10), nina)
    appointment_cancel(appointment=appointment, reason="", by=nina, now=NOW)
    assert slots(as_navigator, surgeon) == [
        ("free", "2026-03-09T12:00:00Z", "2026-03-09T21:00:00Z")
    ]


def test_time_off_is_busy_unavailable(as_navigator, center):
    surgeon = center.first("neurosurgery")
    TimeOff.objects.create(clinician=surgeon, start=at(12), end=at(13), reason="Tumor board")
    assert slots(as_navigator, surgeon) == [
        ("free", "2026-03-09T12:00:00Z", "2026-03-09T16:00:00Z"),
        ("busy-unavailable", "2026-03-09T16:00:00Z", "2026-03-09T17:00:00Z"),
        ("free", "2026-03-09T17:00:00Z", "2026-03-09T21:00:00Z"),
    ]
    response = as_navigator.get("/fhir/R4/Slot", {"schedule": surgeon.pk})
    assert b"Tumor board" not in response.content  # the reason stays private


def test_an_extra_session_overlapping_the_template_adds_only_its_new_time(as_navigator, center):
    surgeon = center.first("neurosurgery")
    ExtraSession.objects.create(
        clinician=surgeon,
        date=date(2026, 3, 9),
        start_time=time(16),
        end_time=time(19),
        location=center.tower,
    )
    assert slots(as_navigator, surgeon) == [
        ("free", "2026-03-09T12:00:00Z", "2026-03-09T23:00:00Z")  # 08:00-19:00 EDT
    ]


def test_no_free_time_is_offered_in_the_past(as_navigator, center, frozen):
    surgeon = center.first("neurosurgery")
    frozen.move_to(at(10, 2))
    assert slots(as_navigator, surgeon) == [
        ("free", "2026-03-09T14:05:00Z", "2026-03-09T21:00:00Z")  # from 10:05, on the grid
    ]


def test_without_dates_it_shows_the_coming_week(as_navigator, center):
    surgeon = center.first("neurosurgery")
    bundle = ok(as_navigator.get("/fhir/R4/Slot", {"schedule": surgeon.pk, "status": "free"}))
    days = [e["resource"]["start"][:10] for e in bundle["entry"]]
    assert days == ["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12"]  # to Thu 23:59


def test_a_slot_reads_back_by_its_id_until_it_is_booked(as_navigator, center, alice, nina):
    surgeon = center.first("neurosurgery")
    (entry,) = ok(
        as_navigator.get(
            "/fhir/R4/Slot", {"schedule": surgeon.pk, "start": [f"ge{MONDAY}", "lt2026-03-10"]}
        )
    )["entry"]
    assert ok(as_navigator.get(entry["fullUrl"])) == entry["resource"]
    book(alice, surgeon, at(10), nina)
    outcome_of(as_navigator.get(entry["fullUrl"]), 404, "not-found")
    busy = slot_id(surgeon.pk, at(10), at(11))
    assert ok(as_navigator.get(f"/fhir/R4/Slot/{busy}"))["status"] == "busy"
    outcome_of(as_navigator.get("/fhir/R4/Slot/not-a-slot"), 404, "not-found")


def test_slots_of_every_clinician_come_in_pages(as_navigator, center):
    query = {"start": [f"ge{MONDAY}", "lt2026-03-10"], "status": "free", "_count": 4}
    url, seen = "/fhir/R4/Slot", []
    while url:
        bundle = ok(as_navigator.get(url, query))
        assert bundle["total"] == len(center.clinicians)
        seen += [e["resource"]["schedule"]["reference"] for e in bundle["entry"]]
        url = next((lk["url"] for lk in bundle["link"] if lk["relation"] == "next"), None)
        query = None  # the next link carries the whole query
    assert sorted(seen) == sorted(f"Schedule/{c.pk}" for c in center.clinicians.values())


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
    assert bundle["total"] == 2


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


def test_free_slots_are_exactly_the_free_time_the_itinerary_engine_is_fed(
    as_navigator, center, alice, bob, nina, frozen
):
    from navigation.selectors import free_days

    surgeon, pain = center.first("neurosurgery"), center.first("pain_medicine")
    book(alice, surgeon, at(9, 5), nina)
    book(bob, surgeon, at(11, 20, day=10), nina, minutes=45)
    book(alice, pain, at(15, day=11), nina)
    TimeOff.objects.create(clinician=pain, start=at(8, day=12), end=at(12, 30, day=12))
    frozen.move_to(at(10, 2))
    engine = sorted(
        (f.start, f.end, c.clinician_id)
        for day in free_days(
            clinicians=[surgeon, pain],
            first=date(2026, 3, 9),
            last=date(2026, 3, 13),
            not_before=at(10, 5),
        )
        for c in day.clinicians
        for f in c.free
    )
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
    fhir = sorted(
        (
            datetime.fromisoformat(e["resource"]["start"]),
            datetime.fromisoformat(e["resource"]["end"]),
            int(e["resource"]["schedule"]["reference"].split("/")[1]),
        )
        for e in bundle["entry"]
    )
    assert fhir == engine
    assert len(fhir) == 12  # six each: the bookings and time off split three days
