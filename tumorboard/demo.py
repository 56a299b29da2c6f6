"""A believable demo center for `make run`: people for every role and a few weeks of
referrals in every urgency. Loading twice changes nothing."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from navigation.rules import DEFAULT_MINUTES
from notifications.alerts import alerts_sweep
from patients import services as patient_services
from patients.models import Patient

DEMO_LOGINS = [
    ("nina.navigator", "demo-navigator-pass", "navigator"),
    ("sam.specialist", "demo-specialist-pass", "specialist"),
    ("pat.patient", "demo-patient-pass", "patient"),
    ("ada.admin", "demo-admin-pass", "admin"),
]

FIRST = [
    "Maria",
    "James",
    "Linda",
    "Robert",
    "Aisha",
    "Chen",
    "Olga",
    "Diego",
    "Grace",
    "Tomas",
    "Fatima",
    "Henry",
    "Priya",
    "Walter",
    "Keiko",
    "Samuel",
    "Rosa",
    "Ivan",
]
LAST = [
    "Alvarez",
    "Brown",
    "Cohen",
    "Dubois",
    "Eze",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nguyen",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
]
ONCOLOGISTS = [
    ("Dr. Helen Park", "Riverside Oncology"),
    ("Dr. Omar Said", "North Shore Cancer Care"),
    ("Dr. Lucy Grant", "Valley Hematology-Oncology"),
]

# (sites, extra clinical fields): one of each urgency and then some.
CASES = [
    (
        "spine",
        {
            "neuro_status": "new_deficit",
            "weakness": True,
            "pain_score": 8,
            "bilsky_grade": "3",
            "sins_pain": "mechanical",
        },
    ),
    ("brain", {"mass_effect": True, "brain_symptomatic": True}),
    (
        "spine",
        {
            "pain_score": 6,
            "sins_location": "junctional",
            "sins_pain": "mechanical",
            "sins_lesion": "lytic",
            "sins_alignment": "normal",
            "sins_collapse": "under_50",
            "sins_posterolateral": "unilateral",
            "bilsky_grade": "1b",
        },
    ),
    ("brain", {"brain_symptomatic": True, "pain_score": 2}),
    ("both", {"pain_score": 3}),
    ("spine", {"pain_score": 1, "bilsky_grade": "0"}),
    ("brain", {}),
]
CANCERS = ["breast", "lung", "prostate", "kidney", "melanoma", "colon", "myeloma", "thyroid"]


def _hours_ago(index: int, rng: random.Random) -> float:
    """The first week's cases are still within their 72 hours; older ones spread back."""
    return index * 8 + rng.random() * 4 if index < 7 else index * 24 + rng.random() * 12


# The names the header greets them by. The specialist is Dr. Nora Reyes's login.
DEMO_NAMES = {
    "nina.navigator": ("Nina", "Navarro"),
    "sam.specialist": ("Nora", "Reyes"),
    "pat.patient": ("Maria", "Alvarez"),
    "ada.admin": ("Ada", "Adams"),
}


def _user(username: str, password: str, role: str):
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_password(password)
        user.first_name, user.last_name = DEMO_NAMES.get(username, ("", ""))
        user.email = f"{username}@demo.example"
        user.is_staff = user.is_superuser = role == "admin"
        user.save()
        user.groups.add(Group.objects.get(name=role))
    return user


CLINICIANS = [
    ("Dr. Nora Reyes", "neurosurgery", "Tower", (0, 2, 4)),
    ("Dr. Paul Singh", "neurosurgery", "Tower", (1, 3)),
    ("Dr. Ruth Kim", "spine_surgery", "Tower", (0, 1, 3)),
    ("Dr. Hugo Lenz", "spine_surgery", "Tower", (2, 4)),
    ("Dr. Ravi Shah", "radiation_oncology", "Pavilion", (0, 1, 2, 3, 4)),
    ("Dr. Meg Olsen", "medical_oncology", "Pavilion", (0, 2, 3)),
    ("Dr. Tariq Aziz", "neuroradiology", "Tower", (0, 1, 2, 3, 4)),
    ("Dr. Ines Costa", "pathology", "Pavilion", (1, 3)),
    ("Dr. Ana Pires", "pain_medicine", "Pavilion", (0, 1, 3)),
    ("Dr. Lee Wong", "palliative_care", "Pavilion", (0, 2, 4)),
    ("Dr. Jon Berg", "rehabilitation", "Tower", (1, 2, 4)),
    ("Kim Dale, LCSW", "psychosocial", "Pavilion", (0, 3)),
]


