"""The board's alerts that end by themselves: a case made ready, moved or withdrawn; a
scan done or booked, or its plan ended. Registered with `notifications.alerts` at start-up
(`sweep_source`), which runs them with the other sweeps every minute."""

from __future__ import annotations

from datetime import datetime

from notifications.alerts import CASE_READY, SCAN_BOOKED, SCAN_DONE, key_ids, resolve_each
from notifications.models import Alert


def sweep_board(unresolved, now: datetime) -> int:
    from board.models import Case

    alerts = list(
        unresolved.filter(
            kind=Alert.Kind.BOARD, dedupe_key__startswith="board_unready:"
        ).values_list("pk", "dedupe_key")
    )
    keys = {pk: key_ids(key) for pk, key in alerts}
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
    return resolve_each(gone, now)


def sweep_imaging(unresolved, now: datetime) -> int:
    from board.models import Scan, SurveillancePlan

    alerts = list(unresolved.filter(kind=Alert.Kind.IMAGING).values_list("pk", "dedupe_key"))
    if not alerts:
        return 0
    gone = {}
    for pk, key in alerts:
        what, ids = key.split(":", 1)[0], key_ids(key)
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
    return resolve_each(gone, now)


def _due(key: str):
    from datetime import date

    return date.fromisoformat(key.rsplit(":", 1)[1])
