"""The new-patient consult within 72 hours (24 for emergencies): the slots that meet the
deadline, and the watch that flags a referral no slot can save."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction

from navigation import engine, rules, selectors
from navigation.services.booking import GRID_MINUTES, grid_ceil, visit_types, visits_minutes
from navigation.services.resources import Needs, visit_needs
from notifications import outbox
from notifications.models import Alert
from patients.models import Referral
from tumorboard.errors import DomainError

LATE_SEARCH_DAYS = 21


@dataclass(frozen=True)
class ConsultOptions:
    slots: tuple[engine.ConsultSlot, ...]
    meets_deadline: bool
    message: str


def consult_options(*, referral: Referral, now: datetime, limit: int = 10) -> ConsultOptions:
    """Slots of the specialties the triage needs, starting at or before the deadline; when
    none does, the earliest after it, flagged late. A read: it changes nothing (the flag
    and the alert come from `referral_slot_check`, run by the watch and after changes).

    Dates are each clinic's own: the days searched run from a day before `now` to a day
    after the deadline in UTC, which covers every zone; the past is cut by `now`.
    """
    specialties = rules.consult_specialties(urgency=referral.urgency, sites=referral.sites)
    clinicians = selectors.clinicians_of(specialties)
    minutes = visits_minutes(specialties)
    try:  # the interpreter (and any room) the consult needs must be free with the clinician
        needs = visit_needs(
            specialties=specialties, types=visit_types(specialties), patient=referral.patient
        )
    except DomainError:  # nothing can serve it: booking says so, naming the field
        needs = Needs({}, {})
    request = engine.ItineraryRequest(
        specialties=specialties,
        durations=minutes,
        grid_minutes=GRID_MINUTES,
        needs=needs.groups,
    )
    not_before = grid_ceil(now)
    first = not_before.date() - timedelta(days=1)
    due_day = max(referral.consult_due_at.date() + timedelta(days=1), first)

    def slots_between(start: date, end: date) -> tuple[engine.ConsultSlot, ...]:
        days = [
            engine.with_resources(request, day)
            for day in selectors.free_days(
                clinicians=clinicians,
                first=start,
                last=end,
                patient_id=referral.patient_id,
                not_before=not_before,
                now=now,
                resources=needs.loaded,
            )
        ]
        found: list[engine.ConsultSlot] = []
        for specialty in specialties:  # each with its own visit length
            found += engine.find_consult_slots(
                clinicians=(c for d in days for c in d.clinicians if c.specialty == specialty),
                duration=minutes[specialty],
                not_before=not_before,
                due_at=referral.consult_due_at,
                limit=limit,
                grid_minutes=GRID_MINUTES,
            )
        chosen = [slot for slot in found if not slot.late] or found
        unique = {(s.clinician_id, s.start): s for s in chosen}.values()
        return tuple(sorted(unique, key=lambda slot: (slot.start, slot.clinician_id))[:limit])

    # The days up to the deadline first; only when none fits, the weeks after it.
    slots = slots_between(first, due_day)
    if not slots or slots[0].late:
        slots = slots_between(first, due_day + timedelta(days=LATE_SEARCH_DAYS))
    meets = bool(slots) and not slots[0].late
    if meets:
        message = f"{len(slots)} slot(s) start at or before the deadline."
    elif slots:
        message = (
            "No slot starts before the deadline; the earliest after it are shown, flagged "
            "late. The referral is at risk and navigators are alerted."
        )
    else:
        message = "No slot in the next three weeks; navigators are alerted."
    return ConsultOptions(tuple(slots), meets, message)


@transaction.atomic
def referral_slot_check(*, referral: Referral, now: datetime) -> bool:
    """Whether a consult slot can still meet the referral's deadline; when none can, mark
    the referral at risk and alert the navigators once (PRODUCT.md: a deadline that cannot
    be met is never hidden); when one can again, clear the mark. Returns the answer."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.consult_at is not None or referral.status != Referral.Status.OPEN:
        return True
    meets = consult_options(referral=referral, now=now, limit=1).meets_deadline
    if meets == (not referral.no_slot_before_due):
        return meets
    referral.no_slot_before_due = not meets
    referral.save(update_fields=["no_slot_before_due", "updated_at"])
    if not meets:
        outbox.alert_navigators(
            kind=Alert.Kind.NO_SLOT,
            referral=referral,
            text=f"Referral {referral.pk} ({referral.urgency}): no consult slot before its "
            "deadline.",
            dedupe_key=f"no_slot:{referral.pk}",
        )
    return meets