def _center(users) -> None:
    from datetime import time

    from navigation.models import (
        AvailabilityTemplate,
        Clinician,
        Location,
        TravelBuffer,
        VisitType,
    )

    tower, _ = Location.objects.get_or_create(
        name="Tower", defaults={"address": "1 Hospital Way, Building A"}
    )
    pavilion, _ = Location.objects.get_or_create(
        name="Pavilion", defaults={"address": "3 Hospital Way, Building C"}
    )
    TravelBuffer.objects.get_or_create(
        from_location=tower, to_location=pavilion, defaults={"minutes": 15}
    )
    places = {"Tower": tower, "Pavilion": pavilion}
    for specialty, minutes in DEFAULT_MINUTES.items():
        VisitType.objects.get_or_create(
            specialty=specialty, name="New patient", defaults={"minutes": minutes}
        )
    for name, specialty, place, weekdays in CLINICIANS:
        clinician, created = Clinician.objects.get_or_create(
            name=name, defaults={"specialty": specialty, "home_location": places[place]}
        )
        if not created:
            continue
        if name == "Dr. Nora Reyes":
            clinician.user = users["specialist"]
            clinician.save()
        if clinician.specialty in ON_CALL_SPECIALTIES:  # paged from the on-call rota
            clinician.email = f"{name.split()[-1].lower()}@demo.example"
            clinician.save()
        for weekday in weekdays:
            for start, end in ((time(8), time(12)), (time(13), time(17))):
                AvailabilityTemplate.objects.create(
                    clinician=clinician,
                    weekday=weekday,
                    start_time=start,
                    end_time=end,
                    location=places[place],
                    valid_from=date(2026, 1, 1),
                )
    _resources(places)
    _rotas(tower)


# Rooms, machines and an interpreter (name, kind, equipment, place, languages, hours).
RESOURCES = [
    ("MRI 3T (Tower)", "equipment", "mri_3t", "Tower", [], ((7, 30), (12, 0), (13, 0), (18, 0))),
    ("CT simulator (Pavilion)", "equipment", "ct_simulator", "Pavilion", [], ((8, 0), (17, 0))),
    ("Procedure room 2 (Tower)", "equipment", "procedure_room", "Tower", [], ((8, 0), (17, 0))),
    ("Lucía Ortega, Spanish interpreter", "interpreter", "", "Pavilion", ["es"], ((8, 0), (17, 0))),
]
# Visit types that need them; the MRI is neuroradiology's new-patient visit (the
# radiologist supervises the contrast at the scanner, so the scan books one with it).
NEEDING = [
    ("neuroradiology", "MRI brain with contrast", 45, True, ["mri"]),
    ("radiation_oncology", "SRS planning", 60, False, ["ct_simulator"]),
    ("neurosurgery", "Awake craniotomy pre-op", 60, False, ["procedure_room"]),
]


def _resources(places) -> None:
    from datetime import time

    from navigation.models import AvailabilityTemplate, Resource, VisitType

    for name, kind, equipment, place, languages, hours in RESOURCES:
        resource, created = Resource.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "equipment": equipment,
                "location": places[place],
                "languages": languages,
            },
        )
        if not created:
            continue
        for weekday in range(5):
            for start, end in zip(hours[::2], hours[1::2], strict=True):
                AvailabilityTemplate.objects.create(
                    resource=resource,
                    weekday=weekday,
                    start_time=time(*start),
                    end_time=time(*end),
                    location=places[place],
                    valid_from=date(2026, 1, 1),
                )
    for specialty, name, minutes, new_patient, needs in NEEDING:
        VisitType.objects.get_or_create(
            specialty=specialty,
            name=name,
            defaults={"minutes": minutes, "new_patient": new_patient, "needs": needs},
        )


# The demo patient who needs a Spanish interpreter at every visit (no consult yet).
INTERPRETER_PATIENT = 2


ON_CALL_SPECIALTIES = ("neurosurgery", "spine_surgery")


def _rotas(tower) -> None:
    """Neurosurgery and spine surgery on call around the clock, a day each in turn,
    handing over at 08:00 Tower time: emergencies are assessed outside clinic hours."""
    from datetime import time

    from navigation.models import Clinician, OnCallRota, OnCallRotaMember

    for specialty in ON_CALL_SPECIALTIES:
        rota, created = OnCallRota.objects.get_or_create(
            name=f"{specialty.replace('_', ' ').capitalize()} on call",
            defaults={
                "specialty": specialty,
                "location": tower,
                "handover": time(8),
                "shift_days": 1,
                "starts_on": date(2026, 1, 1),
            },
        )
        if created:
            members = Clinician.objects.filter(specialty=specialty).order_by("name")
            for position, clinician in enumerate(members):
                OnCallRotaMember.objects.create(rota=rota, clinician=clinician, position=position)


