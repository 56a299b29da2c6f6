"""Reads for navigation, and the thin loader that feeds the pure engine.

The loader turns the database into engine data a few days at a time, earliest first, so
a search that finds its options in the first week never reads the rest of the horizon.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet

from navigation import availability, engine
from navigation.models import (
    LIVE,
    Appointment,
    AppointmentResource,
    AvailabilityTemplate,
    ClinicHoliday,
    Clinician,
    ExtraSession,
    Resource,
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
    clinicians: list[Clinician] | list[Resource],
    first: date,
    last: date,
    owner: str = "clinician",
) -> dict[date, list[availability.Session]]:
    """Every clinic session of `clinicians` between two dates, grouped by date. With
    `owner="resource"` the same for resources (their sessions' `clinician_id` is then the
    resource's id): one set of rules for both, templates, extra sessions and holidays."""
    ids = [c.pk for c in clinicians]
    if owner == "resource":
        return _owner_sessions([], ids, first, last)[1]
    return _owner_sessions(ids, [], first, last)[0]


Sessions = dict[date, list[availability.Session]]


Extras = list[tuple[Any, ...]]
Holidays = dict[date, set[int | None]]


def _extras_and_holidays(
    clinician_ids: list[int], resource_ids: list[int], first: date, last: date
) -> tuple[Extras, Holidays]:
    """The owners' extra sessions between two dates, as `_owner_sessions` reads them, and
    the clinic holidays (date -> closed location ids, None for the whole center)."""
    owners = Q(clinician_id__in=clinician_ids) | Q(resource_id__in=resource_ids)
    extras = list(
        ExtraSession.objects.filter(owners, date__range=(first, last))
        .order_by()
        .values_list(
            "clinician_id",
            "resource_id",
            "location_id",
            "date",
            "start_time",
            "end_time",
            "location__time_zone",
        )
    )
    holidays: Holidays = defaultdict(set)
    for holiday_date, holiday_location in ClinicHoliday.objects.filter(
        date__range=(first, last)
    ).values_list("date", "location_id"):
        holidays[holiday_date].add(holiday_location)
    return extras, holidays


Templates = dict[int, list[tuple[Any, ...]]]


def _templates(
    clinician_ids: list[int], resource_ids: list[int], first: date, last: date
) -> Templates:
    """The owners' weekly templates valid on any date between two dates, as plain rows
    (owner ids, location, weekday, times, zone, validity) by weekday: a health system's
    week has thousands of them. A date's own validity is `_owner_sessions`' to check."""
    owners = Q(clinician_id__in=clinician_ids) | Q(resource_id__in=resource_ids)
    by_weekday: Templates = defaultdict(list)
    for row in (
        AvailabilityTemplate.objects.filter(owners, valid_from__lte=last)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=first))
        .values_list(
            "clinician_id",
            "resource_id",
            "location_id",
            "weekday",
            "start_time",
            "end_time",
            "location__time_zone",
            "valid_from",
            "valid_until",
        )
    ):
        by_weekday[row[3]].append(row)
    return by_weekday


