"""Reads for navigation, and the thin loader that feeds the pure engine.

The loader turns the database into engine data a few days at a time, earliest first, so
a search that finds its options in the first week never reads the rest of the horizon.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet

from navigation import availability, engine
from navigation.models import (
    LIVE,
    Appointment,
    AvailabilityTemplate,
    ClinicHoliday,
    Clinician,
    ExtraSession,
    TimeOff,
    TravelBuffer,
)
from tumorboard.roles import NAVIGATOR, PATIENT, SPECIALIST, has_role

CHUNK_DAYS = 7


def clinic_zone() -> ZoneInfo:
    """The server's default zone: only a default for new locations and patients (PRODUCT.md,
    "Time"); every local notion uses the zone of its location or person."""
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date, time_zone: str | None = None) -> tuple[datetime, datetime]:
    """A calendar day in `time_zone` (default: the server's) as a UTC interval (23 or 25
    hours on DST days)."""
    zone = time_zone or settings.TIME_ZONE
    return (
        availability.local_to_utc(day, time(0), zone),
        availability.local_to_utc(day + timedelta(days=1), time(0), zone),
    )


def _any_zone_bounds(day: date) -> tuple[datetime, datetime]:
    """From the first moment `day` exists anywhere on earth (UTC+14) to its last (UTC-12)."""
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    return midnight - timedelta(hours=14), midnight + timedelta(hours=36)


def travel_buffers() -> dict[tuple[int, int], int]:
    return {(b.from_location_id, b.to_location_id): b.minutes for b in TravelBuffer.objects.all()}


def clinic_sessions(
    clinicians: list[Clinician], first: date, last: date
) -> dict[date, list[availability.Session]]:
    """Every clinic session of `clinicians` between two dates, grouped by date."""
    ids = [c.pk for c in clinicians]
    templates = list(
        AvailabilityTemplate.objects.filter(clinician_id__in=ids, valid_from__lte=last)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=first))
        .select_related("location")
    )
    extras = ExtraSession.objects.filter(clinician_id__in=ids, date__range=(first, last))
    holidays = defaultdict(set)
    for holiday in ClinicHoliday.objects.filter(date__range=(first, last)):
        holidays[holiday.date].add(holiday.location_id)
    by_day: dict[date, list[availability.Session]] = defaultdict(list)
    day = first
    while day <= last:
        for t in templates:
            if (
                t.weekday == day.weekday()
                and t.valid_from <= day
                and (t.valid_until is None or day <= t.valid_until)
            ):
                by_day[day].append(
                    availability.Session(
                        t.clinician_id,
                        t.location_id,
                        day,
                        t.start_time,
                        t.end_time,
                        t.location.time_zone,
                    )
                )
        day += timedelta(days=1)
    for extra in extras.select_related("location"):
        by_day[extra.date].append(
            availability.Session(
                extra.clinician_id,
                extra.location_id,
                extra.date,
                extra.start_time,
                extra.end_time,
                extra.location.time_zone,
            )
        )
    for day, closed in holidays.items():
        by_day[day] = [
            s for s in by_day.get(day, []) if None not in closed and s.location_id not in closed
        ]
    return by_day


def _live_or_held(now: datetime | None) -> Q:
    """Taken time: every live visit, and holds not yet expired at `now` (an expired hold
    frees its time at once, before the beat job deletes it)."""
    live = ~Q(status=Appointment.Status.CANCELLED)
    if now is None:
        return live
    return live & (~Q(status=Appointment.Status.HELD) | Q(hold__expires_at__gt=now))


Busy = dict[int, list[tuple[datetime, datetime]]]
PatientBusy = list[tuple[datetime, datetime, int]]


def _busy(
    clinician_ids: list[int],
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    exclude_id: int | None = None,
) -> Busy:
    """Booked and held time (overrides included) and time off per clinician, in
    [start, end)."""
    busy: Busy = defaultdict(list)
    booked = (
        Appointment.objects.filter(clinician_id__in=clinician_ids, start__lt=end, end__gt=start)
        .filter(_live_or_held(now))
        .exclude(pk__in=[exclude_id] if exclude_id else [])
        .values_list("clinician_id", "start", "end")
    )
    for clinician_id, s, e in booked:
        busy[clinician_id].append((s, e))
    for clinician_id, s, e in TimeOff.objects.filter(
        clinician_id__in=clinician_ids, start__lt=end, end__gt=start
    ).values_list("clinician_id", "start", "end"):
        busy[clinician_id].append((s, e))
    return busy


def _patient_busy(
    patient_id: int | None,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    exclude_id: int | None = None,
) -> PatientBusy:
    """The patient's own visits as (start, end, location), to keep apart from new ones."""
    if patient_id is None:
        return []
    return list(
        Appointment.objects.filter(patient_id=patient_id, start__lt=end, end__gt=start)
        .filter(_live_or_held(now))
        .exclude(pk__in=[exclude_id] if exclude_id else [])
        .values_list("start", "end", "location_id")
    )


