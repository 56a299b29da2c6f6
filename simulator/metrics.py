"""The report's figures, computed from plain data: no ORM, no clock.

Definitions a director can check by hand:
- within 72 h: the first consult starts at most 72 hours after the referral was received
  (all urgencies: the center promises it to everyone); a referral never booked is a miss.
- emergencies within 24 h: the same for emergencies with their 24-hour deadline.
- lead time: hours from referral to consult start, over booked referrals; the median
  (the mean of the two middle values for an even count) and the 90th percentile by
  nearest rank (the ceil(0.9 n)-th smallest).
- utilization: booked minutes / open clinic minutes (booked + still free) in the horizon.
- post-operative radiosurgery within 30 days: of the resections done in the horizon, those
  whose radiosurgery visit starts at most 30 days after (PRODUCT.md, care clocks); one
  never booked is a miss. Days are real elapsed days.
- MRI load: scans the surveillance plans call for each week (clinic weeks from the
  horizon's first Monday, and SCAN_WEEKS_AFTER weeks past its end): a plan's first scan is
  one interval after treatment (or its next due date, for the center's active plans),
  then one every interval.
- bottleneck: of the consult specialties the missed referrals could have seen, the most
  utilized (with no miss: the most utilized consult specialty, the next to break).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from patients.clinical import EMERGENCY, URGENCY_RANK

PROMISE = timedelta(hours=72)
EMERGENCY_PROMISE = timedelta(hours=24)


@dataclass(frozen=True)
class Outcome:
    """What happened to one referral."""

    received_at: datetime
    urgency: str
    sites: str
    due_at: datetime
    consult_at: datetime | None
    consult_specialties: tuple[str, ...]  # who could have seen them
    consult_specialty: str | None = None  # who did
    itinerary_asked: bool = False
    itinerary_booked: bool = False
    # Whether any clinic session of those specialties fell between referral and deadline:
    # a miss without one is a gap in coverage (a weekend), not a lack of capacity.
    session_in_time: bool = True

    @property
    def lead(self) -> timedelta | None:
        return None if self.consult_at is None else self.consult_at - self.received_at

    @property
    def within_72h(self) -> bool:
        return self.lead is not None and self.lead <= PROMISE

    @property
    def met_deadline(self) -> bool:
        return self.consult_at is not None and self.consult_at <= self.due_at


@dataclass(frozen=True)
class ClinicianLoad:
    clinician_id: int
    name: str
    specialty: str
    booked_minutes: int
    open_minutes: int  # booked + free clinic time in the horizon


@dataclass(frozen=True)
class ResourceLoad:
    kind: str  # what it is, in words: "MRI scanner 3 T", "interpreter"
    booked_minutes: int
    open_minutes: int  # its sessions in the horizon


@dataclass(frozen=True)
class MeetingLoad:
    day: date
    cases: int
    capacity: int
    rolled_over: int  # cases moved on from this meeting because it was full
    cancelled: bool = False


@dataclass(frozen=True)
class PostOp:
    """A resection and the radiosurgery booked after it (None: no slot found)."""

    resection_at: datetime
    srs_at: datetime | None


@dataclass(frozen=True)
class ScanPlan:
    """A surveillance plan: from `start` (a clinic date), an MRI every `weeks` weeks; the
    first at `start` itself when `first_due`, else one interval later."""

    start: date
    weeks: int
    first_due: bool = False

    def scans(self, until: date) -> list[date]:
        due = self.start if self.first_due else self.start + timedelta(weeks=self.weeks)
        out = []
        while due < until:
            out.append(due)
            due += timedelta(weeks=self.weeks)
        return out


SCAN_WEEKS_AFTER = 16


def share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _count(outcomes: list[Outcome], hit) -> dict:
    hits = sum(1 for o in outcomes if hit(o))
    return {"hits": hits, "total": len(outcomes), "share": share(hits, len(outcomes))}


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: list[float]) -> float | None:
    """Nearest rank: the smallest value with at least 90% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


LEAD_BINS = (0, 24, 48, 72, 96, 120, 168)


