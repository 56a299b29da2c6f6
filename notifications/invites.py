"""Calendar invites (RFC 5545 / 5546) for a patient's visit and a clinician's feed.

One VEVENT and one UID per message; the UID lives as long as the visit, SEQUENCE is the
visit's stored counter, DTSTAMP is fresh; METHOD:REQUEST on booking and reschedule,
METHOD:CANCEL with STATUS:CANCELLED and no alarm on cancel; a VTIMEZONE for every TZID.
The text is neutral ("Clinic visit", CLASS:PRIVATE): no diagnosis, no specialty.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    days = [m.date() for m in moments] or [date.today()]  # noqa: DTZ011 - an empty feed
    calendar.add_missing_timezones(
        first_date=min(days) - timedelta(days=366), last_date=max(days) + timedelta(days=366)
    )
    return calendar.to_ical()


def visit_invite(appointment, *, now: datetime) -> bytes:
    """The invite for the visit as it is now: REQUEST, or CANCEL once cancelled."""
    cancelled = appointment.status == "cancelled"
    calendar = _calendar("CANCEL" if cancelled else "REQUEST")
    calendar.add_component(visit_event(appointment, now=now, cancelled=cancelled))
    return _with_timezones(calendar, [appointment.start, now])


def feed(events: Iterable[icalendar.Event], *, name: str, now: datetime) -> bytes:
    """A subscribable calendar (no METHOD: it is published, not an invitation)."""
    calendar = _calendar(None)
    calendar.add("x-wr-calname", name)
    moments = [now]
    for event in events:
        calendar.add_component(event)
        moments.append(event.DTSTART)
    return _with_timezones(calendar, moments)


def method_of(invite: bytes) -> str:
    return str(icalendar.Calendar.from_ical(invite)["METHOD"])
