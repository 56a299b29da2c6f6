"""Slots, derived and bookable: each clinic session cut from its start into back-to-back
pieces as long as the clinician's new-patient visit, on the 5-minute grid. Nothing is
stored; the id says whose and when, and the cut depends only on the sessions and the visit
lengths, so an id stays the same while bookings, holds and the clock move."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from interop.mapping import SLOT_BUSY, SLOT_FREE, SLOT_UNAVAILABLE, parse_slot_id
from navigation import availability, selectors
from navigation.models import Appointment, Clinician, TimeOff
from navigation.services import visits_minutes

GRID_MINUTES = 5


@dataclass(frozen=True)
class SlotSpan:
    clinician_id: int
    start: datetime
    end: datetime
    status: str
    specialty: str  # its visit type: the specialty's new-patient visit


def _grid_ceil(moment: datetime) -> datetime:
    """The first 5-minute mark at or after `moment`: free time starts where a visit can."""
    floor = moment.replace(second=0, microsecond=0)
    floor -= timedelta(minutes=floor.minute % GRID_MINUTES)
    return floor if floor == moment else floor + timedelta(minutes=GRID_MINUTES)


def _merged(spans: list[availability.Span]) -> list[availability.Span]:
    """Overlapping sessions (a template and an extra session) as one stretch of time, so
    that no two slots overlap or share an id."""
    out: list[availability.Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if out and span.start <= out[-1].end:
            last = out.pop()
            span = availability.Span(last.start, max(last.end, span.end), last.location_id)
        out.append(span)
    return out


def _meets(intervals, start: datetime, end: datetime) -> bool:
    return any(s < end and e > start for s, e in intervals)


def slot_spans(
    *,
    clinicians: list[Clinician],
    after: datetime,
    before: datetime,
    now: datetime,
    statuses: frozenset[str] = frozenset((SLOT_FREE, SLOT_BUSY, SLOT_UNAVAILABLE)),
) -> list[SlotSpan]:
    """Slots of `clinicians` starting in [after, before) (aware), earliest first: each
    session (overlapping ones merged) cut from its first grid mark into pieces of the
    clinician's new-patient visit length (`visits_minutes`), a shorter remainder dropped.
    A piece is busy-unavailable when it meets time off, busy when it meets a live booking
    or hold, else free; a free piece starting before `now` is not offered."""
    if not clinicians or after >= before:
        return []
    zone = selectors.clinic_zone()
    # A day either side: a session in another zone can start on the neighbouring date.
    first = after.astimezone(zone).date() - timedelta(days=1)
    last = before.astimezone(zone).date() + timedelta(days=1)
    sessions = selectors.clinic_sessions(clinicians, first, last)
    spans = defaultdict(list)
    for day_sessions in sessions.values():
        for session in day_sessions:
            span = availability.session_span(session)
            if span.start < before and span.end > after:
                spans[session.clinician_id].append(span)
    if not spans:
        return []
    lo = min(s.start for ss in spans.values() for s in ss)
    hi = max(s.end for ss in spans.values() for s in ss)
    ids = list(spans)
    booked, off = defaultdict(list), defaultdict(list)
    for clinician_id, start, end in (
        Appointment.objects.filter(clinician_id__in=ids, start__lt=hi, end__gt=lo)
        .exclude(status=Appointment.Status.CANCELLED)
        .values_list("clinician_id", "start", "end")
    ):
        booked[clinician_id].append((start, end))
    for clinician_id, start, end in TimeOff.objects.filter(
        clinician_id__in=ids, start__lt=hi, end__gt=lo
    ).values_list("clinician_id", "start", "end"):
        off[clinician_id].append((start, end))
    specialty = {c.pk: c.specialty for c in clinicians}
    minutes = visits_minutes(set(specialty.values()))
    out = []
    for clinician_id, clinician_spans in spans.items():
        length = timedelta(minutes=minutes[specialty[clinician_id]])
        for span in _merged(clinician_spans):
            start = _grid_ceil(span.start)
            while start + length <= span.end:
                end = start + length
                if _meets(off[clinician_id], start, end):
                    status = SLOT_UNAVAILABLE
                elif _meets(booked[clinician_id], start, end):
                    status = SLOT_BUSY
                else:
                    status = SLOT_FREE
                if (
                    after <= start < before
                    and status in statuses
                    and (status != SLOT_FREE or start >= now)
                ):
                    out.append(SlotSpan(clinician_id, start, end, status, specialty[clinician_id]))
                start = end
    return sorted(out, key=lambda slot: (slot.start, slot.clinician_id, slot.end))


def slot_get(value: str, *, now: datetime) -> SlotSpan | None:
    """The slot with this id as it is now (any status), or None when the id is not one
    of our cuts (or a free slot already past)."""
    parsed = parse_slot_id(value)
    if parsed is None:
        return None
    clinician_id, start, end = parsed
    clinician = Clinician.objects.filter(pk=clinician_id).first()
    if clinician is None:
        return None
    for span in slot_spans(
        clinicians=[clinician], after=start, before=start + timedelta(seconds=1), now=now
    ):
        if span.start == start and span.end == end:
            return span
    return None
