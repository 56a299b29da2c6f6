"""The search loader hands the engine the same free time however it cuts the horizon
into chunks of days: holidays, extra sessions, time off, booked and held visits, the
patient's own visits and the resources' calendars (an interpreter's walk included) all
land on the same dates, so a search finds the same options whether its first week
holds them or not."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from navigation import selectors
from navigation.models import (
    Appointment,
    AppointmentResource,
    ClinicHoliday,
    Clinician,
    ExtraSession,
    Resource,
    TimeOff,
)
from tests.navigation.test_resources import interpreter, scanner

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 3, 9)

pytestmark = pytest.mark.django_db
__all__ = ["interpreter", "scanner"]  # fixtures, used by name


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), NY)


@pytest.fixture
def busy_fortnight(center, alice, bob, scanner, interpreter):
    """Two weeks with something on most days, across the DST change of 8 March + 1 week."""
    surgeon = center.first("neurosurgery")
    oncologist = center.first("radiation_oncology")
    ClinicHoliday.objects.create(date=MONDAY + timedelta(days=8), name="Closed")  # Tue, week 2
    ClinicHoliday.objects.create(
        date=MONDAY + timedelta(days=3), location=center.pavilion, name="Pavilion closed"
    )
    ExtraSession.objects.create(  # a Saturday clinic in week 2
        clinician=surgeon,
        date=MONDAY + timedelta(days=12),
        start_time=time(9),
        end_time=time(12),
        location=center.tower,
    )
    ExtraSession.objects.create(
        resource=interpreter,
        date=MONDAY + timedelta(days=12),
        start_time=time(9),
        end_time=time(12),
        location=center.pavilion,
    )
    TimeOff.objects.create(
        clinician=oncologist,
        start=at(MONDAY + timedelta(days=1), 12),
        end=at(MONDAY, 9) + timedelta(days=9),
    )
    TimeOff.objects.create(
        resource=scanner,
        start=at(MONDAY + timedelta(days=2), 14),
        end=at(MONDAY + timedelta(days=2), 15),
    )
    for n, (clinician, day, hour) in enumerate(
        [(surgeon, 0, 9), (surgeon, 0, 10), (surgeon, 6, 16), (oncologist, 10, 8)]
    ):
        Appointment.objects.create(
            patient=alice if n == 2 else bob,
            clinician=clinician,
            specialty=clinician.specialty,
            location=center.tower,
            start=at(MONDAY + timedelta(days=day), hour),
            end=at(MONDAY + timedelta(days=day), hour, 45),
        )
    visit = Appointment.objects.create(
        patient=bob,
        clinician=center.first("pain_medicine"),
        specialty="pain_medicine",
        location=center.pavilion,
        start=at(MONDAY + timedelta(days=7), 11),
        end=at(MONDAY + timedelta(days=7), 11, 30),
    )
    AppointmentResource.objects.create(
        appointment=visit, resource=interpreter, start=visit.start, end=visit.end
    )
    return alice


@pytest.mark.parametrize("chunk_days", [1, 2, 3, 7])
def test_the_free_time_is_the_same_however_the_days_are_chunked(busy_fortnight, chunk_days):
    clinicians = list(Clinician.objects.filter(active=True))
    resources = list(Resource.objects.all())

    def calendars(days: int) -> list:
        return list(
            selectors.free_days(
                clinicians=clinicians,
                first=MONDAY,
                last=MONDAY + timedelta(days=13),
                patient_id=busy_fortnight.pk,
                not_before=at(MONDAY, 8, 30),
                chunk_days=days,
                resources=resources,
            )
        )

    whole = calendars(14)
    assert calendars(chunk_days) == whole
    by_day = {c.day: c for c in whole}
    assert not by_day[MONDAY + timedelta(days=8)].clinicians  # the holiday
    saturday = by_day[MONDAY + timedelta(days=12)]
    assert [c.specialty for c in saturday.clinicians] == ["neurosurgery"]
    assert [r.resource_id for r in saturday.resources] == [
        r.pk for r in resources if r.kind == "interpreter"
    ]
