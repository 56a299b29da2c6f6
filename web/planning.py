"""Same-day planning that explains itself: what blocks a search that found nothing, and
the nearest changes to the request that do find a day (each one a real search by the
engine, through navigation.services.itinerary_search)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlencode

from navigation import services
from tumorboard.errors import DomainError

LONGER_WAITS = (150, 240)
MORE_DAYS = 14


@dataclass(frozen=True)
class Relaxation:
    """A changed request that finds `count` options, the first on `first_day`; `query` is
    the plan form's query string for it."""

    label: str
    query: str
    count: int
    first_day: object
    multi_day: bool = False  # splits the visits over days: another trip for the patient


def blocker(*, search: services.ItinerarySearch, result) -> str:
    """One sentence on what stops the search: a specialty with no free time, the wait
    limit, or the patient's window."""
    if result.missing_specialties:
        names = ", ".join(s.replace("_", " ") for s in result.missing_specialties)
        where = " inside the patient's window" if search.window else ""
        return (
            f"Blocked by {names}: no free time long enough for the visit{where} "
            f"from {search.first:%a %d %b} to {search.last:%a %d %b}."
        )
    if search.window:
        return (
            f"Every specialty has free time, but not on one day within the "
            f"{search.max_total_wait}-minute wait limit and the patient's window."
        )
    return (
        f"Every specialty has free time, but not on one day within the "
        f"{search.max_total_wait}-minute wait limit."
    )


def _query(search: services.ItinerarySearch) -> str:
    pairs = [("specialties", s) for s in search.specialties] + [
        ("date_from", search.first.isoformat()),
        ("date_to", search.last.isoformat()),
        ("max_wait", str(search.max_total_wait)),
    ]
    for specialty, visit_type in (search.visit_types or {}).items():
        if visit_type is not None and specialty in search.specialties:
            pairs.append((f"type_{specialty}", str(visit_type.pk)))
    if search.window:
        for name, value in zip(
            ("earliest_arrival", "latest_departure"), search.window, strict=True
        ):
            if value:
                pairs.append((name, value.strftime("%H:%M")))
    return urlencode(pairs)


def _candidates(search: services.ItinerarySearch, *, fewer_days: bool):
    """(label, changed search, splits the day) nearest first; with `fewer_days` (a
    travel burden) every change that keeps one day comes before any that splits it."""
    one_day = []
    for wait in LONGER_WAITS:
        if wait > search.max_total_wait:
            one_day.append(
                (f"Allow up to {wait} minutes of waiting", replace(search, max_total_wait=wait))
            )
    if search.window:
        one_day.append(
            ("Drop the patient's arrival and departure times", replace(search, window=None))
        )
    splits = []
    if len(search.specialties) > 1:
        for dropped in search.specialties:
            rest = tuple(s for s in search.specialties if s != dropped)
            label = f"See {dropped.replace('_', ' ')} on another day; the others together"
            splits.append((label, replace(search, specialties=rest)))
    later = (
        f"Search {MORE_DAYS} more days",
        replace(search, last=search.last + timedelta(days=MORE_DAYS)),
    )
    if fewer_days:
        ordered = [*one_day, later, *splits]
    else:
        ordered = [*one_day, *splits, later]
    for label, changed in ordered:
        yield label, changed, changed.specialties != search.specialties


def plan_relaxations(
    *,
    patient,
    search: services.ItinerarySearch,
    now: datetime,
    limit: int = 2,
    fewer_days: bool = False,
) -> list[Relaxation]:
    """The first `limit` changes to `search`, nearest first (a longer wait, no window, one
    specialty on another day, more days), that find at least one option. With
    `fewer_days` (the patient has a travel burden) a change that keeps every visit on one
    day is offered before one that needs another trip; those are marked `multi_day`."""
    found: list[Relaxation] = []
    for label, changed, multi_day in _candidates(search, fewer_days=fewer_days):
        try:
            result = services.itinerary_search(patient=patient, search=changed, now=now)
        except DomainError:
            continue
        if result.options:
            found.append(
                Relaxation(
                    label,
                    _query(changed),
                    len(result.options),
                    result.options[0].day,
                    multi_day,
                )
            )
            if len(found) == limit:
                break
    return found


def late_options(*, referral, options) -> set[int]:
    """Indexes of options whose first visit starts after the referral's consult deadline,
    while its consult is not booked yet (`clinical.option_after_deadline`)."""
    from patients.clinical import option_after_deadline

    return {
        i
        for i, option in enumerate(options)
        if option_after_deadline(
            first_start=min(v.start for v in option.visits),
            due_at=referral.consult_due_at,
            consult_at=referral.consult_at,
        )
    }