def _owner_sessions(
    clinician_ids: list[int],
    resource_ids: list[int],
    first: date,
    last: date,
    read: tuple[Extras, Holidays] | None = None,
    templates: Templates | None = None,
) -> tuple[Sessions, Sessions]:
    """`clinic_sessions` of some clinicians and some resources at once (three queries, or
    one with `read`: `_extras_and_holidays` of the same owners over these dates or more;
    none with `templates` too: `_templates` of the same owners over these dates or more)."""
    if not clinician_ids and not resource_ids:
        return {}, {}
    by_weekday = (
        _templates(clinician_ids, resource_ids, first, last) if templates is None else templates
    )
    if read is None:
        extras, holidays = _extras_and_holidays(clinician_ids, resource_ids, first, last)
    else:
        extras = [row for row in read[0] if first <= row[3] <= last]
        holidays = {day: closed for day, closed in read[1].items() if first <= day <= last}
    by_day: tuple[Sessions, Sessions] = (defaultdict(list), defaultdict(list))
    day = first
    while day <= last:
        for (
            clinician_id,
            resource_id,
            location_id,
            _,
            start,
            end,
            zone,
            valid_from,
            valid_until,
        ) in by_weekday[day.weekday()]:
            if valid_from <= day and (valid_until is None or day <= valid_until):
                owned = by_day[0] if clinician_id is not None else by_day[1]
                owned[day].append(
                    availability.Session(
                        clinician_id if clinician_id is not None else resource_id,
                        location_id,
                        day,
                        start,
                        end,
                        zone,
                    )
                )
        day += timedelta(days=1)
    for clinician_id, resource_id, location_id, on, start, end, zone in extras:
        owned = by_day[0] if clinician_id is not None else by_day[1]
        owned[on].append(
            availability.Session(
                clinician_id if clinician_id is not None else resource_id,
                location_id,
                on,
                start,
                end,
                zone,
            )
        )
    for owned in by_day:
        for day, closed in holidays.items():
            owned[day] = [
                s for s in owned.get(day, []) if None not in closed and s.location_id not in closed
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


def clinicians_time_off(clinician_ids: list[int], start: datetime, end: datetime) -> Busy:
    """Each clinician's time off overlapping [start, end) (aware), as (start, end) pairs:
    read once by a booking for `sessions_covering` and `free_days` both."""
    off: Busy = defaultdict(list)
    for clinician_id, s, e in TimeOff.objects.filter(
        clinician_id__in=clinician_ids, start__lt=end, end__gt=start
    ).values_list("clinician_id", "start", "end"):
        off[clinician_id].append((s, e))
    return off


def visit_span(starts: list[datetime]) -> tuple[datetime, datetime]:
    """The instants (UTC) of every local date `visit_sessions` reads for `starts`, in any
    zone: what `free_days` of any of those dates reads."""
    utc_days = [start.astimezone(UTC).date() for start in starts]
    return (
        _any_zone_bounds(min(utc_days) - timedelta(days=1))[0],
        _any_zone_bounds(max(utc_days) + timedelta(days=1))[1],
    )


ResourceBusy = dict[int, list[tuple[datetime, datetime, int | None]]]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Microseconds since the epoch: exact, and far cheaper to read than timestamptz text.
_US = "(extract(epoch from {}) * 1000000)::bigint"


def _sql(queryset: QuerySet[Any, Any]) -> tuple[str, tuple[Any, ...]]:
    """The queryset's SQL and parameters, unordered, to use inside a larger query."""
    sql, params = queryset.order_by().query.get_compiler(using=queryset.db).as_sql()
    return str(sql), tuple(params)


def _chunk_busy(
    clinician_ids: list[int],
    patient_id: int | None,
    resource_ids: list[int],
    start: datetime,
    end: datetime,
    *,
    now: datetime | None,
    exclude_id: int | None,
    time_off: Busy | None,
) -> tuple[Busy, PatientBusy, ResourceBusy]:
    """Booked and held time (overrides included) and time off of each clinician and each
    resource in [start, end), and the patient's own visits as (start, end, location), to
    keep apart from new ones; holds expired at `now` and `exclude_id` (the visit being
    rescheduled) left out. One query: PostgreSQL merges each clinician's intervals
    (`range_agg`), and each resource's per location of the visits that have it (time off:
    location None; an interpreter needs the walk from there), so fewer and equivalent cuts
    come back, as epoch microseconds; the patient's own visits come one by one (their
    clinicians, when not among `clinician_ids`, get busy time no calendar reads).
    `time_off`, when given, is the clinicians' time off already read (not read again)."""
    mine = Q(patient_id=patient_id) if patient_id is not None else Q(pk__in=[])
    visits = (
        Appointment.objects.filter(Q(clinician_id__in=clinician_ids) | mine)
        .filter(start__lt=end, end__gt=start)
        .filter(_live_or_held(now))
        .exclude(pk__in=[exclude_id] if exclude_id else [])
        .values_list("clinician_id", "patient_id", "start", "end", "location_id")
    )
    off = TimeOff.objects.filter(
        clinician_id__in=clinician_ids if time_off is None else [],
        start__lt=end,
        end__gt=start,
    ).values_list("clinician_id", "start", "end")
    taken = AppointmentResource.objects.filter(
        resource_id__in=resource_ids, live=True, start__lt=end, end__gt=start
    ).exclude(appointment_id__in=[exclude_id] if exclude_id else [])
    if now is not None:
        taken = taken.filter(
            ~Q(appointment__status=Appointment.Status.HELD)
            | Q(appointment__hold__expires_at__gt=now)
        )
    resource_off = TimeOff.objects.filter(
        resource_id__in=resource_ids, start__lt=end, end__gt=start
    ).values_list("resource_id", "start", "end")
    parts: list[str] = []
    params: list[Any] = []
    for name, queryset, types in (
        ("v(c, p, s, e, l)", visits, ("bigint", "bigint", "timestamptz", "timestamptz", "bigint")),
        ("o(c, s, e)", off, ("bigint", "timestamptz", "timestamptz")),
        (
            "r(c, s, e, l)",
            taken.values_list("resource_id", "start", "end", "appointment__location_id"),
            ("bigint", "timestamptz", "timestamptz", "bigint"),
        ),
        ("ro(c, s, e)", resource_off, ("bigint", "timestamptz", "timestamptz")),
    ):
        try:
            sql, more = _sql(queryset)
        except EmptyResultSet:  # an empty `__in`: no rows, with the columns' types
            sql, more = f"SELECT {', '.join(f'NULL::{t}' for t in types)} WHERE false", ()
        parts.append(f"{name} AS ({sql})")
        params += more
    lower, upper = _US.format("lower(x)"), _US.format("upper(x)")
    query = f"""
        WITH {", ".join(parts)}
        SELECT 0, c, NULL::bigint, {lower}, {upper} FROM (
            SELECT c, unnest(range_agg(tstzrange(s, e))) AS x FROM (
                SELECT c, s, e FROM v UNION ALL SELECT c, s, e FROM o
            ) AS u GROUP BY c
        ) AS merged
        UNION ALL
        SELECT 1, p, l, {_US.format("s")}, {_US.format("e")} FROM v WHERE p = %s::bigint
        UNION ALL
        SELECT 2, c, l, {lower}, {upper} FROM (
            SELECT c, l, unnest(range_agg(tstzrange(s, e))) AS x FROM (
                SELECT c, s, e, l FROM r UNION ALL SELECT c, s, e, NULL FROM ro
            ) AS u GROUP BY c, l
        ) AS merged
    """
    params.append(patient_id)
    busy: Busy = defaultdict(list)
    patient_busy: PatientBusy = []
    resource_busy: ResourceBusy = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for kind, owner, place, s, e in cursor.fetchall():
            span = (_EPOCH + timedelta(microseconds=s), _EPOCH + timedelta(microseconds=e))
            if kind == 0:
                busy[owner].append(span)
            elif kind == 1:
                patient_busy.append((*span, place))
            else:
                resource_busy[owner].append((*span, place))
    for clinician_id, spans in (time_off or {}).items():
        busy[clinician_id] += spans
    return busy, patient_busy, resource_busy


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
    resources: list[Resource] | None = None,
    sessions: dict[date, list[availability.Session]] | None = None,
    time_off: Busy | None = None,
) -> Iterator[engine.DayCalendar]:
    """Each local date's free time of `clinicians`, loaded lazily a chunk of days at a time.

    A date is each session's own: a session belongs to the date on the wall clock of its
    location, in that location's zone, wherever the server is. The patient's window (local
    arrival and departure times) is applied in each session's zone too. The patient's own
    visits are cut out of everyone's free time with the walk to and from them (`buffers`,
    minutes between location ids, either way; 15 when a pair is missing), and so is
    everything before `not_before` (no slot in the past). `exclude_id` is an appointment
    to leave out (the one being rescheduled); holds expired at `now` are free. `sessions`,
    when given, are the clinicians' sessions of every date asked for, already read, and
    `time_off` their time off over those dates (any zone), already read.
    `resources` get their free time the same way (`engine.ResourceDay`): a room or machine
    at its own location, an interpreter at every location with a session that day, with
    the walk from its other visits there taken out.
    """
    resources = resources or []
    mobile = {r.pk for r in resources if r.kind == Resource.Kind.INTERPRETER}
    specialty = {c.pk: c.specialty for c in clinicians}
    ids = list(specialty)
    resource_ids = [r.pk for r in resources]
    buffers = travel_buffers() if buffers is None else buffers
    now = now or not_before
    read: tuple[Extras, Holidays] | None = None  # over the whole range, once
    templates: Templates | None = None  # likewise
    chunk_start = first
    while chunk_start <= last:
        chunk_end = min(last, chunk_start + timedelta(days=chunk_days - 1))
        owners = ids if sessions is None else []
        if read is None and chunk_end < last:
            read = _extras_and_holidays(owners, resource_ids, first, last)
            templates = _templates(owners, resource_ids, first, last)
        if sessions is None:
            chunk, kept = _owner_sessions(
                ids, resource_ids, chunk_start, chunk_end, read, templates
            )
        else:
            chunk = sessions
            kept = _owner_sessions([], resource_ids, chunk_start, chunk_end, read, templates)[1]
        span_start, _ = _any_zone_bounds(chunk_start)
        _, span_end = _any_zone_bounds(chunk_end)
        # Only the clinicians with a session in the chunk have free time to cut.
        working = sorted(
            {
                s.clinician_id
                for d, day in chunk.items()
                if chunk_start <= d <= chunk_end
                for s in day
            }
        )
        busy, patient_busy, resource_busy = _chunk_busy(
            working,
            patient_id,
            resource_ids,
            span_start,
            span_end,
            now=now,
            exclude_id=exclude_id,
            time_off=time_off,
        )
        day = chunk_start
        while day <= chunk_end:
            calendar = _day_calendar(
                day,
                chunk.get(day, []),
                busy,
                patient_busy,
                specialty,
                not_before,
                window,
                buffers,
            )
            if resources:
                calendar = replace(
                    calendar,
                    resources=_resource_days(
                        kept.get(day, []),
                        resource_busy,
                        mobile,
                        {f.location_id for c in calendar.clinicians for f in c.free},
                        buffers,
                    ),
                )
            yield calendar
            day += timedelta(days=1)
        chunk_start = chunk_end + timedelta(days=1)


