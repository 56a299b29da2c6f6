"""Random days of booking through the services, with the invariants checked after every step.

Hypothesis books, plans, holds (and confirms, releases or lets expire), reschedules,
cancels, marks no-shows (and undoes them) and overrides, on clinics in two zones (New York
and Honolulu), and after each step checks what must always hold:
- no two live visits of one clinician or one patient overlap, and a patient's visits leave
  the walk between their locations (overrides aside: they are the audited exception);
- a referral has at most one live consult, and its `consult_at` and SLA are what the
  rules make of its appointments (in Python and in SQL alike);
- every booked or cancelled visit has its calendar invite in the outbox at its SEQUENCE;
- pending reminders are planned for booked visit days only.

`make test` runs MAX_EXAMPLES examples; set STATE_MACHINE_EXAMPLES=500 to run more offline.
"""

import os
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from navigation import services
from navigation.models import (
    CONSULT_LIVE,
    Appointment,
    AvailabilityTemplate,
    Clinician,
    Hold,
    Location,
    TravelBuffer,
)
from navigation.selectors import travel_buffers
from navigation.services import VisitRequest
from notifications.models import Message
from patients import clinical
from patients.models import Patient, Referral
from patients.services import referral_create
from tumorboard.errors import DomainError

NY = ZoneInfo("America/New_York")
HONOLULU = ZoneInfo("Pacific/Honolulu")
NOW = datetime(2026, 3, 5, 7, tzinfo=NY)  # Thursday; DST starts Sunday 8 March
DAYS = [date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 10)]
MAX_EXAMPLES = int(os.environ.get("STATE_MACHINE_EXAMPLES", "12"))
STEPS = 14

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    tower = Location.objects.create(name="Tower", time_zone="America/New_York")
    pavilion = Location.objects.create(name="Pavilion", time_zone="America/New_York")
    island = Location.objects.create(name="Queens", time_zone="Pacific/Honolulu")
    TravelBuffer.objects.create(from_location=tower, to_location=pavilion, minutes=15)
    TravelBuffer.objects.create(from_location=tower, to_location=island, minutes=240)
    TravelBuffer.objects.create(from_location=pavilion, to_location=island, minutes=240)
    clinicians = []
    for name, specialty, place in [
        ("Reyes", "neurosurgery", tower),
        ("Shah", "radiation_oncology", pavilion),
        ("MRI", "neuroradiology", tower),
        ("Kahale", "neurosurgery", island),
    ]:
        clinician = Clinician.objects.create(name=name, specialty=specialty, home_location=place)
        for weekday in range(5):
            AvailabilityTemplate.objects.create(
                clinician=clinician,
                weekday=weekday,
                start_time=time(8),
                end_time=time(12),
                location=place,
                valid_from=date(2026, 1, 1),
            )
        clinicians.append(clinician)
    patients = [
        Patient.objects.create(
            mrn=f"SM-{i}",
            first_name=name,
            last_name="Test",
            birth_date=date(1960, 1, 1),
            email=f"{name.lower()}@example.org",
            phone=f"+1617555020{i}",
            sms_consent=True,
        )
        for i, name in enumerate(["Ana", "Ben", "Cy"])
    ]
    with time_machine.travel(NOW, tick=False):
        referrals = [
            referral_create(
                patient=patients[0],
                referring_oncologist="Dr. Park",
                primary_cancer="lung",
                sites="brain",
                received_at=NOW,
            ),
            referral_create(
                patient=patients[1],
                referring_oncologist="Dr. Park",
                primary_cancer="breast",
                sites="spine",
                suspected_mescc=True,
                received_at=NOW,
            ),
        ]
    return clinicians, patients, referrals


