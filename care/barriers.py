"""Barriers to care: recording them, resolving them, and what they change in planning.

A transport or lodging barrier still open, or a home at least
`BARRIER_HOME_DISTANCE_MILES` away, is a *travel burden*: the same-day planner then keeps
every visit on as few days as it can and flags a plan that needs another trip
(`web.planning`, `navigation.services.itineraries`)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction

from care.models import Barrier
from patients.models import Patient
from tumorboard.errors import DomainError

TRAVEL_KINDS = (Barrier.Kind.TRANSPORT, Barrier.Kind.LODGING)
FIELDS = {"kind", "description", "language", "found_at", "action", "resolved_at"}


def _check_dates(found_at: datetime, resolved_at: datetime | None, now: datetime) -> None:
    if found_at > now:
        raise DomainError(
            "The date the barrier was found cannot be in the future.", field="found_at"
        )
    if resolved_at is None:
        return
    if resolved_at < found_at:
        raise DomainError(
            "The barrier cannot be resolved before it was found: the resolution date is "
            "earlier than the date it was found.",
            field="resolved_at",
            code="resolved_before_found",
        )
    if resolved_at > now:
        raise DomainError("The resolution date cannot be in the future.", field="resolved_at")


def _language(patient: Patient, kind: str, language: str) -> str:
    """A language barrier names the interpreter's language (or keeps the patient's); no
    other kind names one. DomainError naming `language` otherwise."""
    if kind != Barrier.Kind.LANGUAGE:
        if language:
            raise DomainError("Only a language barrier names a language.", field="language")
        return ""
    language = language or patient.interpreter_language or ""
    if not language:
        raise DomainError(
            "Name the language the interpreter must speak (a BCP-47 tag such as es or ht).",
            field="language",
        )
    return language


def _interpreter(patient: Patient, language: str) -> None:
    """The patient's interpreter language follows a language barrier's: every visit of
    theirs then needs an interpreter of it (navigation's resources)."""
    if language and patient.interpreter_language != language:
        patient.interpreter_language = language
        patient.save(update_fields=["interpreter_language", "updated_at"])


@transaction.atomic
def barrier_record(
    *,
    patient: Patient,
    kind: str,
    found_at: datetime,
    by,
    now: datetime,
    description: str = "",
    language: str = "",
    action: str = "",
    resolved_at: datetime | None = None,
) -> Barrier:
    """A barrier found at `found_at` (aware) by `by` (a user, or None). A language barrier
    names the interpreter's language (BCP-47), which becomes the patient's
    `interpreter_language`. Raises DomainError naming `found_at` (in the future),
    `resolved_at` (before it was found, or in the future) or `language`; nothing is
    written then."""
    _check_dates(found_at, resolved_at, now)
    language = _language(patient, kind, language)
    _interpreter(patient, language)
    return Barrier.objects.create(
        patient=patient,
        kind=kind,
        description=description,
        language=language,
        found_at=found_at,
        found_by=by,
        action=action,
        resolved_at=resolved_at,
        resolved_by=by if resolved_at else None,
    )


@transaction.atomic
def barrier_update(*, barrier: Barrier, by, now: datetime, **fields) -> Barrier:
    """Change what was done or resolve the barrier (`resolved_at`, aware; None reopens
    it). Same checks as `barrier_record`, on the barrier as it would be; a DomainError
    leaves it unchanged."""
    unknown = set(fields) - FIELDS
    if unknown:
        raise ValueError(f"not barrier fields: {sorted(unknown)}")
    barrier = Barrier.objects.select_for_update().get(pk=barrier.pk)
    found_at = fields.get("found_at", barrier.found_at)
    resolved_at = fields.get("resolved_at", barrier.resolved_at)
    _check_dates(found_at, resolved_at, now)
    if "kind" in fields or "language" in fields:
        fields["language"] = _language(
            barrier.patient,
            fields.get("kind", barrier.kind),
            fields.get("language", barrier.language),
        )
        _interpreter(barrier.patient, fields["language"])
    if "resolved_at" in fields and fields["resolved_at"] != barrier.resolved_at:
        barrier.resolved_by = by if resolved_at else None
    for name, value in fields.items():
        setattr(barrier, name, value)
    barrier.save()
    return barrier


def travel_burden(*, patient: Patient) -> list[str]:
    """Why travelling to the center is hard for `patient`, in plain words (empty: it is
    not): each open transport or lodging barrier, and a home at least
    `BARRIER_HOME_DISTANCE_MILES` away."""
    reasons = [
        f"{label} barrier"
        for label in sorted(
            {
                Barrier.Kind(kind).label.lower()
                for kind in patient.barriers.filter(
                    kind__in=TRAVEL_KINDS, resolved_at__isnull=True
                ).values_list("kind", flat=True)
            }
        )
    ]
    limit = settings.BARRIER_HOME_DISTANCE_MILES
    if patient.home_distance_miles is not None and patient.home_distance_miles >= limit:
        reasons.append(f"home {patient.home_distance_miles} miles away")
    return reasons