def free_days(
    *,
    clinicians: list[Clinician],
    first: date,
    last: date,
    patient_id: int | None = None,
    not_before: datetime | None = None,
    window: tuple[time | None, time | None] | None = None,
    chunk_days: int = CHUNK_DAYS,
    buffers: dict[tuple[int, int], int] | None = None,
    exclude_id: int | None = None,
    now: datetime | None = None,
) -> Iterator[engine.DayCalendar]:
    """Each local date's free time of `clinicians`, loaded lazily a chunk of days at a time.

    A date is each session's own: a session belongs to the date on the wall clock of its
    location, in that location's zone, wherever the server is. The patient's window (local
    arrival and departure times) is applied in each session's zone too. The patient's own
    visits are cut out of everyone's free time with the walk to and from them (`buffers`,
    minutes between location ids, either way; 15 when a pair is missing), and so is
    everything before `not_before` (no slot in the past). `exclude_id` is an appointment
    to leave out (the one being rescheduled); holds expired at `now` are free.
    """
    specialty = {c.pk: c.specialty for c in clinicians}
    ids = list(specialty)
    buffers = travel_buffers() if buffers is None else buffers
    now = now or not_before
    chunk_start = first
    while chunk_start <= last:
        chunk_end = min(last, chunk_start + timedelta(days=chunk_days - 1))
        sessions = clinic_sessions(clinicians, chunk_start, chunk_end)
        span_start, _ = _any_zone_bounds(chunk_start)
        _, span_end = _any_zone_bounds(chunk_end)
        busy = _busy(ids, span_start, span_end, now=now, exclude_id=exclude_id)
        patient_busy = _patient_busy(
            patient_id, span_start, span_end, now=now, exclude_id=exclude_id
        )
        day = chunk_start
        while day <= chunk_end:
            yield _day_calendar(
                day,
                sessions.get(day, []),
                busy,
                patient_busy,
                specialty,
                not_before,
                window,
                buffers,
            )
            day += timedelta(days=1)
        chunk_start = chunk_end + timedelta(days=1)


def _buffer(buffers: dict[tuple[int, int], int], a: int, b: int) -> int:
    if a == b:
        return 0
    return buffers.get((a, b), buffers.get((b, a), engine.ItineraryRequest.default_buffer))


def _day_calendar(
    day: date,
    sessions: list[availability.Session],
    busy: Busy,
    patient_busy: PatientBusy,
    specialty: dict[int, str],
    not_before: datetime | None,
    window: tuple[time | None, time | None] | None,
    buffers: dict[tuple[int, int], int],
) -> engine.DayCalendar:
    day_start, day_end = _any_zone_bounds(day)
    blocked = []
    if not_before and not_before > day_start:
        blocked.append((day_start, min(not_before, day_end)))
    spans: dict[int, list[availability.Span]] = defaultdict(list)
    for session in sessions:
        span: availability.Span | None = availability.session_span(session)
        if window and span is not None:
            span = _clip(span, session, window)
        if span is not None:
            spans[session.clinician_id].append(span)
    clinicians = []
    for clinician_id in sorted(spans):
        free = []
        for span in spans[clinician_id]:
            walk = [
                (
                    s - timedelta(minutes=_buffer(buffers, span.location_id, place)),
                    e + timedelta(minutes=_buffer(buffers, place, span.location_id)),
                )
                for s, e, place in patient_busy
            ]
            free += availability.subtract([span], busy.get(clinician_id, []) + blocked + walk)
        if free:
            clinicians.append(
                engine.ClinicianDay(
                    clinician_id,
                    specialty[clinician_id],
                    tuple(engine.FreeInterval(f.start, f.end, f.location_id) for f in free),
                )
            )
    return engine.DayCalendar(day, tuple(clinicians), day_start, day_end)


