"""Scheduling engine: same-day itineraries and consult slots, plain data in and out.

No ORM, settings or clock: the caller converts calendars to UTC and passes the time in.
Times are handled internally as whole minutes since the Unix epoch.
"""

import heapq
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTE = timedelta(minutes=1)


Run = tuple[int, int, list[int], list[int]]  # location, tag, run starts, run last starts
Runs = list[list[Run]]  # per specialty index
Raw = list[tuple[tuple[int, int, int], int, int, int]]  # (spec, place, tag), first, last, id
Buffers = dict[int, dict[int, int]]  # from location -> to location -> minutes
Piece = tuple[int, int]  # whole epoch minutes


@dataclass(frozen=True)
class FreeInterval:
    """A clinician's free time at one location, in aware datetimes."""

    start: datetime
    end: datetime
    location_id: int


@dataclass(frozen=True)
class ClinicianDay:
    clinician_id: int
    specialty: str
    free: tuple[FreeInterval, ...]


@dataclass(frozen=True)
class ResourceDay:
    """A room's, machine's or interpreter's free time on one day: each interval is time it
    is free for a visit at `location_id` (a room or machine only at its own location; an
    interpreter at every location, with the walk from its other visits taken out)."""

    resource_id: int
    free: tuple[FreeInterval, ...]


@dataclass(frozen=True)
class DayCalendar:
    """One calendar day, already in UTC; the window is the patient's arrival/departure."""

    day: date
    clinicians: tuple[ClinicianDay, ...]
    window_start: datetime
    window_end: datetime
    resources: tuple[ResourceDay, ...] = ()


