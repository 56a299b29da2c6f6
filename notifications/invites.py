"""Calendar invites (RFC 5545 / 5546) for a patient's visit and a clinician's feed.

One VEVENT and one UID per message; the UID lives as long as the visit, SEQUENCE is the
visit's stored counter, DTSTAMP is fresh; METHOD:REQUEST on booking and reschedule,
METHOD:CANCEL with STATUS:CANCELLED and no alarm on cancel; a VTIMEZONE for every TZID.
The text is neutral ("Clinic visit", CLASS:PRIVATE): no diagnosis, no specialty.
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils.translation import gettext

PRODID = "-//Tumor board scheduling//EN"
UID_DOMAIN = "tumorboard"
# How often a subscribed feed should be fetched again (RFC 7986 REFRESH-INTERVAL, and
# X-PUBLISHED-TTL which Outlook and Google read).
FEED_REFRESH = timedelta(hours=1)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def vtimezone(tzid: str, *, first: date, last: date) -> icalendar.Timezone:
    """The VTIMEZONE of IANA zone `tzid` for events between `first` and `last`, written as
    most calendar programs write it: one STANDARD and one DAYLIGHT observance, each with
    a yearly RRULE ("second Sunday of March"), and no COMMENT at the VTIMEZONE level.

    icalendar builds the transitions from the zone database (as RDATE lists); each list
    that follows one yearly rule over the window (same month, weekday and time; the same
    week of the month, or the last) becomes that RRULE. A list that does not (a zone that
    changed its rules within the window) stays as RDATEs, which is still correct."""
    zone = icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)
    zone.pop("COMMENT", None)
    for observance in zone.subcomponents:
        rdates = observance.pop("RDATE", None)
        if rdates is None:
            continue
        rdates = rdates if isinstance(rdates, list) else [rdates]
        start = observance.decoded("DTSTART")
        onsets = [start, *(d.dt for r in rdates for d in r.dts)]
        rule = _yearly_rule(onsets)
        if rule is None:
            for rdate in rdates:
                observance.add("RDATE", [d.dt for d in rdate.dts])
        else:
            observance.add("RRULE", rule)
    return zone


def _yearly_rule(onsets: list[datetime]) -> dict | None:
    """The yearly RRULE all `onsets` (local times, one per year) follow, or None."""
    onsets = sorted(onsets)
    years = [o.year for o in onsets]
    if years != list(range(years[0], years[0] + len(years))):
        return None
    shape = {(o.month, o.weekday(), o.time()) for o in onsets}
    if len(shape) != 1:
        return None
    month, weekday, _ = shape.pop()
    weeks = {(o.day - 1) // 7 + 1 for o in onsets}
    lasts = {o.day + 7 > gregorian.monthrange(o.year, o.month)[1] for o in onsets}
    if len(weeks) == 1 and weeks != {5}:
        week = weeks.pop()
    elif lasts == {True}:
        week = -1
    else:
        return None
    return {"freq": "yearly", "bymonth": month, "byday": f"{week}{WEEKDAYS[weekday]}"}


def _calendar(method: str | None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def _address(email: str, name: str, **params) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["CN"] = icalendar.vText(name)
    for key, value in params.items():
        address.params[key] = icalendar.vText(value)
    return address


def visit_label(appointment) -> str:
    """What a visit is, for the patient, in the active language and in words that name no
    diagnosis and no specialty: "Scan", "First visit" or "Clinic visit"."""
    if appointment.specialty == "neuroradiology":
        return gettext("Scan")
    if appointment.is_consult:
        return gettext("First visit")
    return gettext("Clinic visit")


def organizer() -> icalendar.vCalAddress:
    """The center as ORGANIZER: its scheduling address (CALENDAR_ORGANIZER_EMAIL)."""
    return _address(settings.CALENDAR_ORGANIZER_EMAIL, settings.CENTER_NAME)


def visit_event(
    appointment,
    *,
    now: datetime,
    cancelled: bool = False,
    for_patient: bool = True,
    attendee: tuple[str, str] | None = None,
) -> icalendar.Event:
    zone = ZoneInfo(appointment.location.time_zone)
    event = icalendar.Event()
    event.add("uid", f"{appointment.uid}@{UID_DOMAIN}")
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    # The patient's own invite in the active language; a clinician's feed says whose kind
    # of slot it is, in the center's language.
    event.add("summary", visit_label(appointment) if for_patient else "Clinic visit (patient)")
    place = appointment.location
    event.add("location", ", ".join(p for p in (place.name, place.address) if p))
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", organizer())
    if for_patient and attendee:  # a feed never names patients
        email, name = attendee
        event.add(
            "attendee",
            _address(
                email,
                name,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="FALSE",
            ),
        )
    if for_patient and not cancelled:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", visit_label(appointment))
        alarm.add("trigger", timedelta(hours=-2))
        event.add_component(alarm)
    return event


def _with_timezones(
    calendar: icalendar.Calendar, moments: list[datetime], tzids: Iterable[str] = ()
) -> bytes:
    """Add a VTIMEZONE (RRULE observances) for every TZID the events use (and `tzids`),
    before the events, covering their dates with a year's margin."""
    first, last = _zone_window(moments)
    tzids = sorted(
        set(tzids)
        | {
            str(prop.params["TZID"])
            for component in calendar.walk()
            for values in component.values()
            for prop in (values if isinstance(values, list) else [values])
            if hasattr(prop, "params") and "TZID" in prop.params
        }
    )
    events = [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
    calendar.subcomponents[:] = [vtimezone(t, first=first, last=last) for t in tzids] + events
    return calendar.to_ical()


def _zone_window(moments: list[datetime]) -> tuple[date, date]:
    """The dates a VTIMEZONE must cover: the events' dates with a year's margin."""
    days = [m.date() for m in moments]
    return min(days) - timedelta(days=366), max(days) + timedelta(days=366)


def visit_invite(
    appointment, *, now: datetime, method: str = "PUBLISH", attendee: tuple[str, str] | None = None
) -> bytes:
    """The visit as it is now, as a calendar file.

    `method="PUBLISH"` (a file downloaded from a page: no ATTENDEE); `"REQUEST"` for the
    invite emailed to an attendee (`attendee` (email, name), by default the patient), which
    becomes CANCEL once the visit is cancelled (RFC 5546; PRODUCT.md, "Rules settled":
    messages)."""
    cancelled = appointment.status == "cancelled"
    emailed = method == "REQUEST"
    if emailed and cancelled:
        method = "CANCEL"
    calendar = _calendar(method)
    if emailed:
        attendee = attendee or (appointment.patient.email, appointment.patient.first_name)
    calendar.add_component(
        visit_event(
            appointment, now=now, cancelled=cancelled, attendee=attendee if emailed else None
        )
    )
    return _with_timezones(calendar, [appointment.start, now])


# Other apps' events for a clinician's feed (the board's meetings), handed over at start-up
# (`feed_source`): notifications never imports them.
FEED_SOURCES: list[Callable[..., list[icalendar.Event]]] = []


def feed_source(source: Callable[..., list[icalendar.Event]]) -> None:
    """Register `source(clinician, *, now) -> [icalendar.Event]`, called for every
    clinician's private feed (`/calendar/<token>.ics`). Call it from an AppConfig.ready."""
    if source not in FEED_SOURCES:
        FEED_SOURCES.append(source)


def other_events(clinician, *, now: datetime) -> list[icalendar.Event]:
    """Every registered source's events for this clinician."""
    return [event for source in FEED_SOURCES for event in source(clinician, now=now)]


def _feed_calendar(name: str) -> icalendar.Calendar:
    calendar = _calendar(None)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(FEED_REFRESH))
    return calendar


