"""Slots, derived: each clinic session cut into free, busy (a live booking) and
busy-unavailable (time off) pieces. Nothing is stored; the ids say whose and when."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from interop.mapping import SLOT_BUSY, SLOT_FREE, SLOT_UNAVAILABLE
from navigation import availability, selectors
from navigation.models import Appointment, Clinician, TimeOff

GRID_MINUTES = 5


@dataclass(frozen=True)
class SlotSpan:
    clinician_id: int
    start: datetime
    end: datetime
    status: str


def _grid_ceil(moment: datetime) -> datetime:
    """The first 5-minute mark at or after `moment`: free time starts where a visit can."""
    floor = moment.replace(second=0, microsecond=0)
    floor -= timedelta(minutes=floor.minute % GRID_MINUTES)
    return floor if floor == moment else floor + timedelta(minutes=GRID_MINUTES)


def _clip(intervals, span) -> list[tuple[datetime, datetime]]:
    return [
        (max(start, span.start), min(end, span.end))
        for start, end in intervals
        if start < span.end and end > span.start
    ]


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


def slot_spans(
    *,
    clinicians: list[Clinician],
    after: datetime,
    before: datetime,
    now: datetime,
    statuses: frozenset[str] = frozenset((SLOT_FREE, SLOT_BUSY, SLOT_UNAVAILABLE)),
) -> list[SlotSpan]:
    """Slots of `clinicians` starting in [after, before), earliest first. Free time before
    `now` is gone, not offered; cancelled visits free their time again."""
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
    gone = _grid_ceil(now)
    out = []
    for clinician_id, clinician_spans in spans.items():
        for span in _merged(clinician_spans):
            pieces = []
            if SLOT_UNAVAILABLE in statuses:
                pieces += [(s, e, SLOT_UNAVAILABLE) for s, e in _clip(off[clinician_id], span)]
            working = availability.subtract([span], off[clinician_id])
            if SLOT_BUSY in statuses:
                for part in working:
                    pieces += [(s, e, SLOT_BUSY) for s, e in _clip(booked[clinician_id], part)]
            if SLOT_FREE in statuses:
                free = availability.subtract(working, booked[clinician_id] + [(span.start, gone)])
                pieces += [(f.start, f.end, SLOT_FREE) for f in free]
            out += [
                SlotSpan(clinician_id, s, e, status)
                for s, e, status in pieces
                if after <= s < before
            ]
    return sorted(out, key=lambda slot: (slot.start, slot.clinician_id, slot.end))
