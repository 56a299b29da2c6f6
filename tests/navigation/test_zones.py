"""Every clinic in its own time zone: sessions, dates, the grid and "today" are on the
wall clock of the location, whatever the server's TIME_ZONE (PRODUCT.md, "Time")."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation import services
from navigation.models import AvailabilityTemplate, Clinician, Location, TravelBuffer
from navigation.services import ItinerarySearch

pytestmark = pytest.mark.django_db

HONOLULU = ZoneInfo("Pacific/Honolulu")  # west of the server, no DST
ADELAIDE = ZoneInfo("Australia/Adelaide")  # east, half-hour offset, DST ends 5 Apr 2026
LOS_ANGELES = ZoneInfo("America/Los_Angeles")  # DST 8 Mar and 1 Nov 2026
KOLKATA = ZoneInfo("Asia/Kolkata")  # +05:30 all year


@pytest.fixture(autouse=True)
def server_elsewhere(settings):
    """The server's zone is none of the clinics'."""
    settings.TIME_ZONE = "Europe/Berlin"


def clinic(name: str, zone: ZoneInfo, start: time, end: time, *specialties: str):
    place = Location.objects.create(name=name, time_zone=str(zone))
    made = []
    for specialty in specialties:
        clinician = Clinician.objects.create(
            name=f"Dr. {specialty} of {name}", specialty=specialty, home_location=place
        )
        for weekday in range(5):
            AvailabilityTemplate.objects.create(
                clinician=clinician,
                weekday=weekday,
                start_time=start,
                end_time=end,
                location=place,
                valid_from=date(2026, 1, 1),
            )
        made.append(clinician)
    return place, made


def book(client, patient, clinician, start: datetime):
    return client.post(
        "/api/v1/appointments/",
        {"patient": patient.pk, "clinician": clinician.pk, "start": start.isoformat()},
    )


def test_it_books_a_honolulu_clinic_up_to_its_last_local_hour(as_navigator, alice):
    _, (surgeon,) = clinic("Queens", HONOLULU, time(12), time(19), "neurosurgery")
    with time_machine.travel(datetime(2026, 3, 16, 9, tzinfo=HONOLULU), tick=False):
        # 18:00 Honolulu is 04:00 the next day in UTC and 05:00 in Berlin.
        late = book(as_navigator, alice, surgeon, datetime(2026, 3, 18, 18, tzinfo=HONOLULU))
        assert late.status_code == 201, late.json()
        too_late = book(
            as_navigator, alice, surgeon, datetime(2026, 3, 19, 18, 30, tzinfo=HONOLULU)
        )
        assert too_late.status_code == 400
        assert too_late.json()["fields"] == {"start": [too_late.json()["message"]]}
        assert "Thu 19 Mar 18:30 (Pacific/Honolulu)" in too_late.json()["message"]


def test_a_same_day_plan_in_honolulu_is_one_local_date(as_navigator, alice):
    place, (surgeon, oncologist) = clinic(
        "Queens", HONOLULU, time(12), time(19), "neurosurgery", "radiation_oncology"
    )
    with time_machine.travel(datetime(2026, 3, 16, 9, tzinfo=HONOLULU), tick=False):
        found = services.itinerary_search(
            patient=alice,
            search=ItinerarySearch(
                specialties=("neurosurgery", "radiation_oncology"),
                first=date(2026, 3, 17),
                last=date(2026, 3, 17),
            ),
            now=datetime(2026, 3, 16, 9, tzinfo=HONOLULU),
        )
    (option,) = found.options
    assert option.day == date(2026, 3, 17)
    assert option.visits[0].start == datetime(2026, 3, 17, 12, tzinfo=HONOLULU)
    assert {v.start.astimezone(HONOLULU).date() for v in option.visits} == {date(2026, 3, 17)}


@pytest.mark.parametrize(
    "zone, day, local",
    [
        (ADELAIDE, date(2026, 4, 3), time(8, 30)),  # Friday before DST ends (+10:30)
        (ADELAIDE, date(2026, 4, 6), time(8, 30)),  # Monday after it ended (+09:30)
        (KOLKATA, date(2026, 4, 6), time(8, 30)),  # +05:30
        (LOS_ANGELES, date(2026, 3, 6), time(8)),  # PST, before spring forward
        (LOS_ANGELES, date(2026, 3, 9), time(8)),  # PDT, after it
        (LOS_ANGELES, date(2026, 11, 2), time(8)),  # PST again, after fall back
    ],
)
def test_the_first_slot_is_the_sessions_first_local_minute_across_zones_and_dst(
    as_navigator, alice, zone, day, local
):
    _, (surgeon,) = clinic("Far clinic", zone, local, time(16), "neurosurgery")
    start = datetime.combine(day, local, tzinfo=zone)
    with time_machine.travel(datetime(2026, 3, 1, tzinfo=zone), tick=False):
        found = services.itinerary_search(
            patient=alice,
            search=ItinerarySearch(specialties=("neurosurgery",), first=day, last=day),
            now=datetime(2026, 3, 1, tzinfo=zone),
        )
        assert found.options[0].visits[0].start == start
        assert book(as_navigator, alice, surgeon, start).status_code == 201


def test_the_patients_window_is_on_the_clinics_wall_clock(alice):
    clinic("Queens", HONOLULU, time(8), time(17), "neurosurgery")
    found = services.itinerary_search(
        patient=alice,
        search=ItinerarySearch(
            specialties=("neurosurgery",),
            first=date(2026, 3, 17),
            last=date(2026, 3, 17),
            window=(time(13), time(17)),
        ),
        now=datetime(2026, 3, 16, 9, tzinfo=HONOLULU),
    )
    assert found.options[0].visits[0].start == datetime(2026, 3, 17, 13, tzinfo=HONOLULU)


def test_consult_options_offer_a_honolulu_slot_on_its_local_day(as_navigator, alice):
    from patients.services import referral_create

    clinic("Queens", HONOLULU, time(12), time(19), "neurosurgery")
    now = datetime(2026, 3, 16, 20, tzinfo=HONOLULU)  # Monday evening there
    with time_machine.travel(now, tick=False):
        referral = referral_create(
            patient=alice,
            referring_oncologist="Dr. Park",
            primary_cancer="lung",
            sites="brain",
            received_at=now,
        )
        body = as_navigator.get(f"/api/v1/referrals/{referral.pk}/consult-options/").json()
    first = datetime.fromisoformat(body["slots"][0]["start"])
    assert first == datetime(2026, 3, 17, 12, tzinfo=HONOLULU)
    assert body["meets_deadline"] is True


def test_walking_between_clinics_counts_across_zones_too(alice):
    """Buffers are per pair of locations, wherever they are."""
    queens, (surgeon,) = clinic("Queens", HONOLULU, time(8), time(17), "neurosurgery")
    kapiolani, (oncologist,) = clinic(
        "Kapiolani", HONOLULU, time(8), time(17), "radiation_oncology"
    )
    TravelBuffer.objects.create(from_location=queens, to_location=kapiolani, minutes=20)
    found = services.itinerary_search(
        patient=alice,
        search=ItinerarySearch(
            specialties=("neurosurgery", "radiation_oncology"),
            first=date(2026, 3, 17),
            last=date(2026, 3, 17),
        ),
        now=datetime(2026, 3, 16, 9, tzinfo=HONOLULU),
    )
    option = found.options[0]
    assert (option.total_wait, option.total_travel) == (0, 20)
    first, second = option.visits
    assert (second.start - first.end).total_seconds() == 20 * 60
