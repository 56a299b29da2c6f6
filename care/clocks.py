"""The care clocks after the first consult: pure functions, no ORM, no settings, no clock
(time is an argument). PRODUCT.md, "Care clocks after the consult":

- board discussion: starts at the consult once the case goes to the board; due at the
  next meeting open for cases, at most 14 days.
- treatment start: starts at the signed recommendation; 14 days (an emergency's
  decompression or radiation: 48 h).
- post-operative radiosurgery: starts at the resection, when the recommendation includes
  SRS; 30 days.
- next imaging: starts at the surveillance plan's last scan; its interval, a week of grace.

Every clock follows the consult's rules (`patients.clinical`): met when it stops at or
before its due time (`meets_deadline`), at risk when under a third of its window is left
(`AT_RISK_SHARE`), breached when the due time passes first. The first consult's own clock
is `patients.clinical.sla_status` and is not repeated here.

A target in whole days is counted in calendar days on the patient's wall clock (30 days
after a 16:00 resection is 16:00, whatever daylight saving did meanwhile); a target in
hours (an emergency's 48) is real elapsed hours, as the consult's is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from patients import clinical

BOARD = "board"
TREATMENT = "treatment"
POSTOP_SRS = "postop_srs"
IMAGING = "imaging"
PENDING = "pending"

# What the board may ask for that is not a treatment to start (supportive care and
# watching have no start-of-treatment clock).
NOT_TREATMENT = frozenset({"observation", "clinical_trial", "palliative_care", "rehabilitation"})
# "Emergency decompression or radiation": 48 hours for an emergency referral.
EMERGENCY_TREATMENT = frozenset({"decompression_stabilization", "conventional_ebrt", "srs", "sbrt"})
RESECTIONS = frozenset({"resection", "awake_craniotomy"})
RADIOSURGERY = "srs"
# Post-operative radiosurgery to the cavity within about a month: local recurrence at one
# year rose from about 6% (within a month) to 27% (beyond two months) in the series issue 19
# cites; Roth O'Brien et al., "Timing of adjuvant fractionated stereotactic radiosurgery
# affects local control of resected brain metastases", Pract Radiat Oncol 2021 (PMID
# 33578001): 2.3% local recurrence at 4 weeks or less against 23.6% beyond.
POSTOP_SRS_DAYS = 30


@dataclass(frozen=True)
class Span:
    """A target: `days` calendar days on the patient's wall clock, or `hours` real hours
    (give one)."""

    days: int = 0
    hours: int = 0

    @property
    def length(self) -> timedelta:
        return timedelta(days=self.days, hours=self.hours)

    def after(self, start: datetime, zone: tzinfo) -> datetime:
        """The due time (UTC) `self` after `start` (aware)."""
        if self.hours:
            return start.astimezone(UTC) + timedelta(hours=self.hours)
        return (start.astimezone(zone) + timedelta(days=self.days)).astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.hours} h" if self.hours else f"{self.days} days"


@dataclass(frozen=True)
class Targets:
    """Each clock's target (PRODUCT.md defaults; each a setting). `treatment_by_modality`
    overrides `treatment` for a modality; the treatment clock takes the shortest target of
    the modalities recommended."""

    board: Span = Span(days=14)
    treatment: Span = Span(days=14)
    treatment_emergency: Span = Span(hours=48)
    treatment_by_modality: Mapping[str, Span] = field(default_factory=dict)
    postop_srs: Span = Span(days=POSTOP_SRS_DAYS)
    imaging_grace: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class Events:
    """What happened on one referral's path, as aware datetimes (any zone; compared as
    instants). `treatments` are (modality, started_at) of the signed recommendation's
    treatments; `imaging_due_on_end` is the end of the plan's due day in the patient's zone,
    `imaging_grace_end` the end of the last day of grace (so a DST change inside the grace
    week moves neither by an hour)."""

    urgency: str = clinical.ROUTINE
    consult_at: datetime | None = None
    on_board: bool = False
    next_meeting_at: datetime | None = None
    discussed_at: datetime | None = None
    recommended_at: datetime | None = None
    modalities: tuple[str, ...] = ()
    treatments: tuple[tuple[str, datetime], ...] = ()
    imaging_from: datetime | None = None
    imaging_due_on_end: datetime | None = None
    imaging_grace_end: datetime | None = None
    imaging_stopped_at: datetime | None = None
    zone: tzinfo = UTC  # the patient's: whole-day targets are wall-clock days there


@dataclass(frozen=True)
class Clock:
    kind: str
    started_at: datetime
    due_at: datetime
    at_risk_at: datetime
    stopped_at: datetime | None
    target: str  # why the due time is what it is, in plain words


def clock_status(clock: Clock, now: datetime) -> str:
    """met / breached (stopped late, or still running past due) / pending (its start is
    booked but ahead) / at_risk (under a third of the window left) / on_track.
    `care.models.ClockQuerySet.with_status` is its SQL twin, held to it by a test."""
    if clock.stopped_at is not None:
        met = clinical.meets_deadline(clock.stopped_at, clock.due_at)
        return clinical.MET if met else clinical.BREACHED
    if now < clock.started_at:
        return PENDING
    if now >= clock.due_at:
        return clinical.BREACHED
    return clinical.AT_RISK if now > clock.at_risk_at else clinical.ON_TRACK


def _clock(kind: str, start: datetime, due: datetime, stop: datetime | None, target: str):
    at_risk = clinical.at_risk_from(received_at=start, due_at=due)
    return Clock(kind, start, due, at_risk, stop, target)


def treatment_target(*, modalities: tuple[str, ...], urgency: str, targets: Targets):
    """The treatment clock's target: the shortest of the recommended treatments' targets
    (48 h for an emergency's decompression or radiation), with the modality that sets it;
    None when nothing recommended is a treatment to start (observation, supportive care)."""
    best: tuple[Span, str] | None = None
    for modality in modalities:
        if modality in NOT_TREATMENT:
            continue
        target = targets.treatment_by_modality.get(modality, targets.treatment)
        emergency = targets.treatment_emergency
        if urgency == clinical.EMERGENCY and modality in EMERGENCY_TREATMENT:
            target = emergency if emergency.length < target.length else target
        if best is None or target.length < best[0].length:
            best = (target, modality)
    return best


def referral_clocks(events: Events, targets: Targets) -> list[Clock]:
    """The clocks a referral's events have started, in path order (board, treatment,
    post-operative radiosurgery, imaging); a clock whose start event has not happened (or
    been booked) is absent."""
    clocks = []
    if events.consult_at is not None and (events.on_board or events.discussed_at):
        due = targets.board.after(events.consult_at, events.zone)
        target = f"{targets.board} after the consult"
        if events.next_meeting_at is not None and events.next_meeting_at < due:
            due, target = events.next_meeting_at, "the next meeting open for cases"
        clocks.append(_clock(BOARD, events.consult_at, due, events.discussed_at, target))
    picked = treatment_target(modalities=events.modalities, urgency=events.urgency, targets=targets)
    if events.recommended_at is not None and picked is not None:
        span, modality = picked
        started = [at for name, at in events.treatments if name not in NOT_TREATMENT]
        due = span.after(events.recommended_at, events.zone)
        target = f"{span} after the recommendation ({modality.replace('_', ' ')})"
        clocks.append(
            _clock(TREATMENT, events.recommended_at, due, min(started, default=None), target)
        )
    resected = [at for name, at in events.treatments if name in RESECTIONS]
    if resected and RADIOSURGERY in events.modalities:
        surgery = min(resected)
        srs = [at for name, at in events.treatments if name == RADIOSURGERY and at >= surgery]
        due = targets.postop_srs.after(surgery, events.zone)
        target = f"{targets.postop_srs} after the resection"
        clocks.append(_clock(POSTOP_SRS, surgery, due, min(srs, default=None), target))
    if (
        events.imaging_from is not None
        and events.imaging_due_on_end is not None
        and events.imaging_grace_end is not None
    ):
        clocks.append(
            Clock(
                IMAGING,
                events.imaging_from,
                events.imaging_grace_end,
                events.imaging_due_on_end,
                events.imaging_stopped_at,
                "the plan's interval and one week of grace",
            )
        )
    return clocks