@transaction.atomic
def load_demo(*, now: datetime, weeks: int = 3) -> int:
    """Create the demo center; return how many referrals were added (0 the second time)."""
    users = {role: _user(username, password, role) for username, password, role in DEMO_LOGINS}
    _center(users)
    rng = random.Random(20261123)
    added = 0
    for index in range(weeks * 7):
        mrn = f"DEMO{index + 1:04d}"
        if Patient.objects.filter(mrn=mrn).exists():
            continue
        patient = patient_services.patient_create(
            mrn=mrn,
            first_name=FIRST[index % len(FIRST)],
            last_name=LAST[(index * 7) % len(LAST)],
            birth_date=date(1940 + rng.randrange(45), rng.randrange(1, 13), rng.randrange(1, 28)),
            phone=f"+1617555{1000 + index:04d}",
            email=f"patient{index + 1}@example.org",
            sms_consent=rng.random() < 0.8,
            user=users["patient"] if index == 0 else None,
        )
        if index == INTERPRETER_PATIENT:
            patient.interpreter_language = "es"
            patient.save(update_fields=["interpreter_language"])
        sites, picture = CASES[index % len(CASES)]
        oncologist, practice = ONCOLOGISTS[index % len(ONCOLOGISTS)]
        received_at = now - timedelta(hours=_hours_ago(index, rng))
        # Recorded when it arrived (the clock of then), as a navigator would have: an older
        # emergency was paged then, not today.
        referral = patient_services.referral_create(
            now=received_at,
            created_by=users["navigator"],
            patient=patient,
            referring_oncologist=oncologist,
            referring_practice=practice,
            received_at=received_at,
            primary_cancer=CANCERS[index % len(CANCERS)],
            sites=sites,
            **picture,
        )
        if index >= 7:  # older referrals: their consult already happened
            _past_consult(referral, rng, now, users["navigator"])
        added += 1
    _board(users, now)
    # The history's emergency alerts had their consults booked: resolved, not left open.
    alerts_sweep(now=now)
    return added


def _past_consult(referral, rng: random.Random, now: datetime, navigator) -> None:
    """History for the dashboard, booked as it would have been: the navigator looks for
    the consult soon after the referral arrived (`consult_options` on the clock of then,
    so only clinic sessions, late if none before the deadline) and books one of the first
    slots with `appointment_book`; the visit then happened, or the patient did not come.
    The outbox drops what is stale by the time it would go (invites to past visits)."""
    from navigation.models import Clinician
    from navigation.services import (
        VisitRequest,
        appointment_book,
        appointment_set_status,
        consult_options,
    )

    then = referral.received_at + timedelta(minutes=rng.randrange(20, 240))
    slots = consult_options(referral=referral, now=then, limit=3).slots
    if not slots:
        return
    slot = slots[rng.randrange(len(slots))]
    if slot.end > now:  # not over yet: it stays booked
        return
    appointment = appointment_book(
        patient=referral.patient,
        visit=VisitRequest(
            clinician=Clinician.objects.get(pk=slot.clinician_id),
            start=slot.start,
            minutes=int((slot.end - slot.start).total_seconds() // 60),
            specialty=slot.specialty,
        ),
        by=navigator,
        now=then,
        referral=referral,
        is_consult=True,
    )
    status = "no_show" if rng.random() < 0.15 else "completed"
    appointment_set_status(appointment=appointment, status=status, by=navigator)


def _board(users, now: datetime) -> None:
    """The Tuesday tumor board, its next eight weeks, and the newest referrals on the first
    meeting still open for cases (some not ready yet). Once: a second run adds nothing."""
    from datetime import time

    from board.models import Case, Meeting, Series
    from board.services.cases import case_submit
    from board.services.meetings import meetings_generate, series_create
    from navigation.models import Clinician, Location
    from patients.models import Referral

    series = Series.objects.filter(name="Brain & spine tumor board").first()
    if series is not None:
        meetings_generate(series=series, now=now)
        return
    series = series_create(
        name="Brain & spine tumor board",
        weekday=1,
        start_time=time(7),
        end_time=time(8, 30),
        location=Location.objects.filter(name="Tower").first(),
        case_capacity=10,
        starts_on=date(2026, 1, 1),
        members=list(Clinician.objects.filter(active=True)),
        now=now,
    )
    meeting = Meeting.objects.filter(series=series, cutoff_at__gt=now).order_by("start").first()
    newest = Referral.objects.filter(board_cases__isnull=True).order_by("-received_at")[:6]
    for n, referral in enumerate(newest):
        case_submit(
            meeting=meeting,
            referral=referral,
            question="Surgery, radiosurgery or conventional radiation? Please review imaging.",
            imaging_available=n < 4,
            imaging_reviewed=n < 2,
            pathology=Case.Pathology.CONFIRMED if n % 3 else Case.Pathology.PENDING,
            by=users["navigator"],
            now=now,
        )