def walk_minutes(buffers: dict[tuple[int, int], int], a: int, b: int) -> int:
    """Minutes to walk from location `a` to `b`: 0 within one, else the travel buffer
    between them (either way; `engine.ItineraryRequest.default_buffer` when unset)."""
    if a == b:
        return 0
    return buffers.get((a, b), buffers.get((b, a), engine.ItineraryRequest.default_buffer))


@functools.lru_cache(maxsize=4096)
def _local_to_utc(day: date, at: time, time_zone: str) -> datetime:
    """`availability.local_to_utc`, remembered: a health system's sessions of one date
    start and end at a few wall-clock times in a few zones."""
    return availability.local_to_utc(day, at, time_zone)


def _session_span(session: availability.Session) -> availability.Span:
    """`availability.session_span`, through `_local_to_utc`."""
    return availability.Span(
        _local_to_utc(session.day, session.start, session.time_zone),
        _local_to_utc(session.day, session.end, session.time_zone),
        session.location_id,
    )


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
        span: availability.Span | None = _session_span(session)
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
                    s - timedelta(minutes=walk_minutes(buffers, span.location_id, place)),
                    e + timedelta(minutes=walk_minutes(buffers, place, span.location_id)),
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


def _resource_days(
    sessions: list[availability.Session],
    busy: ResourceBusy,
    mobile: set[int],
    places: set[int],
    buffers: dict[tuple[int, int], int],
) -> tuple[engine.ResourceDay, ...]:
    """Each resource's free time for a visit at each place: a fixed one at its own
    location; a mobile one (an interpreter) at every place, its other visits widened by the
    walk between their location and that place."""
    spans: dict[int, list[availability.Span]] = defaultdict(list)
    for session in sessions:
        spans[session.clinician_id].append(_session_span(session))
    out = []
    for resource_id in sorted(spans):
        free: list[engine.FreeInterval] = []
        own = {span.location_id for span in spans[resource_id]}
        taken = busy.get(resource_id, [])
        # Places whose walks from the resource's visits are the same get the same cuts:
        # subtract once for them (time off, located nowhere, takes no walk).
        done: dict[tuple[int, ...], list[availability.Span]] = {}
        for place in sorted(places | own) if resource_id in mobile else [None]:
            walks = tuple(
                0 if place is None else walk_minutes(buffers, there, place)
                for _, _, there in taken
                if there is not None
            )
            if walks not in done:
                cuts = []
                located = iter(walks)
                for s, e, there in taken:
                    if there is None:
                        cuts.append((s, e))
                    else:
                        walk = timedelta(minutes=next(located))
                        cuts.append((s - walk, e + walk))
                done[walks] = availability.subtract(spans[resource_id], cuts)
            free += [
                engine.FreeInterval(f.start, f.end, place or f.location_id) for f in done[walks]
            ]
        if free:
            out.append(engine.ResourceDay(resource_id, tuple(free)))
    return tuple(out)


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


