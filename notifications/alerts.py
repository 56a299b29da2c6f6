"""Alerts that end: an alert resolves itself when its cause is gone, recording when and
why (PRODUCT.md, "Rules settled": the consult is booked, the case became ready, the scan
was done).

The writes that remove a cause call `alerts_resolve` in their own transaction; the
periodic `alerts_sweep` (beat, every minute) resolves whatever a call site missed, so no
rule depends on every caller remembering.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    Alert.Kind.PATIENT_REPLY,
    Alert.Kind.DELIVERY,
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
    resolved += _sweep_board(unresolved, now)
    resolved += _sweep_imaging(unresolved, now)
    return resolved


def _key_ids(key: str) -> list[int]:
    return [int(part) for part in key.split(":")[1:] if part.isdigit()]


def _resolve(alerts: dict[int, str], now: datetime) -> int:
    for pk, reason in alerts.items():
        Alert.objects.filter(pk=pk, resolved_at__isnull=True).update(
            resolved_at=now, resolved_reason=reason
        )
    return len(alerts)


def _sweep_board(unresolved, now: datetime) -> int:
    from board.models import Case

    alerts = list(
        unresolved.filter(
            kind=Alert.Kind.BOARD, dedupe_key__startswith="board_unready:"
        ).values_list("pk", "dedupe_key")
    )
    keys = {pk: _key_ids(key) for pk, key in alerts}
    cases = Case.objects.in_bulk([ids[1] for ids in keys.values() if len(ids) == 2])
    gone = {}
    for pk, ids in keys.items():
        case = cases.get(ids[1]) if len(ids) == 2 else None
        if case is None or case.status == Case.Status.WITHDRAWN:
            gone[pk] = "The case was withdrawn from the board."
        elif case.meeting_id != ids[0]:
            gone[pk] = "The case moved to another meeting."
        elif case.readiness()[0]:
            gone[pk] = CASE_READY
    return _resolve(gone, now)


def _sweep_imaging(unresolved, now: datetime) -> int:
    from board.models import Scan, SurveillancePlan

    alerts = list(unresolved.filter(kind=Alert.Kind.IMAGING).values_list("pk", "dedupe_key"))
    if not alerts:
        return 0
    gone = {}
    for pk, key in alerts:
        what, ids = key.split(":", 1)[0], _key_ids(key)
        if what in ("imaging_unrecorded", "imaging_missed") and ids:
            scan = Scan.objects.filter(pk=ids[0]).select_related("plan").first()
            if scan is None:
                continue
            if what == "imaging_unrecorded" and scan.status != Scan.Status.BOOKED:
                gone[pk] = (
                    SCAN_DONE if scan.status == Scan.Status.DONE else "The scan was recorded."
                )
            elif what == "imaging_missed":
                later = scan.plan.scans.filter(pk__gt=scan.pk).exclude(
                    status__in=[Scan.Status.CANCELLED, Scan.Status.MISSED]
                )
                if later.filter(status=Scan.Status.DONE).exists():
                    gone[pk] = SCAN_DONE
                elif later.exists():
                    gone[pk] = SCAN_BOOKED
        elif what in ("imaging_overdue", "imaging_no_slot") and ids:
            plan = SurveillancePlan.objects.filter(pk=ids[0]).first()
            if plan is None or plan.status != SurveillancePlan.Status.ACTIVE:
                gone[pk] = "The surveillance plan ended."
                continue
            scans = plan.scans.filter(status__in=[Scan.Status.BOOKED, Scan.Status.DONE])
            if (
                plan.last_scan_on >= _due(key)
                or scans.filter(status=Scan.Status.DONE).filter(due_on__gte=_due(key)).exists()
            ):
                gone[pk] = SCAN_DONE
            elif scans.filter(status=Scan.Status.BOOKED).exists():
                gone[pk] = SCAN_BOOKED
    return _resolve(gone, now)


def _due(key: str):
    from datetime import date

    return date.fromisoformat(key.rsplit(":", 1)[1])


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