class Day(RuleBasedStateMachine):
    """One example: a few days of a center's bookings, each step through the services."""

    world = None

    def __init__(self):
        super().__init__()
        self.clinicians, self.patients, self.referrals = self.world
        self.now = NOW
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.buffers = travel_buffers()

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _start(self, clinician, day_index, quarter):
        zone = ZoneInfo(clinician.home_location.time_zone)
        local = datetime.combine(DAYS[day_index], time(8), tzinfo=zone)
        return local + timedelta(minutes=15 * quarter)

    def _try(self, action, *args, **kwargs):
        try:
            with transaction.atomic():
                return action(*args, **kwargs)
        except DomainError:
            return None

    def _appointment(self, index):
        rows = list(Appointment.objects.exclude(status="held").order_by("id"))
        return rows[index % len(rows)] if rows else None

    @rule(
        who=st.integers(0, 2),
        doctor=st.integers(0, 3),
        day=st.integers(0, 2),
        quarter=st.integers(0, 15),
        consult=st.booleans(),
    )
    def book(self, who, doctor, day, quarter, consult):
        patient = self.patients[who]
        referral = next((r for r in self.referrals if r.patient_id == patient.pk), None)
        clinician = self.clinicians[doctor]
        self._try(
            services.appointment_book,
            patient=patient,
            visit=VisitRequest(clinician, self._start(clinician, day, quarter)),
            referral=referral,
            is_consult=consult and referral is not None,
            by=None,
            now=self.now,
        )

    @rule(who=st.integers(0, 2), day=st.integers(0, 2), hold=st.booleans())
    def plan(self, who, day, hold):
        patient = self.patients[who]
        referral = next((r for r in self.referrals if r.patient_id == patient.pk), None)
        found = services.itinerary_search(
            patient=patient,
            search=services.ItinerarySearch(
                specialties=("neuroradiology", "neurosurgery", "radiation_oncology"),
                first=DAYS[day],
                last=DAYS[day],
            ),
            now=self.now,
        )
        if not found.options:
            return
        visits = [
            VisitRequest(Clinician.objects.get(pk=v.clinician_id), v.start, specialty=v.specialty)
            for v in found.options[0].visits
        ]
        action = services.itinerary_hold if hold else services.itinerary_book
        made = self._try(
            action, patient=patient, visits=visits, referral=referral, by=None, now=self.now
        )
        # An option the search just returned can be booked exactly as returned.
        assert made is not None, found.options[0]

    @rule(index=st.integers(0, 20), confirm=st.booleans())
    def end_hold(self, index, confirm):
        holds = list(Hold.objects.filter(status="active").order_by("id"))
        if not holds:
            return
        hold = holds[index % len(holds)]
        action = services.hold_confirm if confirm else services.hold_release
        self._try(action, hold=hold, by=None, now=self.now)

    @rule(minutes=st.sampled_from([1, 6, 11]))
    def time_passes(self, minutes):
        self.now += timedelta(minutes=minutes)
        if minutes > 5:
            services.holds_expire(now=self.now)

    @rule(index=st.integers(0, 30), day=st.integers(0, 2), quarter=st.integers(0, 15))
    def reschedule(self, index, day, quarter):
        appointment = self._appointment(index)
        if appointment is not None:
            start = self._start(appointment.clinician, day, quarter)
            self._try(
                services.appointment_reschedule,
                appointment=appointment,
                start=start,
                by=None,
                now=self.now,
            )

    @rule(index=st.integers(0, 30))
    def cancel(self, index):
        appointment = self._appointment(index)
        if appointment is not None:
            self._try(services.appointment_cancel, appointment=appointment, by=None, now=self.now)

    @rule(index=st.integers(0, 30), status=st.sampled_from(["no_show", "booked", "checked_in"]))
    def set_status(self, index, status):
        appointment = self._appointment(index)
        if appointment is not None:
            self._try(
                services.appointment_set_status,
                appointment=appointment,
                status=status,
                by=None,
                now=self.now,
            )

    @rule(doctor=st.integers(0, 3), day=st.integers(0, 2), quarter=st.integers(0, 15))
    def override(self, doctor, day, quarter):
        emergency = self.referrals[1]
        clinician = self.clinicians[doctor]
        self._try(
            services.appointment_book,
            patient=emergency.patient,
            visit=VisitRequest(clinician, self._start(clinician, day, quarter)),
            referral=emergency,
            is_consult=False,
            override_reason="cord compression, seen now",
            by=None,
            now=self.now,
        )

    @invariant()
    def no_overlaps_and_walks_kept(self):
        live = list(
            Appointment.objects.exclude(status="cancelled").filter(override=False).order_by("start")
        )
        for key in ("clinician_id", "patient_id"):
            by_owner = {}
            for appointment in live:
                by_owner.setdefault(getattr(appointment, key), []).append(appointment)
            for visits in by_owner.values():
                for prev, nxt in zip(visits, visits[1:], strict=False):
                    gap = 0
                    if key == "patient_id" and prev.location_id != nxt.location_id:
                        pair = (prev.location_id, nxt.location_id)
                        gap = self.buffers.get(pair, self.buffers.get(pair[::-1], 15))
                    assert nxt.start >= prev.end + timedelta(minutes=gap), (key, prev, nxt)

    @invariant()
    def one_live_consult_and_the_sla_the_rules_say(self):
        for referral in Referral.objects.all():
            consults = Appointment.objects.filter(
                referral=referral, is_consult=True, status__in=CONSULT_LIVE
            )
            assert consults.count() <= 1
            booked = consults.exclude(status="held").first()
            assert referral.consult_at == (booked.start if booked else None)
            expected = clinical.sla_status(
                received_at=referral.received_at,
                due_at=referral.consult_due_at,
                now=self.now,
                consult_at=referral.consult_at,
                no_slot=referral.no_slot_before_due,
            )
            assert referral.sla_status_at(self.now) == expected
            assert Referral.objects.with_sla(self.now).get(pk=referral.pk).sla_status == expected

    @invariant()
    def every_change_has_its_invite(self):
        for appointment in Appointment.objects.filter(status__in=["booked", "cancelled"]):
            key = f"invite:{appointment.uid}:{appointment.sequence}"
            assert Message.objects.filter(idempotency_key=key).exists(), appointment

    @invariant()
    def reminders_only_for_booked_visit_days(self):
        for patient in self.patients:
            zone = ZoneInfo(patient.time_zone)
            days = {
                a.start.astimezone(zone).date().isoformat()
                for a in Appointment.objects.filter(patient=patient, status="booked")
            }
            for message in Message.objects.filter(
                patient=patient, template="reminder", status="pending"
            ):
                assert set(message.payload["days"]) <= days, (message.payload, days)


def test_the_invariants_hold_whatever_the_navigators_do(world):
    Day.world = world
    with time_machine.travel(NOW, tick=False):
        run_state_machine_as_test(
            Day,
            settings=settings(
                max_examples=MAX_EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            ),
        )