def visit_sessions(
    clinicians: list[Clinician], starts: list[datetime]
) -> dict[date, list[availability.Session]]:
    """The clinic sessions of every local date the instants `starts` can fall on (a day
    either side of their UTC dates), read once for all of a plan's visits."""
    utc_days = [start.astimezone(UTC).date() for start in starts]
    return clinic_sessions(
        clinicians, min(utc_days) - timedelta(days=1), max(utc_days) + timedelta(days=1)
    )


def sessions_covering(
    visits: list[tuple[Clinician, datetime, datetime]],
    sessions: dict[date, list[availability.Session]] | None = None,
    time_off: Busy | None = None,
) -> list[tuple[int, date, str] | None]:
    """For each (clinician, start, end): the (location id, local date, zone) of the clinic
    session minus time off that wholly holds it, or None. `sessions`: `visit_sessions` of
    the visits, and `time_off` the clinicians' time off over them, when the caller has
    read them already."""
    if not visits:
        return []
    clinicians = list({clinician.pk: clinician for clinician, _, _ in visits}.values())
    if sessions is None:
        sessions = visit_sessions(clinicians, [start for _, start, _ in visits])
    off = time_off
    if off is None:
        off = clinicians_time_off(
            [c.pk for c in clinicians],
            min(start for _, start, _ in visits),
            max(end for _, _, end in visits),
        )
    found: list[tuple[int, date, str] | None] = []
    for clinician, start, end in visits:
        hit = None
        for day_sessions in sessions.values():
            for session in day_sessions:
                if session.clinician_id != clinician.pk:
                    continue
                for span in availability.subtract(
                    [availability.session_span(session)], off.get(clinician.pk, [])
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
        .select_related("clinician", "hold__created_by", "location")
    )


def appointment_list(*, user: Any) -> QuerySet[Appointment]:
    """Navigators see every appointment; specialists their own; patients theirs."""
    appointments = Appointment.objects.select_related(
        "clinician", "location", "patient", "visit_type"
    ).prefetch_related("resource_bookings__resource")
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
    with its held visits (clinician, location and resources taken loaded)."""
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
        .select_related("clinician", "location", "visit_type")
        .prefetch_related("resource_bookings__resource")
        .order_by("start")
    ):
        if visit.hold_id is not None:
            by_hold[visit.hold_id].append(visit)
    return [HeldOption(hold, by_hold[hold.pk]) for hold in holds]