def histogram(leads: list[float]) -> list[dict]:
    """Referrals by hours from referral to consult; the last bin is open-ended."""
    rows = []
    for i, low in enumerate(LEAD_BINS):
        high = LEAD_BINS[i + 1] if i + 1 < len(LEAD_BINS) else None
        label = f"{low}-{high} h" if high is not None else f"{low} h or more"
        count = sum(1 for v in leads if v >= low and (high is None or v < high))
        rows.append({"label": label, "low": low, "high": high, "count": count})
    return rows


def weekly(outcomes: list[Outcome], *, first_day: date, weeks: int, zone) -> list[dict]:
    """The within-72 h share by the week the referral arrived (clinic time)."""
    rows = []
    for week in range(weeks):
        start = first_day + timedelta(weeks=week)
        those = [
            o
            for o in outcomes
            if start <= o.received_at.astimezone(zone).date() < start + timedelta(weeks=1)
        ]
        rows.append({"week": start.isoformat(), **_count(those, lambda o: o.within_72h)})
    return rows


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def misses_by_weekday(outcomes: list[Outcome], *, zone) -> dict[str, int]:
    """Missed deadlines by the weekday the referral arrived (clinic time): where it breaks."""
    counts = dict.fromkeys(WEEKDAY_NAMES, 0)
    for o in outcomes:
        if not o.met_deadline:
            counts[WEEKDAY_NAMES[o.received_at.astimezone(zone).weekday()]] += 1
    return counts


def utilization(loads: list[ClinicianLoad]) -> dict:
    by_specialty: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for load in loads:
        by_specialty[load.specialty][0] += load.booked_minutes
        by_specialty[load.specialty][1] += load.open_minutes
    return {
        "by_specialty": {
            spec: share(booked, open_) for spec, (booked, open_) in sorted(by_specialty.items())
        },
        "by_clinician": [
            {
                "name": load.name,
                "specialty": load.specialty,
                "booked_hours": round(load.booked_minutes / 60, 2),
                "open_hours": round(load.open_minutes / 60, 2),
                "share": share(load.booked_minutes, load.open_minutes),
            }
            for load in sorted(loads, key=lambda x: (x.specialty, x.name))
        ],
    }


def resource_utilization(loads: Sequence[ResourceLoad]) -> dict[str, dict]:
    """Per kind of room, machine or interpreter: the hours of its sessions in the horizon
    (`open_hours`) and the booked share of them (`share`)."""
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for load in loads:
        by_kind[load.kind][0] += load.booked_minutes
        by_kind[load.kind][1] += load.open_minutes
    return {
        kind: {"share": share(booked, open_), "open_hours": round(open_ / 60, 1)}
        for kind, (booked, open_) in sorted(by_kind.items())
    }


def bottleneck(outcomes: list[Outcome], by_specialty: dict[str, float | None]) -> dict | None:
    missed = [o for o in outcomes if not o.met_deadline]
    pool = missed or outcomes
    candidates = {spec for o in pool for spec in o.consult_specialties}
    ranked = sorted(
        (spec for spec in candidates if by_specialty.get(spec) is not None),
        key=lambda spec: (-by_specialty[spec], spec),
    )
    if not ranked:
        return None
    spec = ranked[0]
    uncovered = sum(1 for o in missed if not o.session_in_time)
    why = (
        f"{len(missed)} referral(s) missed their deadline; of the specialties that could "
        f"have seen them, {spec.replace('_', ' ')} is the fullest."
        if missed
        else f"No deadline missed; {spec.replace('_', ' ')} is the fullest consult "
        "specialty, the first to break as referrals grow."
    )
    if uncovered:
        why += (
            f" {uncovered} of the misses had no clinic session at all between referral and "
            "deadline (e.g. a Friday evening emergency): a weekend or on-call session helps "
            "them, more weekday capacity does not."
        )
    return {
        "specialty": spec,
        "utilization": by_specialty[spec],
        "missed_deadlines": len(missed),
        "missed_without_session": uncovered,
        "why": why,
    }


