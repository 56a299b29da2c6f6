"""What-if changes to the center, parsed from plain text and applied inside the
simulation's transaction (so they vanish with it).

A session change reads `WHO:WEEKDAY:HH:MM-HH:MM`, where WHO is a specialty
(`neurosurgery`) or a clinician's name (`Dr. Nora Reyes`) and WEEKDAY a name (`tue`) or
0-6 (0 is Monday), e.g. `neurosurgery:tue:13:00-17:00`. A resource change reads the same
with WHO a kind of resource a visit may need (`mri`, `mri_3t`, `ct_simulator`, `room`,
`procedure_room`, `interpreter`) or a resource's name, e.g. `mri:tue:13:00-17:00`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

from navigation.models import NEED_CHOICES, AvailabilityTemplate, Clinician, Resource, Specialty
from tumorboard.errors import DomainError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SESSION = re.compile(
    r"^(?P<who>.+?):(?P<day>[A-Za-z]+|[0-6]):(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$"
)


@dataclass(frozen=True)
class SessionChange:
    who: str  # a specialty value or a clinician's name
    weekday: int
    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.who}:{WEEKDAYS[self.weekday]}:{self.start:%H:%M}-{self.end:%H:%M}"


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError(f"{text} is not a time of day")
    return time(hours, minutes)


def parse_session(text: str) -> SessionChange:
    """`neurosurgery:tue:13:00-17:00` -> SessionChange; ValueError says what is wrong."""
    match = _SESSION.match(text.strip())
    if not match:
        raise ValueError(
            f"“{text}” is not WHO:WEEKDAY:HH:MM-HH:MM (e.g. neurosurgery:tue:13:00-17:00)."
        )
    day = match["day"].lower()
    if day.isdigit():
        weekday = int(day)
    elif day[:3] in WEEKDAYS:
        weekday = WEEKDAYS.index(day[:3])
    else:
        raise ValueError(f"“{match['day']}” is not a weekday (mon..sun or 0-6).")
    start, end = _clock(match["start"]), _clock(match["end"])
    if end <= start:
        raise ValueError(f"The session {match['start']}-{match['end']} ends before it starts.")
    who = match["who"].strip()
    specialty = who.lower().replace(" ", "_")
    return SessionChange(specialty if specialty in Specialty.values else who, weekday, start, end)


RESOURCE_KINDS = (*(value for value, _ in NEED_CHOICES), "interpreter")


def parse_resource(text: str) -> SessionChange:
    """`mri:tue:13:00-17:00` -> SessionChange for a resource (a kind, or a name)."""
    change = parse_session(text)
    who = change.who.lower()
    return SessionChange(who if who in RESOURCE_KINDS else change.who, *_rest(change))


def _rest(change: SessionChange) -> tuple[int, time, time]:
    return change.weekday, change.start, change.end


def _resources_of(change: SessionChange) -> list[Resource]:
    from navigation.services.resources import need_matches

    resources = Resource.objects.filter(active=True).select_related("location").order_by("id")
    if change.who == "interpreter":
        found = list(resources.filter(kind=Resource.Kind.INTERPRETER))
    elif change.who in RESOURCE_KINDS:
        found = [r for r in resources if need_matches(change.who, r)]
    else:
        found = list(resources.filter(name__iexact=change.who))
    if not found:
        raise DomainError(f"No active resource is “{change.who}”.", code="unknown_resource")
    return found


def resource_add(change: SessionChange, *, from_day: date) -> Resource:
    """A weekly session for the first resource of that kind (or by that name) free then;
    when every one works then already, a second one like the first, at its location
    (e.g. another scanner on Tuesday afternoons)."""
    found = _resources_of(change)
    for resource in found:
        if not any(_overlaps(t, change) for t in _live(resource.templates.all(), from_day)):
            break
    else:
        model = found[0]
        resource = Resource.objects.create(
            name=f"{model.name} (what-if {len(found) + 1})",
            kind=model.kind,
            equipment=model.equipment,
            location=model.location,
            languages=model.languages,
        )
    _weekly(change, from_day, resource.location, resource=resource)
    return resource


def _weekly(change: SessionChange, from_day: date, location, **owner) -> None:
    """The change as a weekly session of `owner` (clinician= or resource=) from the day."""
    AvailabilityTemplate.objects.create(
        **owner,
        weekday=change.weekday,
        start_time=change.start,
        end_time=change.end,
        location=location,
        valid_from=from_day,
    )


def _overlaps(t: AvailabilityTemplate, change: SessionChange) -> bool:
    return t.weekday == change.weekday and t.start_time < change.end and change.start < t.end_time


def _live(templates, day: date):
    return [
        t
        for t in templates
        if t.valid_from <= day and (t.valid_until is None or day <= t.valid_until)
    ]


def _candidates(change: SessionChange) -> list[Clinician]:
    clinicians = Clinician.objects.filter(active=True).order_by("name", "id")
    if change.who in Specialty.values:
        found = list(clinicians.filter(specialty=change.who))
    else:
        found = list(clinicians.filter(name__iexact=change.who))
    if not found:
        raise DomainError(f"No active clinician is “{change.who}”.", code="unknown_clinician")
    return found


def session_add(change: SessionChange, *, from_day: date) -> Clinician:
    """A weekly session for the clinician (or the first of the specialty free then)."""
    for clinician in _candidates(change):
        templates = _live(clinician.templates.all(), from_day)
        if not any(_overlaps(t, change) for t in templates):
            _weekly(change, from_day, clinician.home_location, clinician=clinician)
            return clinician
    raise DomainError(
        f"Every {change.who.replace('_', ' ')} clinician already works some of "
        f"{WEEKDAYS[change.weekday]} {change.start:%H:%M}-{change.end:%H:%M}.",
        code="session_taken",
    )


def session_remove(change: SessionChange, *, from_day: date) -> Clinician:
    """Cut the time out of the clinician's weekly sessions (the first of the specialty who
    works then), keeping whatever of a session lies outside it."""
    for clinician in _candidates(change):
        hit = [t for t in _live(clinician.templates.all(), from_day) if _overlaps(t, change)]
        if not hit:
            continue
        for t in hit:
            for start, end in ((t.start_time, change.start), (change.end, t.end_time)):
                if start < end:
                    AvailabilityTemplate.objects.create(
                        clinician=clinician,
                        weekday=t.weekday,
                        start_time=start,
                        end_time=end,
                        location=t.location,
                        valid_from=t.valid_from,
                        valid_until=t.valid_until,
                    )
            t.delete()
        return clinician
    raise DomainError(
        f"No {change.who.replace('_', ' ')} clinician works {WEEKDAYS[change.weekday]} "
        f"{change.start:%H:%M}-{change.end:%H:%M}.",
        code="no_such_session",
    )
