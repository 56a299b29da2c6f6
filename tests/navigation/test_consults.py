"""The 72-hour consult: slots before the deadline, or the earliest after it, flagged."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation import services
from navigation.models import Appointment, TimeOff
from notifications.models import Alert
from patients.models import Patient, Referral
from patients.services import referral_create

NY = ZoneInfo("America/New_York")
FRIDAY_EVENING = datetime(2026, 3, 6, 18, 45, tzinfo=NY)  # DST starts Sunday 8 March

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FRIDAY_EVENING, tick=False) as traveller:
        yield traveller


def refer(patient, **picture) -> Referral:
    return referral_create(
        patient=patient,
        referring_oncologist="Dr. Park",
        primary_cancer="lung",
        sites=picture.pop("sites", "brain"),
        received_at=FRIDAY_EVENING,
        **picture,
    )


def test_a_friday_evening_referral_is_offered_monday_morning_before_its_deadline(
    as_navigator, center, alice
):
    referral = refer(alice)
    body = as_navigator.get(f"/api/v1/referrals/{referral.pk}/consult-options/").json()
    assert body["meets_deadline"] is True
    first = body["slots"][0]
    # Monday 9 March, 08:00 on the wall clock although the clocks moved on Sunday.
    assert datetime.fromisoformat(first["start"]) == datetime(2026, 3, 9, 8, 0, tzinfo=NY)
    assert first["specialty"] in {"neurosurgery", "radiation_oncology"}
    due = datetime.fromisoformat(body["consult_due_at"])
    assert all(datetime.fromisoformat(s["start"]) < due for s in body["slots"])
    assert not any(s["late"] for s in body["slots"])


def test_spine_referrals_are_offered_spine_surgery_or_neurosurgery(as_navigator, center, alice):
    referral = refer(alice, sites="spine")
    slots = as_navigator.get(f"/api/v1/referrals/{referral.pk}/consult-options/").json()["slots"]
    assert {s["specialty"] for s in slots} <= {"spine_surgery", "neurosurgery"}
    assert slots


def test_an_unmeetable_deadline_is_shown_late_and_the_watch_marks_and_alerts_once(
    as_navigator, center, alice
):
    for clinician in center.clinicians.values():
        TimeOff.objects.create(
            clinician=clinician,
            reason="conference",
            start=datetime(2026, 3, 9, tzinfo=NY),
            end=datetime(2026, 3, 11, tzinfo=NY),
        )
    referral = refer(alice)
    body = as_navigator.get(f"/api/v1/referrals/{referral.pk}/consult-options/").json()
    assert body["meets_deadline"] is False
    assert "No slot starts before the deadline" in body["message"]
    assert body["slots"] and all(s["late"] for s in body["slots"])
    assert datetime.fromisoformat(body["slots"][0]["start"]) == datetime(2026, 3, 11, 8, tzinfo=NY)
    # Reads do not write: the options page flags nothing; the watch does.
    assert not Alert.objects.filter(kind="no_slot", referral=referral).exists()
    assert services.consult_slot_watch(now=FRIDAY_EVENING) == 1
    assert Alert.objects.filter(kind="no_slot", referral=referral).count() == 1
    shown = as_navigator.get(f"/api/v1/referrals/{referral.pk}/").json()
    assert shown["sla_status"] == "at_risk"
    services.consult_slot_watch(now=FRIDAY_EVENING)
    assert Alert.objects.filter(kind="no_slot", referral=referral).count() == 1  # once


def test_booking_the_consult_meets_the_referral(as_navigator, center, alice):
    referral = refer(alice)
    slot = as_navigator.get(f"/api/v1/referrals/{referral.pk}/consult-options/").json()["slots"][0]
    response = as_navigator.post(
        "/api/v1/appointments/",
        {
            "patient": alice.pk,
            "clinician": slot["clinician"],
            "start": slot["start"],
            "referral": referral.pk,
            "is_consult": True,
        },
    )
    assert response.status_code == 201, response.json()
    body = as_navigator.get(f"/api/v1/referrals/{referral.pk}/").json()
    assert body["sla_status"] == "met"
    assert datetime.fromisoformat(body["consult_at"]) == datetime.fromisoformat(slot["start"])


def test_the_consult_slots_skip_booked_time(as_navigator, center, alice):
    referral = refer(alice)
    for index, name in enumerate(("Dr. Nora Reyes", "Dr. Paul Singh", "Dr. Ravi Shah")):
        other = Patient.objects.create(
            mrn=f"OTHER{index}", first_name="O", last_name="T", birth_date=date(1950, 1, 1)
        )
        Appointment.objects.create(
            patient=other,
            clinician=center.clinicians[name],
            specialty="neurosurgery",
            location=center.tower,
            start=datetime(2026, 3, 9, 8, tzinfo=NY),
            end=datetime(2026, 3, 9, 10, tzinfo=NY),
        )
    slots = as_navigator.get(f"/api/v1/referrals/{referral.pk}/consult-options/").json()["slots"]
    assert datetime.fromisoformat(slots[0]["start"]) == datetime(2026, 3, 9, 10, tzinfo=NY)


def test_a_clinic_holiday_closes_the_day(as_navigator, center, alice):
    from navigation.models import ClinicHoliday

    ClinicHoliday.objects.create(date=date(2026, 3, 9), name="Snow day")
    referral = refer(alice)
    slots = as_navigator.get(f"/api/v1/referrals/{referral.pk}/consult-options/").json()["slots"]
    assert datetime.fromisoformat(slots[0]["start"]).astimezone(NY).date() == date(2026, 3, 10)


def test_the_watch_alerts_once_when_a_referral_turns_at_risk_then_breached(center, alice, frozen):
    from navigation.tasks import watch_deadlines

    referral = refer(alice)
    assert watch_deadlines() == 0
    frozen.move_to(referral.consult_due_at - timedelta(hours=23))
    assert watch_deadlines() == 1
    assert watch_deadlines() == 0
    frozen.move_to(referral.consult_due_at + timedelta(minutes=1))
    assert watch_deadlines() == 1
    kinds = list(Alert.objects.filter(referral=referral).values_list("kind", flat=True))
    assert sorted(kinds) == ["at_risk", "breached"]


def test_templates_keep_their_wall_clock_hours_across_the_dst_change(center):
    from navigation.selectors import free_days

    days = list(
        free_days(
            clinicians=[center.first("pain_medicine")],
            first=date(2026, 3, 6),
            last=date(2026, 3, 9),
        )
    )
    friday, monday = days[0], days[3]
    assert [d.day for d in days] == [
        date(2026, 3, 6),
        date(2026, 3, 7),
        date(2026, 3, 8),
        date(2026, 3, 9),
    ]
    assert friday.clinicians[0].free[0].start.astimezone(NY).time() == time(8)
    assert monday.clinicians[0].free[0].start.astimezone(NY).time() == time(8)
    assert friday.clinicians[0].free[0].start.hour == 13  # 08:00 EST is 13:00 UTC
    assert monday.clinicians[0].free[0].start.hour == 12  # 08:00 EDT is 12:00 UTC
    assert days[1].clinicians == days[2].clinicians == ()  # the weekend


def test_each_consult_slot_has_its_specialtys_visit_length(as_navigator, center, alice):
    referral = refer(alice)  # brain: neurosurgery (60 min) or radiation oncology (45 min)
    slots = as_navigator.get(f"/api/v1/referrals/{referral.pk}/consult-options/").json()["slots"]
    lengths = {
        (
            s["specialty"],
            (datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"])).seconds // 60,
        )
        for s in slots
    }
    assert lengths == {("neurosurgery", 60), ("radiation_oncology", 45)}
