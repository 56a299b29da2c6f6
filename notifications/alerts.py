"""Alerts that end: an alert resolves itself when its cause is gone, recording when and
why (PRODUCT.md, "Rules settled": the consult is booked, the case became ready, the scan
was done).

The writes that remove a cause call `alerts_resolve` in their own transaction; the
periodic `alerts_sweep` (beat, every minute) resolves whatever a call site missed, so no
rule depends on every caller remembering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q

from notifications.models import Alert

# Alerts about a referral's consult; booking the consult (or closing the referral) ends them.
CONSULT_KINDS = (
    Alert.Kind.EMERGENCY,
    Alert.Kind.AT_RISK,
    Alert.Kind.NO_SLOT,
    Alert.Kind.BREACHED,
)
CONSULT_BOOKED = "The consult is booked."
REFERRAL_CLOSED = "The referral was closed."
CASE_READY = "The case became ready for the board."
SCAN_DONE = "The scan was done."
SCAN_BOOKED = "The scan was booked."

# The severity order of the alerts page: what a navigator must act on first.
SEVERITY = [
    Alert.Kind.EMERGENCY,
    Alert.Kind.BREACHED,
    Alert.Kind.NO_SLOT,
    Alert.Kind.AT_RISK,
    Alert.Kind.CLOCK,
    Alert.Kind.PATIENT_REPLY,
    Alert.Kind.PSYCHOSOCIAL,
    Alert.Kind.DELIVERY,
    Alert.Kind.TIME_OFF,
    Alert.Kind.OVERRIDE,
    Alert.Kind.FREED_SLOT,
    Alert.Kind.BOARD,
    Alert.Kind.IMAGING,
]


def open_alerts():
    """Alerts neither acknowledged nor resolved."""
    return Alert.objects.filter(acknowledged_at__isnull=True, resolved_at__isnull=True)


@transaction.atomic
def alerts_resolve(
    *,
    kinds: Iterable[str],
    reason: str,
    now: datetime,
    referral=None,
    patient=None,
    key_prefix: str = "",
    key_suffix: str = "",
) -> int:
    """Resolve the unresolved alerts of `kinds` (about `referral` and/or `patient`, whose
    dedupe key starts with `key_prefix` and ends with `key_suffix` when given) at `now`
    (aware, UTC stored) with `reason` in plain words. Acknowledged alerts are resolved too:
    the record says why the cause went away. Returns how many were resolved; a second call
    resolves none (idempotent)."""
    found = Alert.objects.filter(kind__in=list(kinds), resolved_at__isnull=True)
    if referral is not None:
        found = found.filter(referral=referral)
    if patient is not None:
        found = found.filter(patient=patient)
    if key_prefix:
        found = found.filter(dedupe_key__startswith=key_prefix)
    if key_suffix:
        found = found.filter(dedupe_key__endswith=key_suffix)
    return found.update(resolved_at=now, resolved_reason=reason[:200])


@transaction.atomic
def alerts_sweep(*, now: datetime) -> int:
    """Resolve every unresolved alert whose cause is gone at `now`; returns how many.
    Consult alerts: the referral has a consult (`consult_at`) or is closed. Board
    readiness alerts: the case is ready, withdrawn or on another meeting. Imaging alerts:
    the scan was done or booked, or the plan ended."""
    unresolved = Alert.objects.filter(resolved_at__isnull=True)
    consult = unresolved.filter(kind__in=CONSULT_KINDS)
    # A consult that meets the deadline ends them all; a late one ends the emergency page
    # alone: the deadline is still at risk or breached.
    met = Q(referral__consult_at__lte=F("referral__consult_due_at"))
    resolved = consult.filter(
        met | Q(kind=Alert.Kind.EMERGENCY, referral__consult_at__isnull=False)
    ).update(resolved_at=now, resolved_reason=CONSULT_BOOKED)
    resolved += consult.filter(referral__status="closed").update(
        resolved_at=now, resolved_reason=REFERRAL_CLOSED
    )
    resolved += sum(sweep(unresolved, now) for sweep in SWEEPS)
    return resolved


# Other apps' sweeps (the board's readiness and imaging alerts), handed over at start-up
# (`sweep_source`): notifications never imports them.
SWEEPS: list[Callable[..., int]] = []


def sweep_source(sweep: Callable[..., int]) -> None:
    """Register `sweep(unresolved_alerts, now) -> resolved count`, run by `alerts_sweep`.
    Call it from an AppConfig.ready."""
    if sweep not in SWEEPS:
        SWEEPS.append(sweep)


def key_ids(key: str) -> list[int]:
    """The ids in a dedupe key such as "board_unready:12:34"."""
    return [int(part) for part in key.split(":")[1:] if part.isdigit()]


def resolve_each(alerts: dict[int, str], now: datetime) -> int:
    """Resolve each alert id with its own reason; returns how many."""
    for pk, reason in alerts.items():
        Alert.objects.filter(pk=pk, resolved_at__isnull=True).update(
            resolved_at=now, resolved_reason=reason
        )
    return len(alerts)


def alerts_list(*, show_all: bool = False):
    """The alerts page's order: open before handled, then by severity (emergency first),
    then oldest first (the one waiting longest). Handled ones (acknowledged or resolved)
    only with `show_all`."""
    from django.db.models import Case, IntegerField, Q, Value, When

    found = Alert.objects.select_related("referral__patient", "patient", "acknowledged_by")
    handled = Q(acknowledged_at__isnull=False) | Q(resolved_at__isnull=False)
    if not show_all:
        found = found.exclude(handled)
    return found.annotate(
        handled=Case(When(handled, then=Value(1)), default=Value(0), output_field=IntegerField()),
        severity=Case(
            *(When(kind=kind, then=Value(rank)) for rank, kind in enumerate(SEVERITY)),
            default=Value(len(SEVERITY)),
            output_field=IntegerField(),
        ),
    ).order_by("handled", "severity", "created_at", "id")


@transaction.atomic
def alerts_acknowledge(*, ids: Iterable[int] | None, by, now: datetime) -> int:
    """Acknowledge the open alerts `ids` (None: every open alert) as `by` at `now`. A
    conditional update: two navigators acknowledging at once keep the first. Returns how
    many this call acknowledged."""
    found = open_alerts()
    if ids is not None:
        found = found.filter(pk__in=list(ids))
    return found.update(acknowledged_at=now, acknowledged_by=by)
