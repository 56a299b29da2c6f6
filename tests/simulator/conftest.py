"""A one-surgeon clinic small enough to count by hand: Dr. Solo (neurosurgery) works
Tuesdays and Thursdays 09:00-11:00 clinic time; a new consult takes 60 minutes, so each
session holds two consults and a week four."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from navigation.models import AvailabilityTemplate, Clinician, Location, VisitType

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 4, 6)  # after the March DST change: every time below is EDT


def at(day: int, hour: int) -> datetime:
    """April `day`, `hour`:00 clinic time."""
    return datetime(2026, 4, day, hour, tzinfo=NY)


@pytest.fixture
def solo(db):
    clinic = Location.objects.create(name="Solo clinic", time_zone="America/New_York")
    surgeon = Clinician.objects.create(
        name="Dr. Solo", specialty="neurosurgery", home_location=clinic
    )
    for weekday in (1, 3):
        AvailabilityTemplate.objects.create(
            clinician=surgeon,
            weekday=weekday,
            start_time=time(9),
            end_time=time(11),
            location=clinic,
            valid_from=date(2026, 1, 1),
        )
    VisitType.objects.create(specialty="neurosurgery", name="New patient", minutes=60)
    return surgeon