def feed(events: Iterable[icalendar.Event], *, name: str, now: datetime) -> bytes:
    """A subscribable calendar (no METHOD: it is published, not an invitation), with
    REFRESH-INTERVAL and X-PUBLISHED-TTL, its VTIMEZONEs before its events."""
    calendar = _feed_calendar(name)
    moments = [now]
    for event in events:
        calendar.add_component(event)
        moments.append(event.DTSTART)
    return _with_timezones(calendar, moments)


@dataclass(frozen=True)
class FeedVisit:
    """What a feed says about a clinic visit: when and where, nothing about the patient."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    place: str
    address: str
    time_zone: str


def visits_feed(
    visits: list[FeedVisit], events: Iterable[icalendar.Event], *, name: str, now: datetime
) -> bytes:
    """The same calendar as `feed()` of each visit's `visit_event`, written as text.

    A busy clinician's feed holds thousands of visits, and building each as an icalendar
    object costs about a third of a millisecond; here the lines that vary are formatted
    directly and everything else (escaping, folding, time zones, the organizer, places,
    board meetings) is still produced by icalendar, once. A test holds the two equal.
    """
    calendar = _feed_calendar(name)
    moments = [now, *(v.start for v in visits)]
    for event in events:
        calendar.add_component(event)
        moments.append(event.DTSTART)
    # VTIMEZONEs of the visits' and the meetings' zones, all before the events.
    head = _with_timezones(calendar, moments, {v.time_zone for v in visits})
    organizer_line = _one_line("organizer", organizer())
    stamp = f"{now.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}"
    places: dict[tuple[str, str], str] = {}
    lines = []
    for visit in visits:
        key = (visit.place, visit.address)
        if key not in places:
            places[key] = _one_line("location", ", ".join(p for p in key if p))
        zone = ZoneInfo(visit.time_zone)
        lines.append(
            "BEGIN:VEVENT\r\nSUMMARY:Clinic visit (patient)\r\n"
            f"DTSTART;TZID={visit.time_zone}:{visit.start.astimezone(zone):%Y%m%dT%H%M%S}\r\n"
            f"DTEND;TZID={visit.time_zone}:{visit.end.astimezone(zone):%Y%m%dT%H%M%S}\r\n"
            f"DTSTAMP:{stamp}\r\nUID:{visit.uid}@{UID_DOMAIN}\r\nSEQUENCE:{visit.sequence}\r\n"
            f"CLASS:PRIVATE\r\n{places[key]}\r\n{organizer_line}\r\n"
            "STATUS:CONFIRMED\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\n"
        )
    tail = b"END:VCALENDAR\r\n"
    return head[: -len(tail)] + "".join(lines).encode() + tail


def _one_line(name: str, value) -> str:
    """One property exactly as icalendar writes it (escaped and folded)."""
    event = icalendar.Event()
    event.add(name, value)
    text = event.to_ical().decode()
    return text.removeprefix("BEGIN:VEVENT\r\n").removesuffix("\r\nEND:VEVENT\r\n")


def method_of(invite: bytes) -> str:
    return str(icalendar.Calendar.from_ical(invite)["METHOD"])
