"""Time off over visits already booked: the clinician, room, machine or interpreter is
away when visits still count on them. Time off is accepted (the absence is a fact), the
answer lists the visits it falls on, and each gets a navigator alert (kind `time_off`) to
re-plan it, which ends by itself once the visit is moved off it, cancelled, or the time
off is shortened or deleted (`sweep_time_off`, run with the other alert sweeps).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet

from navigation.models import Appointment, TimeOff
from notifications import outbox
from notifications.alerts import key_ids, resolve_each
from notifications.models import Alert

UPCOMING = (Appointment.Status.BOOKED, Appointment.Status.HELD)
KEY = "time_off:"  # time_off:<time off id>:<appointment id>
NO_LONGER = "The visit is no longer in the time off (moved or cancelled)."
OFF_GONE = "The time off was deleted."


def time_off_visits(time_off: TimeOff, *, now: datetime) -> QuerySet[Appointment]:
    """The visits booked or held, not over at `now` (aware), that meet `time_off`: the
    clinician's own visits, or the visits taking the resource; by start."""
    visits = Appointment.objects.filter(
        status__in=UPCOMING, start__lt=time_off.end, end__gt=max(time_off.start, now)
    )
    if time_off.clinician_id:
        visits = visits.filter(clinician_id=time_off.clinician_id)
    else:
        visits = visits.filter(resource_bookings__resource=time_off.resource).distinct()
    return visits.select_related("location", "clinician", "referral", "patient").order_by(
        "start", "pk"
    )


@transaction.atomic
def time_off_alert(time_off: TimeOff, *, now: datetime) -> list[Appointment]:
    """After `time_off` was created or changed: a navigator alert per visit it now falls
    on (once per visit), and the alerts of visits it no longer meets resolved. Returns the
    visits it falls on, by start."""
    visits = list(time_off_visits(time_off, now=now))
    owner = time_off.clinician or time_off.resource
    prefix = f"{KEY}{time_off.pk}:"
    for visit in visits:
        local = visit.start.astimezone(ZoneInfo(visit.location.time_zone))
        outbox.alert_navigators(
            kind=Alert.Kind.TIME_OFF,
            referral=visit.referral,
            patient=visit.patient,
            text=(
                f"Appointment {visit.pk} ({visit.get_specialty_display()}, "
                f"{local:%a %Y-%m-%d %H:%M} {visit.location.time_zone}, {visit.status}) "
                f"needs {owner}, who is off then (time off {time_off.pk}): re-plan it."
            ),
            dedupe_key=f"{prefix}{visit.pk}",
        )
    kept = {f"{prefix}{visit.pk}" for visit in visits}
    stale = (
        Alert.objects.filter(
            kind=Alert.Kind.TIME_OFF, resolved_at__isnull=True, dedupe_key__startswith=prefix
        )
        .exclude(dedupe_key__in=kept)
        .values_list("pk", flat=True)
    )
    resolve_each(dict.fromkeys(stale, NO_LONGER), now)
    return visits


def time_off_removed(time_off_id: int, *, now: datetime) -> int:
    """Resolve the alerts of a deleted time off; returns how many."""
    stale = Alert.objects.filter(
        kind=Alert.Kind.TIME_OFF,
        resolved_at__isnull=True,
        dedupe_key__startswith=f"{KEY}{time_off_id}:",
    ).values_list("pk", flat=True)
    return resolve_each(dict.fromkeys(stale, OFF_GONE), now)


def sweep_time_off(unresolved: QuerySet[Alert], now: datetime) -> int:
    """Resolve the `time_off` alerts whose time off is gone or whose visit no longer meets
    it (moved, cancelled, over); registered with `notifications.alerts.sweep_source`."""
    alerts = list(unresolved.filter(kind=Alert.Kind.TIME_OFF).values_list("pk", "dedupe_key"))
    if not alerts:
        return 0
    keys = {pk: key_ids(key) for pk, key in alerts}
    offs = TimeOff.objects.in_bulk({ids[0] for ids in keys.values() if len(ids) == 2})
    gone = {}
    for pk, ids in keys.items():
        off = offs.get(ids[0]) if len(ids) == 2 else None
        if off is None:
            gone[pk] = OFF_GONE
        elif not time_off_visits(off, now=now).filter(pk=ids[1]).exists():
            gone[pk] = NO_LONGER
    return resolve_each(gone, now)
