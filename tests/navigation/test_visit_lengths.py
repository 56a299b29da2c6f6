"""A visit lasts its visit type's minutes: a shorter (or longer) end or `minutes` is a
400 naming the field, nothing written, so a 5-minute MRI cannot free the scanner 40
minutes early for the next search. Only an emergency's override sets its own length."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.models import (
    Appointment,
    AppointmentResource,
    AvailabilityTemplate,
    Hold,
    Itinerary,
    Resource,
    VisitType,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)  # Friday evening; Monday is 2026-03-09
AT_11 = datetime(2026, 3, 9, 11, tzinfo=NY)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def mri(center):
    """The Tower's MRI scanner, open 08:00-17:00, and the 45-minute MRI visit needing it."""
    scanner = Resource.objects.create(
        name="MRI 3T-1", kind="equipment", equipment="mri_3t", location=center.tower
    )
    for weekday in range(5):
        AvailabilityTemplate.objects.create(
            resource=scanner,
            weekday=weekday,
            start_time=time(8),
            end_time=time(17),
            location=center.tower,
            valid_from=date(2026, 1, 1),
        )
    VisitType.objects.create(
        specialty="neuroradiology",
        name="MRI brain with contrast",
        minutes=45,
        needs=["mri"],
        new_patient=True,
    )
    return scanner


def _nothing_written():
    assert not Appointment.objects.exists()
    assert not AppointmentResource.objects.exists()
    assert not Itinerary.objects.exists() and not Hold.objects.exists()


def test_a_five_minute_mri_is_refused_naming_its_end(as_navigator, center, alice, mri):
    reader = center.first("neuroradiology")
    visit = {
        "clinician": reader.pk,
        "start": AT_11.isoformat(),
        "end": (AT_11 + timedelta(minutes=5)).isoformat(),
    }
    refused = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [visit]})
    assert refused.status_code == 400, refused.json()
    body = refused.json()
    assert body["code"] == "wrong_length"
    assert body["message"].startswith(
        "“MRI brain with contrast” (neuroradiology) lasts 45 minutes; this one was asked "
        "to end at 11:05 (5 minutes)."
    )
    assert list(body["fields"]) == ["end"]
    _nothing_written()
    # the same visit of its own length books, the scanner taken until 11:45
    ok = {**visit, "end": (AT_11 + timedelta(minutes=45)).isoformat()}
    booked = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [ok]})
    assert booked.status_code == 201, booked.json()
    row = AppointmentResource.objects.get(resource=mri)
    assert row.end == AT_11 + timedelta(minutes=45)


def test_a_twenty_minute_mri_with_its_visit_type_given_is_refused_in_a_plan(
    as_navigator, center, alice, mri
):
    mri_type = VisitType.objects.get(name="MRI brain with contrast")
    visits = [
        {
            "clinician": center.first("neuroradiology").pk,
            "start": AT_11.isoformat(),
            "minutes": 20,
            "visit_type": mri_type.pk,
        },
        {
            "clinician": center.first("neurosurgery").pk,
            "start": (AT_11 + timedelta(hours=1)).isoformat(),
        },
    ]
    for path in ("itineraries", "holds"):
        refused = as_navigator.post(f"/api/v1/{path}/", {"patient": alice.pk, "visits": visits})
        assert refused.status_code == 400, refused.json()
        assert list(refused.json()["fields"]) == ["visits.0.minutes"]
        assert "lasts 45 minutes; this one was asked for 20 minutes" in refused.json()["message"]
    _nothing_written()


def test_srs_planning_booked_for_45_of_its_60_minutes_is_refused(as_navigator, center, alice):
    ct = Resource.objects.create(
        name="CT sim", kind="equipment", equipment="ct_simulator", location=center.tower
    )
    AvailabilityTemplate.objects.create(
        resource=ct,
        weekday=0,
        start_time=time(8),
        end_time=time(17),
        location=center.tower,
        valid_from=date(2026, 1, 1),
    )
    srs = VisitType.objects.create(
        specialty="radiation_oncology", name="SRS planning", minutes=60, needs=["ct_simulator"]
    )
    ten = datetime(2026, 3, 9, 10, tzinfo=NY)
    visit = {
        "clinician": center.first("radiation_oncology").pk,
        "start": ten.isoformat(),
        "end": (ten + timedelta(minutes=45)).isoformat(),
        "visit_type": srs.pk,
    }
    refused = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [visit]})
    assert refused.status_code == 400, refused.json()
    assert "“SRS planning” (radiation oncology) lasts 60 minutes" in refused.json()["message"]
    _nothing_written()


def test_a_single_appointment_takes_its_specialty_length_unless_an_emergency_overrides(
    as_navigator, center, alice
):
    surgeon = center.first("neurosurgery")
    body = {"patient": alice.pk, "clinician": surgeon.pk, "start": AT_11.isoformat()}
    refused = as_navigator.post("/api/v1/appointments/", {**body, "minutes": 15})
    assert refused.status_code == 400, refused.json()
    assert refused.json()["fields"] == {"minutes": [refused.json()["message"]]}
    assert "(neurosurgery) lasts 60 minutes; this one was asked for 15" in refused.json()["message"]
    _nothing_written()
    booked = as_navigator.post("/api/v1/appointments/", body)
    assert booked.status_code == 201, booked.json()
    assert datetime.fromisoformat(booked.json()["end"]) == AT_11 + timedelta(minutes=60)
