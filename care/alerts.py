"""Clock alerts end by themselves: registered with `notifications.alerts` at start-up
(`sweep_source`), run with the other sweeps every minute. An alert about a clock ends when
the clock stopped, went away (its start was undone) or its referral closed."""

from __future__ import annotations

from datetime import datetime

from notifications.alerts import resolve_each
from notifications.models import Alert


def sweep_clocks(unresolved, now: datetime) -> int:
    from care.models import Clock
    from care.services import UNDONE, stopped_reason

    alerts = list(
        unresolved.filter(kind=Alert.Kind.CLOCK).values_list("pk", "dedupe_key", "referral_id")
    )
    if not alerts:
        return 0
    rows = {
        (row.kind, row.referral_id): row
        for row in Clock.objects.filter(referral_id__in={a[2] for a in alerts}).select_related(
            "referral"
        )
    }
    gone = {}
    for pk, key, referral_id in alerts:
        kind = key.split(":")[1]
        row = rows.get((kind, referral_id))
        if row is None:
            gone[pk] = UNDONE
        elif row.stopped_at is not None:
            gone[pk] = stopped_reason(kind)
        elif row.referral.status == "closed":
            gone[pk] = "The referral was closed."
    return resolve_each(gone, now)