def board(meetings: list[MeetingLoad]) -> dict:
    held = [m for m in meetings if not m.cancelled]
    return {
        "meetings": [
            {
                "date": m.day.isoformat(),
                "cases": m.cases,
                "capacity": m.capacity,
                "rolled_over": m.rolled_over,
                "cancelled": m.cancelled,
            }
            for m in meetings
        ],
        "cases_per_meeting": round(sum(m.cases for m in held) / len(held), 2) if held else None,
        "max_cases": max((m.cases for m in held), default=None),
        "full_meetings": sum(1 for m in held if m.cases >= m.capacity),
        "rollovers": sum(m.rolled_over for m in meetings),
    }


def post_op_srs(post_op: list[PostOp], *, target: timedelta) -> dict:
    days = [(p.srs_at - p.resection_at).total_seconds() / 86400 for p in post_op if p.srs_at]
    hits = sum(1 for p in post_op if p.srs_at and p.srs_at - p.resection_at <= target)
    return {
        "hits": hits,
        "total": len(post_op),
        "share": share(hits, len(post_op)),
        "not_booked": sum(1 for p in post_op if p.srs_at is None),
        "target_days": target.days,
        "days": {"median": _hours(median(days)), "p90": _hours(p90(days))},
    }


def mri_weekly(plans: list[ScanPlan], *, first_day: date, weeks: int) -> list[dict]:
    """MRI scans due per week, from `first_day` for `weeks` + SCAN_WEEKS_AFTER weeks."""
    total = weeks + SCAN_WEEKS_AFTER
    until = first_day + timedelta(weeks=total)
    counts = [0] * total
    for plan in plans:
        for due in plan.scans(until):
            if due >= first_day:
                counts[(due - first_day).days // 7] += 1
    return [
        {"week": (first_day + timedelta(weeks=n)).isoformat(), "scans": count}
        for n, count in enumerate(counts)
    ]


def summarize(
    *,
    outcomes: list[Outcome],
    loads: list[ClinicianLoad],
    meetings: list[MeetingLoad],
    first_day: date,
    weeks: int,
    zone,
    post_op: Sequence[PostOp] = (),
    scan_plans: Sequence[ScanPlan] = (),
    srs_target: timedelta = timedelta(days=30),
    resource_loads: Sequence[ResourceLoad] = (),
) -> dict:
    """The whole report for one scenario, JSON-ready."""
    leads = [o.lead.total_seconds() / 3600 for o in outcomes if o.lead is not None]
    emergencies = [o for o in outcomes if o.urgency == EMERGENCY]
    used = utilization(loads)
    by_urgency = {
        urgency: _count([o for o in outcomes if o.urgency == urgency], lambda o: o.met_deadline)
        for urgency in sorted(URGENCY_RANK, key=URGENCY_RANK.get)
    }
    by_site = {
        site: _count([o for o in outcomes if o.sites == site], lambda o: o.within_72h)
        for site in ("brain", "spine", "both")
    }
    asked = [o for o in outcomes if o.itinerary_asked]
    return {
        "referrals": len(outcomes),
        "within_72h": _count(outcomes, lambda o: o.within_72h),
        "emergencies_within_24h": _count(
            emergencies, lambda o: o.lead is not None and o.lead <= EMERGENCY_PROMISE
        ),
        "deadline_met": _count(outcomes, lambda o: o.met_deadline),
        "not_booked": sum(1 for o in outcomes if o.consult_at is None),
        "lead_time_hours": {"median": _hours(median(leads)), "p90": _hours(p90(leads))},
        "lead_time_histogram": histogram(leads),
        "deadline_met_by_urgency": by_urgency,
        "within_72h_by_site": by_site,
        "missed_by_weekday": misses_by_weekday(outcomes, zone=zone),
        "itineraries": _count(asked, lambda o: o.itinerary_booked),
        "weekly": weekly(outcomes, first_day=first_day, weeks=weeks, zone=zone),
        "utilization": used,
        "resource_utilization": resource_utilization(resource_loads),
        "board": board(meetings),
        "bottleneck": bottleneck(outcomes, used["by_specialty"]),
        "post_op_srs": post_op_srs(list(post_op), target=srs_target),
        "mri_weekly": mri_weekly(list(scan_plans), first_day=first_day, weeks=weeks),
    }
