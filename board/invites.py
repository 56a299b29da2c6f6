"""Board meetings as calendar events: one `.ics` per meeting, and the events of a
clinician's feed (notifications builds the feed; this gives it the meetings).

One UID per meeting for its life; SEQUENCE is the meeting's stored counter, raised when
it moves or is cancelled; the text names no patient.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.db.models import Count, Q

from board.models import Case, Meeting
from notifications import invites

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)


def meeting_event(meeting: Meeting, now: datetime) -> icalendar.Event:
    zone = ZoneInfo(meeting.series.time_zone)
    cancelled = meeting.status == Meeting.Status.CANCELLED
    event = icalendar.Event()
    event.add("uid", f"board-{meeting.uid}@{invites.UID_DOMAIN}")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", meeting.start.astimezone(zone))
    event.add("dtend", meeting.end.astimezone(zone))
    event.add("summary", meeting.series.name + (" (cancelled)" if cancelled else ""))
    place = meeting.location
    where = [p for p in (place.name, place.address) if p] if place else []
    if meeting.video_url:
        where.append(meeting.video_url)
        event.add("url", meeting.video_url)
    if where:
        event.add("location", ", ".join(where))
    agenda = f"{settings.SITE_URL}/api/v1/board/meetings/{meeting.pk}/agenda/"
    count = getattr(meeting, "case_count", None)
    cases = f"{count} case(s) on the agenda. " if count is not None else ""
    reason = f"Cancelled: {meeting.cancel_reason}. " if cancelled else ""
    event.add("description", f"{reason}{cases}Agenda: {agenda}")
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", invites.organizer())
    return event


def meeting_ics(meeting: Meeting, now: datetime) -> bytes:
    """A single meeting to add to a calendar (published, with its VTIMEZONE)."""
    return invites.feed([meeting_event(meeting, now)], name=meeting.series.name, now=now)


def feed_events(clinician, *, now: datetime) -> list[icalendar.Event]:
    """The scheduled meetings of every series the clinician is a member of, from a month
    back to six months ahead: for the clinician's subscribable feed."""
    meetings = (
        Meeting.objects.filter(
            series__members=clinician,
            status=Meeting.Status.SCHEDULED,
            start__gte=now - FEED_PAST,
            start__lt=now + FEED_AHEAD,
        )
        .select_related("series", "location")
        .annotate(case_count=Count("cases", filter=Q(cases__status=Case.Status.LISTED)))
    )
    return [meeting_event(m, now) for m in meetings]