def _clip(
    span: availability.Span,
    session: availability.Session,
    window: tuple[time | None, time | None],
) -> availability.Span | None:
    """The part of a session inside the patient's window, on its location's wall clock."""
    start, end = span.start, span.end
    if window[0]:
        start = max(start, availability.local_to_utc(session.day, window[0], session.time_zone))
    if window[1]:
        end = min(end, availability.local_to_utc(session.day, window[1], session.time_zone))
    return availability.Span(start, end, span.location_id) if start < end else None


def sessions_covering(
    visits: list[tuple[Clinician, datetime, datetime]],
) -> list[tuple[int, date, str] | None]:
    """For each (clinician, start, end): the (location id, local date, zone) of the clinic
    session minus time off that wholly holds it, or None. The sessions of every local date
    the instants can fall on (a day either side in UTC) are read once for all the visits."""
    if not visits:
        return []
    utc_days = [start.astimezone(UTC).date() for _, start, _ in visits]
    clinicians = list({clinician.pk: clinician for clinician, _, _ in visits}.values())
    sessions = clinic_sessions(
        clinicians, min(utc_days) - timedelta(days=1), max(utc_days) + timedelta(days=1)
    )
    off: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for clinician_id, start, end in TimeOff.objects.filter(
        clinician_id__in=[c.pk for c in clinicians],
        start__lt=max(end for _, _, end in visits),
        end__gt=min(start for _, start, _ in visits),
    ).values_list("clinician_id", "start", "end"):
        off[clinician_id].append((start, end))
    found: list[tuple[int, date, str] | None] = []
    for clinician, start, end in visits:
        hit = None
        for day_sessions in sessions.values():
            for session in day_sessions:
                if session.clinician_id != clinician.pk:
                    continue
                for span in availability.subtract(
                    [availability.session_span(session)], off[clinician.pk]
                ):
                    if span.start <= start and end <= span.end:
                        hit = (session.location_id, session.day, session.time_zone)
        found.append(hit)
    return found


def clashes(
    *,
    clinician_id: int,
    patient_id: int,
    start: datetime,
    end: datetime,
    exclude_ids: Iterable[int] = (),
) -> list[Appointment]:
    """Live or held appointments of the clinician or the patient overlapping [start, end),
    committed by others (`exclude_ids`: the rows of the request being rolled back)."""
    return list(
        Appointment.objects.filter(LIVE, start__lt=end, end__gt=start)
        .filter(Q(clinician_id=clinician_id) | Q(patient_id=patient_id))
        .exclude(pk__in=list(exclude_ids))
        .select_related("clinician", "hold", "location")
    )


def appointment_list(*, user: Any) -> QuerySet[Appointment]:
    """Navigators see every appointment; specialists their own; patients theirs."""
    appointments = Appointment.objects.select_related("clinician", "location", "patient")
    if has_role(user, NAVIGATOR) or has_role(user, "admin"):
        return appointments
    if has_role(user, SPECIALIST):
        return appointments.filter(clinician__user=user)
    if has_role(user, PATIENT):
        return appointments.filter(patient__user=user)
    return appointments.none()


def clinicians_of(specialties: Iterable[str]) -> list[Clinician]:
    return list(Clinician.objects.filter(active=True, specialty__in=list(specialties)))


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class HeldOption:
    """A running hold and its held visits (earliest first)."""

    hold: Any
    visits: list[Appointment]


def referral_holds(*, referral: Any, now: datetime) -> list[HeldOption]:
    """The referral's holds still running at `now` (aware), soonest to expire first, each
    with its held visits (clinician and location loaded)."""
    from navigation.models import Hold

    holds = list(
        Hold.objects.filter(referral=referral, status=Hold.Status.ACTIVE, expires_at__gt=now)
        .select_related("created_by")
        .order_by("expires_at", "id")
    )
    if not holds:
        return []
    by_hold: dict[int, list[Appointment]] = defaultdict(list)
    for visit in (
        Appointment.objects.filter(hold__in=holds, status=Appointment.Status.HELD)
        .select_related("clinician", "location")
        .order_by("start")
    ):
        if visit.hold_id is not None:
            by_hold[visit.hold_id].append(visit)
    return [HeldOption(hold, by_hold[hold.pk]) for hold in holds]
