"""The board's test world: a Tuesday 07:00-08:30 board with every quorum specialty among
its members, sam signing as the radiation oncologist, and referrals of each urgency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from board.models import Series
from navigation.models import Clinician
from patients.models import Patient
from patients.services import referral_create
from tests.center import board_series
from tests.conftest import make_user

NY = ZoneInfo("America/New_York")
# Thursday before the DST change; "next Tuesday" is 10 March, after it.
NOW = datetime(2026, 3, 5, 9, 0, tzinfo=NY)
NEXT_TUESDAY = date(2026, 3, 10)

PICTURES = {
    "emergency": {
        "sites": "spine",
        "neuro_status": "new_deficit",
        "weakness": True,
        "pain_score": 8,
        "bilsky_grade": "3",
    },
    "urgent": {
        "sites": "spine",
        "pain_score": 6,
        "sins_location": "junctional",
        "sins_pain": "mechanical",
        "sins_lesion": "lytic",
        "sins_alignment": "normal",
        "sins_collapse": "under_50",
        "sins_posterolateral": "unilateral",
        "bilsky_grade": "1b",
    },
    "routine": {"sites": "brain"},
}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The personas' passwords are never typed here: hash them cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Board:
    series: Series
    pathologist: Clinician
    radiation_oncologist: Clinician


@pytest.fixture
def board(center, sam):
    radiation = center.first("radiation_oncology")
    radiation.user = sam
    radiation.save()
    series, pathologist = board_series(center, now=NOW)
    return Board(series, pathologist, radiation)


def new_patient(n: int) -> Patient:
    return Patient.objects.create(
        mrn=f"MRN-B{n:03d}",
        first_name=f"Pat{n}",
        last_name="Board",
        birth_date=date(1960, 1, 1),
        email=f"pat{n}@example.org",
    )


def new_referral(patient: Patient, urgency: str = "routine", *, received_at=None, **extra):
    fields = {**PICTURES[urgency], **extra}
    return referral_create(
        patient=patient,
        referring_oncologist="Dr. Helen Park",
        referring_email="hpark@riverside.example",
        primary_cancer=fields.pop("primary_cancer", "kidney"),
        received_at=received_at or NOW,
        now=NOW,
        **fields,
    )


@pytest.fixture
def pathologist_user(board):
    user = make_user("paula", "specialist")
    board.pathologist.user = user
    board.pathologist.save()
    return user
