"""A small center every navigation test can use: two buildings 15 minutes apart, one or
two clinicians per specialty, clinics Monday to Friday 08:00-17:00 clinic time."""

from dataclasses import dataclass
from datetime import date, time

import pytest

from navigation.models import (
    AvailabilityTemplate,
    Clinician,
    Location,
    TravelBuffer,
    VisitType,
)

CLINICIANS = [
    ("Dr. Nora Reyes", "neurosurgery", "tower"),
    ("Dr. Paul Singh", "neurosurgery", "tower"),
    ("Dr. Ruth Kim", "spine_surgery", "tower"),
    ("Dr. Ravi Shah", "radiation_oncology", "pavilion"),
    ("Dr. Meg Olsen", "medical_oncology", "pavilion"),
    ("MRI suite", "neuroradiology", "tower"),
    ("Dr. Ana Pires", "pain_medicine", "pavilion"),
    ("Dr. Lee Wong", "palliative_care", "pavilion"),
    ("Dr. Jon Berg", "rehabilitation", "tower"),
]


@dataclass
class Center:
    tower: Location
    pavilion: Location
    clinicians: dict[str, Clinician]

    def first(self, specialty: str) -> Clinician:
        return next(c for c in self.clinicians.values() if c.specialty == specialty)


@pytest.fixture
def center(db):
    tower = Location.objects.create(name="Tower", time_zone="America/New_York")
    pavilion = Location.objects.create(name="Pavilion", time_zone="America/New_York")
    TravelBuffer.objects.create(from_location=tower, to_location=pavilion, minutes=15)
    places = {"tower": tower, "pavilion": pavilion}
    clinicians = {}
    for name, specialty, place in CLINICIANS:
        clinician = Clinician.objects.create(
            name=name, specialty=specialty, home_location=places[place]
        )
        clinicians[name] = clinician
        for weekday in range(5):
            AvailabilityTemplate.objects.create(
                clinician=clinician,
                weekday=weekday,
                start_time=time(8),
                end_time=time(17),
                location=places[place],
                valid_from=date(2026, 1, 1),
            )
    for specialty, minutes in [
        ("neurosurgery", 60),
        ("radiation_oncology", 45),
        ("neuroradiology", 60),
        ("pain_medicine", 30),
    ]:
        VisitType.objects.create(specialty=specialty, name="New patient", minutes=minutes)
    return Center(tower, pavilion, clinicians)


def board_series(center: Center, *, now):
    """The weekly board of the small center: Tuesdays 07:00-08:30 in the Tower, everyone a
    member plus a pathologist (the center has none otherwise). Returns (series, pathologist)."""
    from board.services.meetings import series_create

    pathologist = Clinician.objects.create(
        name="Dr. Ines Costa", specialty="pathology", home_location=center.pavilion
    )
    series = series_create(
        name="Brain & spine tumor board",
        weekday=1,
        start_time=time(7),
        end_time=time(8, 30),
        location=center.tower,
        case_capacity=10,
        starts_on=date(2026, 1, 1),
        members=[*center.clinicians.values(), pathologist],
        now=now,
    )
    return series, pathologist


def social_worker(center: Center, *, weekday: int) -> Clinician:
    """A psychosocial-care clinician (the small center has none) seeing patients on one
    weekday, 09:00-10:00 in the Pavilion."""
    worker = Clinician.objects.create(
        name="Kim Dale, LCSW", specialty="psychosocial", home_location=center.pavilion
    )
    AvailabilityTemplate.objects.create(
        clinician=worker,
        weekday=weekday,
        start_time=time(9),
        end_time=time(10),
        location=center.pavilion,
        valid_from=date(2026, 1, 1),
    )
    return worker