@dataclass(frozen=True)
class ItineraryRequest:
    """Each specialty seen once; `order` pairs (a, b) mean a's visit ends before b's starts.

    Buffers are travel minutes between locations, looked up either way round; a missing
    pair costs `default_buffer`. Visits start where UTC epoch minute % grid_minutes == 0.
    `needs[specialty]` are groups of resource ids: the visit takes one resource of each
    group, free over its minutes at its location (groups of one visit share no resource).
    """

    specialties: tuple[str, ...]
    durations: Mapping[str, int]
    max_total_wait: int = 90
    order: tuple[tuple[str, str], ...] = ()
    buffers: Mapping[tuple[int, int], int] = field(default_factory=dict)
    default_buffer: int = 15
    grid_minutes: int = 5
    limit: int = 5
    needs: Mapping[str, tuple[tuple[int, ...], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Visit:
    """`resources` holds one resource id per group of the request's `needs` of its
    specialty, in the same order."""

    specialty: str
    clinician_id: int
    location_id: int
    start: datetime
    end: datetime
    resources: tuple[int, ...] = ()


@dataclass(frozen=True)
class ItineraryOption:
    day: date
    visits: tuple[Visit, ...]
    total_wait: int
    finish: datetime


@dataclass(frozen=True)
class SearchResult:
    """Options in day order; `reason` says plainly why there are fewer than asked.

    `missing_specialties` lists those with no free time long enough for their visit inside
    the patient's window on any day searched: the navigator's first thing to fix.
    """

    options: tuple[ItineraryOption, ...]
    reason: str | None
    missing_specialties: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsultSlot:
    """`late` marks a slot after the deadline, offered only because none is before it."""

    clinician_id: int
    specialty: str
    location_id: int
    start: datetime
    end: datetime
    late: bool


@dataclass(frozen=True)
class _Plan:
    """A validated request, indexed by specialty position for the search."""

    request: ItineraryRequest
    durations: tuple[int, ...]
    preds: tuple[int, ...]
    grid: int
    index: dict[str, int]  # specialty -> its position
    groups: tuple[tuple[tuple[int, ...], ...], ...]  # per position its needs; () if none need
    rest: list[int]  # per set of visits done (a bitmask), the minutes still to come


# In UTC (as callers pass calendars) the date's ordinal and the clock fields are the
# fastest way to minutes: exact, and nothing to allocate.
_EPOCH_DAY = _EPOCH.toordinal()


def _floor_minute(moment: datetime) -> int:
    if moment.tzinfo is UTC:
        return (moment.toordinal() - _EPOCH_DAY) * 1440 + moment.hour * 60 + moment.minute
    try:
        return (moment - _EPOCH) // _MINUTE
    except TypeError:  # only an aware datetime subtracts from an aware one
        raise ValueError(f"naive datetime {moment!r}: the engine needs aware datetimes") from None


def _ceil_minute(moment: datetime) -> int:
    if moment.tzinfo is UTC:
        minute = (moment.toordinal() - _EPOCH_DAY) * 1440 + moment.hour * 60 + moment.minute
        return minute + 1 if moment.second or moment.microsecond else minute
    try:
        return -((_EPOCH - moment) // _MINUTE)
    except TypeError:
        raise ValueError(f"naive datetime {moment!r}: the engine needs aware datetimes") from None


def _grid_up(minute: int, grid: int) -> int:
    return -(-minute // grid) * grid


def _moment(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)  # twice as fast as _EPOCH + timedelta


def _plan(request: ItineraryRequest) -> _Plan:
    """Reject requests that cannot mean anything, so the search never has to guess."""
    specs = request.specialties
    if not specs or len(set(specs)) != len(specs):
        raise ValueError("specialties must be a non-empty list without repeats")
    if request.grid_minutes <= 0 or request.max_total_wait < 0 or request.default_buffer < 0:
        raise ValueError("grid_minutes must be positive; wait limit and buffer not negative")
    if any(minutes < 0 for minutes in request.buffers.values()):
        raise ValueError("travel buffers cannot be negative")
    durations = []
    for spec in specs:
        minutes = request.durations.get(spec)
        if not isinstance(minutes, int) or minutes <= 0:
            raise ValueError(f"{spec} needs a positive duration in minutes")
        durations.append(minutes)
    for spec, groups in request.needs.items():
        ids = [rid for group in groups for rid in group]
        if any(not group for group in groups) or len(set(ids)) != len(ids):
            raise ValueError(f"{spec} needs resource groups that are non-empty and disjoint")
    index = {spec: i for i, spec in enumerate(specs)}
    preds = [0] * len(specs)
    for before, after in request.order:
        if before not in index or after not in index:
            raise ValueError(f"order ({before}, {after}) names a specialty not requested")
        if before == after:
            raise ValueError(f"order ({before}, {after}) is a cycle")
        preds[index[after]] |= 1 << index[before]
    _check_acyclic(preds)
    needed = tuple(tuple(request.needs.get(spec, ())) for spec in specs)
    return _Plan(
        request,
        tuple(durations),
        tuple(preds),
        request.grid_minutes,
        index,
        needed if any(needed) else (),
        _rest_minutes(durations),
    )


def _check_acyclic(preds: list[int]) -> None:
    done = 0
    while done != (1 << len(preds)) - 1:
        ready = [i for i, mask in enumerate(preds) if not done >> i & 1 and mask & ~done == 0]
        if not ready:
            raise ValueError("order constraints form a cycle")
        for i in ready:
            done |= 1 << i


def buffer_minutes(request: ItineraryRequest, a: int, b: int) -> int:
    """Minutes to walk from location `a` to `b` (either direction; 0 within one place)."""
    if a == b:
        return 0
    found = request.buffers.get((a, b))
    if found is None:
        found = request.buffers.get((b, a), request.default_buffer)
    return found


def _day_starts(plan: _Plan, day: DayCalendar) -> tuple[Runs, Raw, "_Resources | None"]:
    """Per specialty, the grid start times at which its visit fits, as merged runs.

    A visit that needs resources fits only at starts where one resource of every group is
    free over it too, at its location (as `with_resources` cuts the day, in minutes here).
    Runs of different clinicians at one location merge, because the rest of the search
    only cares where the patient is and when; a clinician listed under two requested
    specialties keeps separate runs (tagged by a bit) so the search can use them once.
    Returns runs[spec] = [(location, tag, starts, lasts)], the raw per-clinician runs
    (not cut by resources: those do not depend on the clinician), and the resources' free
    time in minutes when visits need any.

    Sets of starts are bit masks over the day's grid (bit i: `open_at + i * grid`), so
    merging is `|` and cutting by resources `&`.
    """
    grid = plan.grid
    specs = plan.request.specialties
    index = plan.index
    open_at = _grid_up(_ceil_minute(day.window_start), grid)
    close_at = _floor_minute(day.window_end)
    mine = [(index[c.specialty], c) for c in day.clinicians if c.specialty in index]
    tags: dict[int, int] = {}
    ids = [clinician.clinician_id for _, clinician in mine]
    if len(set(ids)) < len(ids):  # someone listed twice: under two requested specialties?
        owners: dict[int, set[int]] = {}
        for spec, clinician in mine:
            owners.setdefault(clinician.clinician_id, set()).add(spec)
        shared = sorted(cid for cid, owned in owners.items() if len(owned) > 1)
        tags = {cid: 1 << bit for bit, cid in enumerate(shared)}
    raw: Raw = []
    masks: dict[tuple[int, int, int], int] = {}
    # Free time starts and ends on few distinct instants a day: hashing one is ten
    # times cheaper than turning it into minutes. A start becomes the first grid minute
    # at or after it (every visit starts on the grid), an end the last whole minute.
    starts_at: dict[datetime, int] = {}
    ends_at: dict[datetime, int] = {}
    durations = plan.durations
    for spec, clinician in mine:
        cid = clinician.clinician_id
        duration = durations[spec]
        tag = tags.get(cid, 0) if tags else 0
        for interval in clinician.free:
            start, end = interval.start, interval.end
            first = starts_at.get(start)
            if first is None:
                first = starts_at[start] = _grid_up(_ceil_minute(start), grid)
            last = ends_at.get(end)
            if last is None:
                last = ends_at[end] = _floor_minute(end)
            if first < open_at:
                first = open_at
            last = ((last if last < close_at else close_at) - duration) // grid * grid
            if first <= last:
                key = (spec, interval.location_id, tag)
                bits = ((2 << (last - first) // grid) - 1) << (first - open_at) // grid
                masks[key] = masks.get(key, 0) | bits
                raw.append((key, first, last, cid))
    resources = _Resources(plan, day, open_at, starts_at, ends_at) if plan.groups else None
    runs: Runs = [[] for _ in specs]
    for (spec, location, tag), mask in sorted(masks.items()):
        if resources is not None and plan.groups[spec]:
            mask &= resources.starts(spec, location)
        starts: list[int] = []
        lasts: list[int] = []
        while mask:
            low = mask & -mask  # a run's first start
            top = mask + low  # the run cleared and the bit after it set
            starts.append(open_at + (low.bit_length() - 1) * grid)
            lasts.append(open_at + ((top & -top).bit_length() - 2) * grid)
            mask &= top
        if starts:
            runs[spec].append((location, tag, starts, lasts))
    return runs, raw, resources


class _Resources:
    """The resources' free time by (resource, location), as (its first grid minute, its
    last whole minute), and the grid starts at which one resource of every group a visit
    needs is free for it (as a bit mask on the day's grid, see `_day_starts`), each built
    when first asked for."""

    def __init__(
        self,
        plan: _Plan,
        day: DayCalendar,
        open_at: int,
        starts_at: dict[datetime, int],
        ends_at: dict[datetime, int],
    ):
        self.plan, self.open_at = plan, open_at
        grid = plan.grid
        self.spans: dict[tuple[int, int], list[Piece]] = {}
        wanted = {rid for groups in plan.groups for group in groups for rid in group}
        for resource in day.resources:
            rid = resource.resource_id
            if rid not in wanted:
                continue
            for interval in resource.free:
                low = starts_at.get(interval.start)
                if low is None:
                    low = starts_at[interval.start] = _grid_up(_ceil_minute(interval.start), grid)
                high = ends_at.get(interval.end)
                if high is None:
                    high = ends_at[interval.end] = _floor_minute(interval.end)
                self.spans.setdefault((rid, interval.location_id), []).append((low, high))
        self.firsts: dict[tuple[tuple[int, ...], int], list[Piece]] = {}
        self.groups: dict[tuple[tuple[int, ...], int, int], int] = {}
        self.found: dict[tuple[int, int], int] = {}

    def starts(self, spec: int, place: int) -> int:
        """The starts at which `spec`'s visit has every resource it needs at `place`."""
        found = self.found.get((spec, place))
        if found is None:
            found = -1
            minutes = self.plan.durations[spec]
            for group in self.plan.groups[spec]:
                found &= self.group_starts(group, place, minutes)
            self.found[(spec, place)] = found
        return found

    def group_starts(self, group: tuple[int, ...], place: int, minutes: int) -> int:
        """The starts at which one resource of `group` is free for `minutes` at `place`:
        exact, each resource's free time on its own, so two resources' adjacent free times
        never make room for a visit across them."""
        key = (group, place, minutes)
        found = self.groups.get(key)
        if found is None:
            grid, open_at = self.plan.grid, self.open_at
            firsts = self.firsts.get((group, place))
            if firsts is None:  # each span's first start in the patient's window, and end
                firsts = self.firsts[(group, place)] = [
                    (low if low > open_at else open_at, high)
                    for rid in group
                    for low, high in self.spans.get((rid, place), ())
                ]
            found = 0
            for first, high in firsts:
                last = (high - minutes) // grid * grid
                if first <= last:
                    found |= ((2 << (last - first) // grid) - 1) << (first - open_at) // grid
            self.groups[key] = found
        return found

    def free(self, group: tuple[int, ...], visit: "_Placed") -> list[int]:
        """The resources of `group` free over the whole of `visit`, by id (as
        `resources_free`: the visit starts on the grid and its minutes are whole, so
        rounding the free time in changes nothing)."""
        start, end, place = visit.start, visit.end, visit.location
        found = []
        for rid in sorted(set(group)):
            for low, high in self.spans.get((rid, place), ()):
                if low <= start and end <= high:
                    found.append(rid)
                    break
        return found


class _Node(NamedTuple):
    """Visits done so far; the first block can still slide `slack` minutes later free.

    The first block is every visit before the first real wait: sliding it later only
    shortens that wait, so it is kept as a range rather than one start per grid step.
    """

    wait: int
    end: int
    slack: int
    done: int
    location: int
    used: int
    tag: int
    spec: int
    parent: "_Node | None"


def _first_nodes(plan: _Plan, runs: Runs) -> Iterator[_Node]:
    for spec, spec_runs in enumerate(runs):
        if plan.preds[spec]:
            continue
        for location, tag, starts, lasts in spec_runs:
            for first, last in zip(starts, lasts, strict=True):
                end = first + plan.durations[spec]
                yield _Node(0, end, last - first, 1 << spec, location, tag, tag, spec, None)


def _dominated(seen: list[tuple[int, int, int]], node: _Node, grid: int) -> bool:
    """Whether a node already expanded can match every (end, wait) this one can reach.

    An earlier end is as good as a later one plus the difference in wait; the other
    node's block slides only in whole grid steps, up to its slack.
    """
    reach = node.end + node.slack
    for end, slack, wait in seen:
        if end <= node.end:
            over = max(reach - end - slack, (node.end - end) % grid)
            if wait + over <= node.wait:
                return True
    return False


def _rest_minutes(durations: list[int]) -> list[int]:
    """Per set of visits done (a bitmask), the minutes of the visits still to come."""
    total = sum(durations)
    rest = [total] * (1 << len(durations))
    for done in range(1, 1 << len(durations)):
        low = done & -done  # the lowest visit done, and the set without it
        rest[done] = rest[done ^ low] - durations[low.bit_length() - 1]
    return rest


class _Search:
    """Best-first (A*) search for the least (wait, finish) order of visits on one day.

    Nodes leave the heap by (wait, end + minutes of the visits still to come); neither
    decreases along a path, so the first complete node found better than every node
    left is the optimum. Of equal nodes the one ending first leaves first (then the
    first in), so of equally good plans the one whose first visits end soonest wins.
    Every visit after the first block starts as early as it can, which never loses: a
    later start only moves wait from after the visit to before it.

    The work stays about linear in the day's free time: a greedy dive finds a complete
    plan first, so children no better than it are never made; a node's children in one
    run of free time enter the heap one at a time, the next when the one before leaves
    it (along a run their keys never decrease), because most are never reached.
    """

    def __init__(self, plan: _Plan, runs: Runs, buffers: Buffers, limit: int):
        self.plan, self.runs, self.buffers, self.limit = plan, runs, buffers, limit
        self.full = (1 << len(plan.durations)) - 1
        self.rest = plan.rest
        self.best: _Node | None = None
        self.best_key = (limit + 1, 0)
        self.heap: list[tuple[int, int, int, int, _Node, tuple[Run, int] | None]] = []
        self.seq = 0  # ties leave the heap in the order they entered it

    def child(self, parent: _Node, spec: int, run: Run, i: int) -> _Node | None:
        """`parent` then `spec`'s visit in stretch `i` of `run`, as early as it can be, or
        None when neither that stretch nor any later one of the run beats the best."""
        place, tag, starts, lasts = run
        if i >= len(starts):
            return None
        grid = self.plan.grid
        arrive = parent.end + self.buffers[parent.location][place]
        ready = -(-arrive // grid) * grid
        first = starts[i]
        if ready + parent.slack <= first:
            gap, start, slack = first - arrive - parent.slack, first, 0
        else:
            start = max(first, ready)
            gap = ready - arrive
            slack = min(parent.slack - (start - ready), lasts[i] - start)
        wait, end = parent.wait + gap, start + self.plan.durations[spec]
        done = parent.done | 1 << spec
        if wait > self.limit or (wait, end + self.rest[done]) >= self.best_key:
            return None
        return _Node(wait, end, slack, done, place, parent.used | tag, tag, spec, parent)

    def children(self, node: _Node) -> Iterator[tuple[_Node, Run, int]]:
        """The first child of `node` in every run it can go on to, with its run and stretch."""
        # `child` for every run, written out: this is the search's innermost loop. The
        # best may improve between two children (the caller offers each), so it is read
        # for each.
        plan, limit, rest = self.plan, self.limit, self.rest
        grid, preds, durations = plan.grid, plan.preds, plan.durations
        here = self.buffers[node.location]
        done_before, used, arrived, spare, waited = (
            node.done,
            node.used,
            node.end,
            node.slack,
            node.wait,
        )
        for spec, spec_runs in enumerate(self.runs):
            if done_before >> spec & 1 or preds[spec] & ~done_before:
                continue
            done = done_before | 1 << spec
            duration, after = durations[spec], rest[done]
            for run in spec_runs:
                place, tag, starts, lasts = run
                if tag & used:
                    continue
                arrive = arrived + here[place]
                ready = -(-arrive // grid) * grid
                i = bisect_left(lasts, ready)
                if i >= len(starts):
                    continue
                first = starts[i]
                if ready + spare <= first:
                    gap, start, slack = first - arrive - spare, first, 0
                else:
                    start = first if first > ready else ready
                    gap = ready - arrive
                    slack = min(spare - (start - ready), lasts[i] - start)
                wait, end = waited + gap, start + duration
                if wait > limit or (wait, end + after) >= self.best_key:
                    continue
                yield _Node(wait, end, slack, done, place, used | tag, tag, spec, node), run, i

    def offer(self, child: _Node | None, run: Run, i: int) -> None:
        if child is None:
            return
        if child.done == self.full:
            self.best, self.best_key = child, (child.wait, child.end)
        else:
            key = (child.wait, child.end + self.rest[child.done])
            self.seq += 1
            heapq.heappush(self.heap, (*key, child.end, self.seq, child, (run, i)))

    def dive(self, node: _Node) -> None:
        """Follow the least child down to a complete plan, if there is one, as the best."""
        rest = self.rest
        while node.done != self.full:
            least, least_key = None, None
            for kid, _, _ in self.children(node):
                key = (kid.wait, kid.end + rest[kid.done], kid.end)
                if least_key is None or key < least_key:  # the first of equals, as min
                    least, least_key = kid, key
            if least is None:
                return
            node = least
        self.best, self.best_key = node, (node.wait, node.end)

    def run(self) -> _Node | None:
        heap, rest, grid = self.heap, self.rest, self.plan.grid
        for node in _first_nodes(self.plan, self.runs):
            if node.done != self.full:
                key = (node.wait, node.end + rest[node.done], node.end)
                heap.append((*key, len(heap), node, None))
            elif self.best is None or node.end < self.best.end:
                self.best, self.best_key = node, (0, node.end)
        self.seq = len(heap)
        heapq.heapify(heap)
        if heap and self.best is None:
            self.dive(heap[0][4])
        closed: dict[tuple[int, int, int], list[tuple[int, int, int]]] = {}
        while heap:
            wait, bound, _, _, node, cursor = heapq.heappop(heap)
            if (wait, bound) >= self.best_key:
                break
            if cursor is not None and node.parent is not None:
                run, i = cursor
                self.offer(self.child(node.parent, node.spec, run, i + 1), run, i + 1)
            seen = closed.setdefault((node.done, node.location, node.used), [])
            if _dominated(seen, node, grid):
                continue
            seen.append((node.end, node.slack, wait))
            for child, run, i in self.children(node):
                self.offer(child, run, i)
        return self.best


class _Placed(NamedTuple):
    """A visit of the best plan, in minutes, before its resources are chosen."""

    spec: int
    clinician: int
    location: int
    start: int
    end: int


def _path_visits(plan: _Plan, raw: Raw, buffers: Buffers, last: _Node) -> list[_Placed]:
    """Turn the last node back into visits, placing each one from the one after it."""
    steps: list[_Node] = []
    node: _Node | None = last
    while node is not None:
        steps.append(node)
        node = node.parent
    start = steps[0].end - plan.durations[steps[0].spec]
    starts = [start]
    for step, prev in zip(steps, steps[1:], strict=False):
        prev_end = start - buffers[prev.location][step.location] - (step.wait - prev.wait)
        start = prev_end - plan.durations[prev.spec]
        starts.append(start)
    visits = []
    for step, start in zip(reversed(steps), reversed(starts), strict=True):
        key = (step.spec, step.location, step.tag)
        clinician = min(cid for at, first, last, cid in raw if at == key and first <= start <= last)
        end = start + plan.durations[step.spec]
        visits.append(_Placed(step.spec, clinician, step.location, start, end))
    return visits


def _picks(
    plan: _Plan, resources: "_Resources | None", visits: list[_Placed]
) -> list[tuple[int, ...]]:
    """Per visit (in time order), its resources as `assign_resources` chooses them."""
    if resources is None:
        return [()] * len(visits)
    needs = plan.groups
    free = [[resources.free(group, visit) for group in needs[visit.spec]] for visit in visits]
    chosen: dict[tuple[int, ...], int] = {}
    for group in {g for visit in visits for g in needs[visit.spec]}:
        everywhere = set(group)
        for visit, found in zip(visits, free, strict=True):
            for other, ids in zip(needs[visit.spec], found, strict=True):
                if other == group:
                    everywhere &= set(ids)
        if everywhere:
            chosen[group] = min(everywhere)
    picks = []
    last: dict[tuple[int, ...], int] = {}
    for visit, found in zip(visits, free, strict=True):
        mine = []
        for group, ids in zip(needs[visit.spec], found, strict=True):
            if not ids:  # the search only places visits whose resources are free
                spec = plan.request.specialties[visit.spec]
                raise ValueError(f"no resource of {group} is free for the {spec} visit")
            pick = chosen.get(group)
            if pick is None:
                pick = last[group] if last.get(group) in ids else ids[0]
            mine.append(pick)
            last[group] = pick
        picks.append(tuple(mine))
    return picks


def _day_option(plan: _Plan, day: DayCalendar, seen: set[int]) -> ItineraryOption | None:
    runs, raw, resources = _day_starts(plan, day)
    seen.update(spec for spec, spec_runs in enumerate(runs) if spec_runs)
    if not all(runs):
        return None
    places = {run[0] for spec_runs in runs for run in spec_runs}
    buffers = {a: {b: buffer_minutes(plan.request, a, b) for b in places} for a in places}
    # No wait first: almost every day has such a plan, and the search without wait is small.
    # Not when visits need resources too: then most days have none (21 of 32 in `make
    # bench`), and one search with the wait limit costs less than both. Either way the
    # same plan: that search meets every node without wait before any with, in the same
    # order, and the first plan without wait it completes ends it.
    limit = plan.request.max_total_wait
    node = _Search(plan, runs, buffers, 0 if not plan.groups else limit).run()
    if node is None and not plan.groups and limit > 0:
        node = _Search(plan, runs, buffers, limit).run()
    if node is None:
        return None
    placed = _path_visits(plan, raw, buffers, node)
    specs = plan.request.specialties
    visits = tuple(
        Visit(specs[v.spec], v.clinician, v.location, _moment(v.start), _moment(v.end), picks)
        for v, picks in zip(placed, _picks(plan, resources, placed), strict=True)
    )
    return ItineraryOption(day.day, visits, node.wait, visits[-1].end)


def _start_runs(spans: Iterable[Piece], minutes: int, grid: int) -> list[Piece]:
    """The grid starts at which a visit of `minutes` fits inside one of `spans`, as sorted
    merged runs (first, last). Merging is exact: a start fits when any one span holds the
    visit, so two resources' adjacent free times never make room for a visit across them."""
    runs = sorted(
        (_grid_up(low, grid), (high - minutes) // grid * grid)
        for low, high in spans
        if high - low >= minutes
    )
    merged: list[Piece] = []
    for first, last in runs:
        if first > last:
            continue
        if merged and first <= merged[-1][1] + grid:
            if last > merged[-1][1]:
                merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return merged


def _both(runs: list[Piece], others: list[Piece], lasts: list[int]) -> list[Piece]:
    """The starts in `runs` and in `others` (both sorted, merged, on one grid; `lasts` the
    last start of each of `others`)."""
    out = []
    for first, last in runs:
        for i in range(bisect_left(lasts, first), len(others)):
            low, high = others[i]
            if low > last:
                break
            out.append((max(first, low), min(last, high)))
    return out


def _span(interval: FreeInterval) -> Piece:
    """An interval in whole epoch minutes, its start rounded up and its end down (as the
    search rounds them); through POSIX timestamps, the fastest way for aware datetimes."""
    if interval.start.tzinfo is None or interval.end.tzinfo is None:
        raise ValueError(f"naive datetime in {interval!r}: the engine needs aware datetimes")
    return -int(-interval.start.timestamp() // 60), int(interval.end.timestamp() // 60)


def with_resources(request: ItineraryRequest, day: DayCalendar) -> DayCalendar:
    """The day with each clinician's free time cut to the minutes when one resource of
    every group its visit needs is free too, at the same location (PRODUCT.md: a visit fits
    only when its clinician and every resource it needs are free over the same minutes).

    Exact on the grid: a start fits iff the clinician and, for every group, one resource
    of it each hold the whole visit from that start (whole minutes, as the search rounds
    them); the clinician's free time becomes the runs of such starts, each given back as
    an interval from its first start to its last start's end. A day whose visits need
    nothing is returned as it is."""
    needs = request.needs
    if not any(needs.get(c.specialty) for c in day.clinicians):
        return day
    grid = request.grid_minutes
    free_at: dict[tuple[int, int], list[FreeInterval]] = {}
    for resource in day.resources:
        for interval in resource.free:
            free_at.setdefault((resource.resource_id, interval.location_id), []).append(interval)
    spans_at: dict[tuple[int, int], list[Piece]] = {}  # in minutes, read when first needed

    def spans(key: tuple[int, int]) -> list[Piece]:
        found = spans_at.get(key)
        if found is None:
            found = spans_at[key] = [_span(f) for f in free_at.get(key, ())]
        return found

    group_runs: dict[tuple[tuple[int, ...], int, int], tuple[list[Piece], list[int]]] = {}
    moments: dict[int, datetime] = {}  # a day has few distinct grid minutes: build each once

    def moment(minute: int) -> datetime:
        found = moments.get(minute)
        if found is None:
            found = moments[minute] = datetime.fromtimestamp(minute * 60, UTC)
        return found

    clinicians = []
    for clinician in day.clinicians:
        groups = needs.get(clinician.specialty, ())
        minutes = request.durations.get(clinician.specialty)
        if not groups or not minutes:
            clinicians.append(clinician)
            continue
        free = []
        for interval in clinician.free:
            place = interval.location_id
            low, high = _span(interval)
            first, last = _grid_up(low, grid), (high - minutes) // grid * grid
            runs = [(first, last)] if first <= last else []
            for group in groups:
                if not runs:
                    break
                cached = (group, place, minutes)
                if cached not in group_runs:
                    pieces = [span for rid in group for span in spans((rid, place))]
                    found = _start_runs(pieces, minutes, grid)
                    group_runs[cached] = (found, [last for _, last in found])
                runs = _both(runs, *group_runs[cached])
            free += [
                FreeInterval(moment(first), moment(last + minutes), place) for first, last in runs
            ]
        clinicians.append(ClinicianDay(clinician.clinician_id, clinician.specialty, tuple(free)))
    return DayCalendar(day.day, tuple(clinicians), day.window_start, day.window_end, day.resources)


def resources_free(day: DayCalendar, group: Iterable[int], visit: Visit) -> list[int]:
    """The resources of `group` free over the whole of `visit` at its location, by id."""
    wanted = set(group)
    return sorted(
        r.resource_id
        for r in day.resources
        if r.resource_id in wanted
        and any(
            f.location_id == visit.location_id and f.start <= visit.start and visit.end <= f.end
            for f in r.free
        )
    )


def assign_resources(
    request: ItineraryRequest, day: DayCalendar, visits: tuple[Visit, ...]
) -> tuple[Visit, ...]:
    """Give each visit one free resource of every group its specialty needs, the same one
    for every visit of the day when one is free for all (the interpreter who stays with the
    patient), else the one the previous visit had when free, else the lowest id.

    The visits must fit (as the search returns them); ValueError names a visit whose group
    has no free resource."""
    if not any(request.needs.get(v.specialty) for v in visits):
        return visits
    chosen: dict[tuple[int, ...], int] = {}
    for group in {g for v in visits for g in request.needs.get(v.specialty, ())}:
        users = [v for v in visits if group in request.needs.get(v.specialty, ())]
        everywhere = set(group)
        for visit in users:
            everywhere &= set(resources_free(day, group, visit))
        if everywhere:
            chosen[group] = min(everywhere)
    out: dict[int, Visit] = {}
    last: dict[tuple[int, ...], int] = {}
    for index in sorted(range(len(visits)), key=lambda i: visits[i].start):
        visit = visits[index]
        picks = []
        for group in request.needs.get(visit.specialty, ()):
            free = resources_free(day, group, visit)
            if not free:
                raise ValueError(f"no resource of {group} is free for the {visit.specialty} visit")
            pick = chosen.get(group)
            if pick is None:
                pick = last[group] if last.get(group) in free else free[0]
            picks.append(pick)
            last[group] = pick
        out[index] = replace(visit, resources=tuple(picks))
    return tuple(out[i] for i in range(len(visits)))


def search_itineraries(request: ItineraryRequest, days: Iterable[DayCalendar]) -> SearchResult:
    """The best option of each of the first `request.limit` days that have one.

    `days` must come earliest first; it is read lazily and no further than needed,
    because the caller loads each day from the database on demand.
    Within a day the best option has the least total wait, then the earliest finish.
    """
    plan = _plan(request)
    options: list[ItineraryOption] = []
    seen: set[int] = set()
    searched: list[date] = []
    if request.limit > 0:
        for day in days:
            searched[1:] = [day.day]
            option = _day_option(plan, day, seen)
            if option is not None:
                options.append(option)
                if len(options) >= request.limit:
                    break
    missing = tuple(spec for i, spec in enumerate(request.specialties) if i not in seen)
    if len(options) >= request.limit:
        return SearchResult(tuple(options), None)
    if not searched:
        return SearchResult((), "No days to search")
    return SearchResult(tuple(options), _reason(request, options, searched, missing), missing)


def _reason(
    request: ItineraryRequest,
    options: list[ItineraryOption],
    searched: list[date],
    missing: tuple[str, ...],
) -> str:
    span = f"between {searched[0]} and {searched[-1]}" if len(searched) > 1 else f"on {searched[0]}"
    if missing:
        names = " or ".join(spec.replace("_", " ") for spec in missing)
        return f"No free {names} time {span}"
    limit = f"every visit within the {request.max_total_wait}-minute wait limit ({span})"
    if not options:
        return f"No day fits {limit}"
    count = "1 day fits" if len(options) == 1 else f"{len(options)} days fit"
    return f"Only {count} {limit}"


def find_consult_slots(
    *,
    clinicians: Iterable[ClinicianDay],
    duration: int,
    not_before: datetime,
    due_at: datetime,
    limit: int = 10,
    grid_minutes: int = 5,
) -> tuple[ConsultSlot, ...]:
    """The earliest consult slots starting at or before `due_at`, or else the earliest late
    ones (the one deadline rule: `patients.clinical.meets_deadline`).

    Each free interval is tiled with back-to-back slots from its first grid start, so
    the navigator sees several times per clinician. Late slots are flagged rather than
    dropped: a deadline that cannot be met must never look like "no slots".
    """
    if duration <= 0 or grid_minutes <= 0:
        raise ValueError("duration and grid_minutes must be positive")
    if limit <= 0:
        return ()
    grid = grid_minutes
    step = _grid_up(duration, grid)
    earliest = _grid_up(_ceil_minute(not_before), grid)
    due = _floor_minute(due_at)  # PRODUCT.md: met when it starts at or before the deadline
    on_time: list[tuple[int, int, int, str]] = []
    late: list[tuple[int, int, int, str]] = []
    for clinician in clinicians:
        for interval in clinician.free:
            start = max(earliest, _grid_up(_ceil_minute(interval.start), grid))
            stop = _floor_minute(interval.end) - duration
            taken_late = 0
            while start <= stop and taken_late < limit:
                slot = (start, clinician.clinician_id, interval.location_id, clinician.specialty)
                if start <= due:
                    on_time.append(slot)
                else:
                    late.append(slot)
                    taken_late += 1
                start += step
    chosen = heapq.nsmallest(limit, on_time or late)
    return tuple(
        ConsultSlot(cid, spec, place, _moment(start), _moment(start + duration), not on_time)
        for start, cid, place, spec in chosen
    )
