"""Distress screening with the NCCN Distress Thermometer (0-10 and its problem list,
`care.distress_list`): taken at the first consult and at set points; a score at or
above `DISTRESS_THRESHOLD` (NCCN: 4) asks for a psychosocial-care referral, an alert
for the navigators that ends by itself once a psychosocial visit is booked, and a visit
is offered (`psychosocial_offer`).

Source: NCCN Clinical Practice Guidelines in Oncology, Distress Management (screen at
the initial visit, at appropriate intervals and as clinically indicated; a score of 4 or
more warrants referral); Commission on Cancer standard 5.2 (psychosocial distress
screening)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from care import distress_list
from care.models import DistressScreening
from patients.models import Patient, Referral
from tumorboard.errors import DomainError

PSYCHOSOCIAL = "psychosocial"
VISIT_BOOKED = "A psychosocial care visit is booked."
OFFER_DAYS = 14


def _check(score, problems, screened_at: datetime, now: datetime) -> None:
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise DomainError(
            "The distress score is a whole number from 0 (no distress) to 10 (extreme).",
            field="score",
            code="score_out_of_range",
        )
    unknown = [p for p in problems if p not in distress_list.LABEL]
    if unknown:
        raise DomainError(
            f"Not on the NCCN problem list: {', '.join(map(str, unknown))}.", field="problems"
        )
    if screened_at > now:
        raise DomainError("The screening cannot be dated in the future.", field="screened_at")


def problem_summary(problems: list[str]) -> str:
    """The categories ticked, in the list's order ("emotional, practical")."""
    ticked = {distress_list.CATEGORY[p] for p in problems}
    return ", ".join(c for c in distress_list.PROBLEMS if c in ticked)


@transaction.atomic
def distress_record(
    *,
    patient: Patient,
    score: int,
    screened_at: datetime,
    by,
    now: datetime,
    problems: list[str] | None = None,
    occasion: str | None = None,
    referral: Referral | None = None,
    notes: str = "",
) -> DistressScreening:
    """Record one Distress Thermometer (`score` 0-10, `problems` codes of the NCCN list,
    `screened_at` aware). `occasion` defaults to the first consult for a patient's first
    screening, else a follow-up. At or above `DISTRESS_THRESHOLD` the screening is marked
    `referred` and the navigators get a psychosocial alert in the same transaction.
    Raises DomainError naming `score` (outside 0-10), `problems` or `screened_at`
    (future); nothing is written then."""
    problems = list(dict.fromkeys(problems or []))
    _check(score, problems, screened_at, now)
    if occasion is None:
        first = not patient.distress_screenings.exists()
        occasion = (
            DistressScreening.Occasion.FIRST_CONSULT
            if first
            else DistressScreening.Occasion.FOLLOW_UP
        )
    screening = DistressScreening.objects.create(
        patient=patient,
        referral=referral,
        occasion=occasion,
        score=score,
        problems=problems,
        notes=notes,
        screened_at=screened_at,
        screened_by=by,
        referred=score >= settings.DISTRESS_THRESHOLD,
    )
    if screening.referred:
        from notifications import outbox
        from notifications.models import Alert

        about = problem_summary(problems)
        outbox.alert_navigators(
            kind=Alert.Kind.PSYCHOSOCIAL,
            text=f"Distress {score}/10{f' ({about} problems)' if about else ''}: refer to "
            "psychosocial care and offer the patient a visit.",
            dedupe_key=f"distress:{screening.pk}",
            referral=referral,
            patient=patient,
        )
    return screening


def distress_due(*, patient: Patient, now: datetime) -> str | None:
    """Why a screening is due at `now`, or None: the first consult has begun and no
    screening was taken since (from a day before it); or the last one is older than
    `DISTRESS_RESCREEN_DAYS` (the set interval)."""
    from navigation.models import Appointment

    last = patient.distress_screenings.order_by("-screened_at").first()
    consult = (
        Appointment.objects.filter(patient=patient, is_consult=True, start__lte=now)
        .filter(status__in=["booked", "checked_in", "completed"])
        .order_by("start")
        .first()
    )
    if consult is not None and (
        last is None or last.screened_at < consult.start - timedelta(days=1)
    ):
        return "at the first consult"
    if last is not None and now - last.screened_at > timedelta(
        days=settings.DISTRESS_RESCREEN_DAYS
    ):
        return f"{settings.DISTRESS_RESCREEN_DAYS} days since the last screening"
    return None


def open_referral(*, patient: Patient) -> DistressScreening | None:
    """The newest screening that asked for a psychosocial referral and has no
    psychosocial visit booked after it."""
    from navigation.models import Appointment

    screening = patient.distress_screenings.filter(referred=True).order_by("-screened_at").first()
    if screening is None:
        return None
    booked = Appointment.objects.filter(
        patient=patient, specialty=PSYCHOSOCIAL, created_at__gte=screening.created_at
    ).exclude(status="cancelled")
    return None if booked.exists() else screening


def psychosocial_offer(*, patient: Patient, today: date, now: datetime, limit: int = 3):
    """The first `limit` days with a free psychosocial-care visit from `today` (the
    clinics' local date) for `OFFER_DAYS` days: `navigation.services.CheckedOption`s,
    bookable as returned through the same-day plan booking."""
    from navigation.services import ItinerarySearch, itinerary_search

    search = ItinerarySearch(
        specialties=(PSYCHOSOCIAL,),
        first=today,
        last=today + timedelta(days=OFFER_DAYS - 1),
        limit=limit,
    )
    return itinerary_search(patient=patient, search=search, now=now).options


def sweep_distress(unresolved, now: datetime) -> int:
    """Psychosocial alerts end once a psychosocial visit is booked after the screening
    (or the patient is no longer active). Registered with `notifications.alerts`."""
    from navigation.models import Appointment
    from notifications.alerts import key_ids, resolve_each
    from notifications.models import Alert

    alerts = list(unresolved.filter(kind=Alert.Kind.PSYCHOSOCIAL).values_list("pk", "dedupe_key"))
    if not alerts:
        return 0
    ids = {pk: key_ids(key)[0] for pk, key in alerts if key_ids(key)}
    screenings = DistressScreening.objects.select_related("patient").in_bulk(ids.values())
    gone = {}
    for pk, screening_id in ids.items():
        screening = screenings.get(screening_id)
        if screening is None or screening.patient.status != Patient.Status.ACTIVE:
            gone[pk] = "The patient is no longer under care."
        elif (
            Appointment.objects.filter(
                patient=screening.patient,
                specialty=PSYCHOSOCIAL,
                created_at__gte=screening.created_at,
            )
            .filter(~Q(status="cancelled"))
            .exists()
        ):
            gone[pk] = VISIT_BOOKED
    return resolve_each(gone, now)
