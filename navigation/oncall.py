"""The on-call rota as plain date arithmetic: no ORM, no clock (time is an argument).

A rota hands over every `shift_days` days at `handover` on the wall clock of its
location's zone; the members take the shifts in turn from `starts_on`. A shift is 23 or
25 hours long across a daylight-saving change, because the handover stays at the same
local time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Shift:
    """Who is on call from `start` to `end` (aware, UTC)."""

    member: int
    start: datetime
    end: datetime


def handover_at(day: date, handover: time, zone: ZoneInfo) -> datetime:
    """The handover on local `day` as a UTC instant; a handover in the spring-forward gap
    happens at the same wall-clock reading after the change (zoneinfo's fold=0)."""
    return datetime.combine(day, handover, tzinfo=zone).astimezone(UTC)


def shift_at(
    at: datetime,
    *,
    zone: ZoneInfo,
    handover: time,
    starts_on: date,
    shift_days: int,
    members: Sequence[int],
    ends_on: date | None = None,
) -> Shift | None:
    """The shift covering `at` (aware), or None before `starts_on`'s handover, from the
    handover of `ends_on` (exclusive, when given) or with no members. Raises ValueError
    for a naive `at` or `shift_days` under 1."""
    if at.utcoffset() is None:
        raise ValueError("the rota needs an aware datetime")
    if shift_days < 1:
        raise ValueError("a shift lasts at least one day")
    if not members:
        return None
    local_day = at.astimezone(zone).date()
    for day in (local_day, local_day - timedelta(days=1)):
        block = (day - starts_on).days // shift_days
        first = starts_on + timedelta(days=block * shift_days)
        start = handover_at(first, handover, zone)
        end = handover_at(first + timedelta(days=shift_days), handover, zone)
        if start <= at < end:
            if block < 0 or (ends_on is not None and first >= ends_on):
                return None
            return Shift(members[block % len(members)], start, end)
    return None
