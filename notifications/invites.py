"""Calendar invites (RFC 5545 / 5546) for a patient's visit and a clinician's feed.

One VEVENT and one UID per message; the UID lives as long as the visit, SEQUENCE is the
visit's stored counter, DTSTAMP is fresh; METHOD:REQUEST on booking and reschedule,
METHOD:CANCEL with STATUS:CANCELLED and no alarm on cancel; a VTIMEZONE for every TZID.
The text is neutral ("Clinic visit", CLASS:PRIVATE): no diagnosis, no specialty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings

PRODID = "-//Tumor board scheduling//EN"
UID_DOMAIN = "tumorboard"


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


def visit_event(
    appointment, *, now: datetime, cancelled: bool = False, for_patient: bool = True
) -> icalendar.Event:
    zone = ZoneInfo(appointment.location.time_zone)
    event = icalendar.Event()
    event.add("uid", f"{appointment.uid}@{UID_DOMAIN}")
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    event.add("summary", "Clinic visit" if for_patient else "Clinic visit (patient)")
    place = appointment.location
    event.add("location", ", ".join(p for p in (place.name, place.address) if p))
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", _address(settings.DEFAULT_FROM_EMAIL, settings.CENTER_NAME))
    patient = appointment.patient if for_patient else None  # a feed never names patients
    if patient is not None and patient.email:
        event.add(
            "attendee",
            _address(
                patient.email,
                patient.first_name,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="FALSE",
            ),
        )
    if for_patient and not cancelled:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", "Clinic visit")
        alarm.add("trigger", timedelta(hours=-2))
        event.add_component(alarm)
    return event


def _with_timezones(calendar: icalendar.Calendar, moments: list[datetime]) -> bytes:
    """Add a VTIMEZONE for every TZID, covering the events' dates with a year's margin: a
    definition reaching back to 1970 carries irregular old rules some parsers misread."""
    first, last = _zone_window(moments)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def _zone_window(moments: list[datetime]) -> tuple[date, date]:
    """The dates a VTIMEZONE must cover: the events' dates with a year's margin."""
    days = [m.date() for m in moments]
    return min(days) - timedelta(days=366), max(days) + timedelta(days=366)


def visit_invite(appointment, *, now: datetime) -> bytes:
    """The invite for the visit as it is now: REQUEST, or CANCEL once cancelled."""
    cancelled = appointment.status == "cancelled"
    calendar = _calendar("CANCEL" if cancelled else "REQUEST")
    calendar.add_component(visit_event(appointment, now=now, cancelled=cancelled))
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


def feed(events: Iterable[icalendar.Event], *, name: str, now: datetime) -> bytes:
    """A subscribable calendar (no METHOD: it is published, not an invitation)."""
    calendar = _calendar(None)
    calendar.add("x-wr-calname", name)
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
    calendar = _calendar(None)
    calendar.add("x-wr-calname", name)
    moments = [now, *(v.start for v in visits)]
    for event in events:
        calendar.add_component(event)
        moments.append(event.DTSTART)
    first, last = _zone_window(moments)
    for zone in sorted({v.time_zone for v in visits}):
        calendar.add_component(icalendar.Timezone.from_tzid(zone, first_date=first, last_date=last))
    calendar.add_missing_timezones(first_date=first, last_date=last)  # the meetings' zones
    head = calendar.to_ical()
    organizer = _one_line("organizer", _address(settings.DEFAULT_FROM_EMAIL, settings.CENTER_NAME))
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
            f"CLASS:PRIVATE\r\n{places[key]}\r\n{organizer}\r\n"
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
