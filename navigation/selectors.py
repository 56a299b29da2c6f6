"""Reads for navigation, and the thin loader that feeds the pure engine.

The loader turns the database into engine data a few days at a time, earliest first, so
a search that finds its options in the first week never reads the rest of the horizon.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
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
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A clinic-time calendar day as a UTC interval (23 or 25 hours on DST days)."""
    return (
        availability.local_to_utc(day, time(0), settings.TIME_ZONE),
        availability.local_to_utc(day + timedelta(days=1), time(0), settings.TIME_ZONE),
    )


def travel_buffers() -> dict[tuple[int, int], int]:
    return {(b.from_location_id, b.to_location_id): b.minutes for b in TravelBuffer.objects.all()}


def clinic_sessions(clinicians: list[Clinician], first: date, last: date):
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


def _busy(clinician_ids: list[int], start: datetime, end: datetime):
    """Booked time (overrides included) and time off per clinician, in [start, end)."""
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    booked = (
        Appointment.objects.filter(clinician_id__in=clinician_ids, start__lt=end, end__gt=start)
        .exclude(status=Appointment.Status.CANCELLED)
        .values_list("clinician_id", "start", "end")
    )
    for clinician_id, s, e in booked:
        busy[clinician_id].append((s, e))
    for clinician_id, s, e in TimeOff.objects.filter(
        clinician_id__in=clinician_ids, start__lt=end, end__gt=start
    ).values_list("clinician_id", "start", "end"):
        busy[clinician_id].append((s, e))
    return busy


def _patient_busy(patient_id: int | None, start: datetime, end: datetime):
    if patient_id is None:
        return []
    return list(
        Appointment.objects.filter(patient_id=patient_id, start__lt=end, end__gt=start)
        .exclude(status=Appointment.Status.CANCELLED)
        .values_list("start", "end")
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
) -> Iterator[engine.DayCalendar]:
    """Each day's free time of `clinicians`, loaded lazily a chunk of days at a time.

    The patient's own bookings are cut out of everyone's free time (their visits must not
    overlap), and so is everything before `not_before` (no slot in the past).
    """
    specialty = {c.pk: c.specialty for c in clinicians}
    ids = list(specialty)
    chunk_start = first
    while chunk_start <= last:
        chunk_end = min(last, chunk_start + timedelta(days=chunk_days - 1))
        sessions = clinic_sessions(clinicians, chunk_start, chunk_end)
        span_start, _ = day_bounds(chunk_start)
        _, span_end = day_bounds(chunk_end)
        busy = _busy(ids, span_start, span_end)
        patient_busy = _patient_busy(patient_id, span_start, span_end)
        day = chunk_start
        while day <= chunk_end:
            yield _day_calendar(
                day, sessions.get(day, []), busy, patient_busy, specialty, not_before, window
            )
            day += timedelta(days=1)
        chunk_start = chunk_end + timedelta(days=1)


def _day_calendar(day, sessions, busy, patient_busy, specialty, not_before, window):
    day_start, day_end = day_bounds(day)
    window_start, window_end = day_start, day_end
    if window and window[0]:
        window_start = availability.local_to_utc(day, window[0], settings.TIME_ZONE)
    if window and window[1]:
        window_end = availability.local_to_utc(day, window[1], settings.TIME_ZONE)
    blocked = list(patient_busy)
    if not_before and not_before > day_start:
        blocked.append((day_start, min(not_before, day_end)))
    spans: dict[int, list[availability.Span]] = defaultdict(list)
    for session in sessions:
        spans[session.clinician_id].append(availability.session_span(session))
    clinicians = []
    for clinician_id in sorted(spans):
        free = availability.subtract(spans[clinician_id], busy.get(clinician_id, []) + blocked)
        if free:
            clinicians.append(
                engine.ClinicianDay(
                    clinician_id,
                    specialty[clinician_id],
                    tuple(engine.FreeInterval(f.start, f.end, f.location_id) for f in free),
                )
            )
    return engine.DayCalendar(day, tuple(clinicians), window_start, window_end)


def session_covers(*, clinician: Clinician, start: datetime, end: datetime) -> int | None:
    """The location of the clinic session (minus time off) that wholly holds [start, end),
    or None when the clinician is not working then."""
    return sessions_covering([(clinician, start, end)])[0]


def sessions_covering(visits: list[tuple[Clinician, datetime, datetime]]) -> list[int | None]:
    """`session_covers` for each (clinician, start, end), with one look-up of the sessions
    and the time off of them all (a same-day itinerary's visits at once)."""
    if not visits:
        return []
    zone = clinic_zone()
    days = [start.astimezone(zone).date() for _, start, _ in visits]
    clinicians = list({clinician.pk: clinician for clinician, _, _ in visits}.values())
    sessions = clinic_sessions(clinicians, min(days), max(days))
    off = defaultdict(list)
    for clinician_id, start, end in TimeOff.objects.filter(
        clinician_id__in=[c.pk for c in clinicians],
        start__lt=max(end for _, _, end in visits),
        end__gt=min(start for _, start, _ in visits),
    ).values_list("clinician_id", "start", "end"):
        off[clinician_id].append((start, end))
    found = []
    for (clinician, start, end), day in zip(visits, days, strict=True):
        spans = [
            availability.session_span(session)
            for session in sessions.get(day, [])
            if session.clinician_id == clinician.pk
        ]
        found.append(
            next(
                (
                    span.location_id
                    for span in availability.subtract(spans, off[clinician.pk])
                    if span.start <= start and end <= span.end
                ),
                None,
            )
        )
    return found


def clashes(
    *,
    clinician_id: int,
    patient_id: int,
    start: datetime,
    end: datetime,
    exclude_id: int | None = None,
) -> list[Appointment]:
    """Live appointments of the clinician or the patient overlapping [start, end)."""
    return list(
        Appointment.objects.filter(LIVE, start__lt=end, end__gt=start)
        .filter(Q(clinician_id=clinician_id) | Q(patient_id=patient_id))
        .exclude(pk=exclude_id)
        .select_related("clinician")
    )


def appointment_list(*, user) -> QuerySet[Appointment]:
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
