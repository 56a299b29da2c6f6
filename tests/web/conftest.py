"""Web-page fixtures: a fixed clock, referrals of each urgency, a tumor board with a case,
logged-in clients."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from board.models import Meeting
from board.services.cases import case_submit
from patients.services import referral_create
from tests.center import board_series

NY = ZoneInfo("America/New_York")
# A Monday morning before clinics open: the whole day is still free.
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=NY)
# The Tuesday after, half an hour before the 07:00 board: check-in is open.
BOARD_NOW = datetime(2026, 3, 3, 6, 30, tzinfo=NY)


def frozen_at(moment: datetime, tick: bool = False):
    return time_machine.travel(moment, tick=tick)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_referral(patient, *, received_at=None, now=NOW, **picture):
    fields = {
        "referring_oncologist": "Dr. Helen Park",
        "referring_practice": "Riverside Oncology",
        "primary_cancer": "breast",
        "sites": "brain",
    }
    fields.update(picture)
    return referral_create(
        now=now, patient=patient, received_at=received_at or now - timedelta(hours=2), **fields
    )


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Personas are made for every test; a slow hasher would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def emergency(alice):
    """Brain metastases with mass effect, received 17 hours ago: due in 24 hours, 7 left
    (under a third of its window), so at risk."""
    return make_referral(
        alice, received_at=NOW - timedelta(hours=17), mass_effect=True, brain_symptomatic=True
    )


@pytest.fixture
def routine(bob):
    """Spine, no red flag: due 72 hours after receipt, on track."""
    return make_referral(
        bob, sites="spine", primary_cancer="prostate", received_at=NOW - timedelta(hours=1)
    )


@pytest.fixture
def radiation(center, sam):
    clinician = center.first("radiation_oncology")
    clinician.user = sam
    clinician.save()
    return clinician


@pytest.fixture
def meeting(center, radiation):
    series, _ = board_series(center, now=BOARD_NOW)
    return Meeting.objects.get(series=series, date=date(2026, 3, 3))


@pytest.fixture
def board_case(meeting, alice, nina):
    referral = make_referral(
        alice, mass_effect=True, now=BOARD_NOW, received_at=datetime(2026, 2, 28, 9, tzinfo=NY)
    )
    return case_submit(  # before the cutoff, 48 hours before the meeting
        meeting=meeting,
        referral=referral,
        question="Radiosurgery or resection?",
        by=nina,
        now=datetime(2026, 2, 28, 10, tzinfo=NY),
        imaging_available=True,
    )
