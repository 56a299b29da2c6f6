"""The simulation: replay a synthetic referral stream through the real services, on a
simulated clock, inside one transaction that is always rolled back.

Every referral is recorded by `referral_create` (real triage), booked the way a navigator
books it (a same-day itinerary through `itinerary_search`/`itinerary_book` when the case
suggests more specialists and one fits before the deadline; an emergency no clinic slot
can see within 24 hours, an on-call assessment with whoever the rota has on call through
`oncall_assessment_book`; else the earliest slot from `consult_options` through
`appointment_book`), and, for the share the board discusses,
put on the next board meeting open for cases after the consult with `case_submit` (its
real capacity and rollover rules). The later clocks follow: a share of the brain cases the
board discusses are recommended resection then radiosurgery; a week after the board the
resection is done and the radiosurgery visit is booked with radiation oncology (its real
templates and bookings) no sooner than the wound allows, and the run counts how many start
within 30 days of the resection. Every case discussed then has a surveillance plan (its
interval from `board.rules`), and the MRI scans those plans and the center's active plans
call for are counted week by week. Events are processed in time order; each service gets
the simulated time as `now`. Nothing commits, so no outbox row, alert or audit row
survives, and `transaction.on_commit` hooks registered inside are discarded.
"""

from __future__ import annotations

import heapq
import random
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction

from board import rules as board_rules
from board.models import Case, CaseMove, Meeting, Series, SurveillancePlan
from board.services.cases import case_submit
from board.services.meetings import meetings_generate, series_update
from navigation import availability, rules, selectors
from navigation import services as navigation
from navigation.models import Appointment, AppointmentResource, Clinician, Resource
from patients import clinical
from patients import services as patients
from simulator import metrics, whatif
from simulator.stream import Mix, SyntheticReferral, referral_stream

BOARD_QUESTION = "Simulated case: treatment plan after the new-patient consult?"
SRS_SPECIALTY = "radiation_oncology"


@dataclass(frozen=True)
class Scenario:
    """What to replay: `weeks` weeks from `first_day` (clinic time) at `rate` a week."""

    first_day: date
    weeks: int = 12
    rate: float = 40
    seed: int = 1
    mix: Mix = field(default_factory=Mix)
    board_share: float = 0.25  # of new patients discussed at the tumor board
    itineraries: bool = True
    add_sessions: tuple[whatif.SessionChange, ...] = ()
    remove_sessions: tuple[whatif.SessionChange, ...] = ()
    add_resources: tuple[whatif.SessionChange, ...] = ()  # rooms, machines, interpreters
    board_capacity: int | None = None
    after_rate: float | None = None  # what-if: the referral rate after the change
    # The later clocks: of the brain cases discussed, the share recommended resection then
    # radiosurgery; surgery this many days after the board; radiosurgery no sooner than
    # `srs_after_days` after it (wound healing), due within `srs_target_days`.
    resection_share: float = 0.35
    resection_after_days: int = 7
    srs_after_days: int = 14
    srs_target_days: int = 30
    treatment_after_days: int = 14  # other cases: treatment starts this long after the board

    @property
    def has_what_if(self) -> bool:
        return bool(
            self.add_sessions
            or self.remove_sessions
            or self.add_resources
            or self.board_capacity
            or self.after_rate is not None
        )

    @property
    def effective_rate(self) -> float:
        return self.rate if self.after_rate is None else self.after_rate

    def baseline(self) -> Scenario:
        """The same referrals against the center as it is."""
        return replace(
            self,
            add_sessions=(),
            remove_sessions=(),
            add_resources=(),
            board_capacity=None,
            after_rate=None,
        )

    def as_dict(self) -> dict:
        return {
            "first_day": self.first_day.isoformat(),
            "weeks": self.weeks,
            "rate": self.rate,
            "seed": self.seed,
            "emergency_share": self.mix.emergency,
            "urgent_share": self.mix.urgent,
            "sites": dict(self.mix.sites),
            "board_share": self.board_share,
            "itineraries": self.itineraries,
            "add_sessions": [str(c) for c in self.add_sessions],
            "remove_sessions": [str(c) for c in self.remove_sessions],
            "add_resources": [str(c) for c in self.add_resources],
            "board_capacity": self.board_capacity,
            "after_rate": self.after_rate,
            "resection_share": self.resection_share,
            "srs_target_days": self.srs_target_days,
        }


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=selectors.clinic_zone()).astimezone(UTC)


def _stream(scenario: Scenario) -> list[SyntheticReferral]:
    return referral_stream(
        first_day=scenario.first_day,
        weeks=scenario.weeks,
        rate=scenario.effective_rate,
        seed=scenario.seed,
        mix=scenario.mix,
        time_zone=str(selectors.clinic_zone()),
    )


def simulate(
    scenario: Scenario,
    *,
    progress: Callable[[], None] | None = None,
    stream: list[SyntheticReferral] | None = None,
) -> dict:
    """The report of one scenario; the database is left exactly as it was. `stream`
    replaces the generated referrals (a hand-made scenario)."""
    stream = _stream(scenario) if stream is None else stream
    with transaction.atomic():
        try:
            return _Run(scenario, stream, progress).report()
        finally:
            transaction.set_rollback(True)


def stream_size(scenario: Scenario) -> int:
    """How many referrals the scenario replays (for a progress bar's total)."""
    return len(_stream(scenario))


class _Run:
    ARRIVAL, BOARD, TICK, RESECTION = 1, 2, 0, 3  # at equal times: meetings, then arrivals

    def __init__(self, scenario: Scenario, stream: list[SyntheticReferral], progress):
        self.scenario = scenario
        self.stream = stream
        self.progress = progress or (lambda: None)
        self.start = local_midnight(scenario.first_day)
        self.last_day = scenario.first_day + timedelta(weeks=scenario.weeks, days=-1)
        self.end = local_midnight(self.last_day + timedelta(days=1))
        self.board_rng = random.Random(f"{scenario.seed}:board")
        self.resection_rng = random.Random(f"{scenario.seed}:resection")
        self.post_op: list[metrics.PostOp] = []
        self.plans: list[metrics.ScanPlan] = []
        self.tag = secrets.token_hex(4)  # MRNs no other run (or real patient) holds
        self.outcomes: list[metrics.Outcome] = []
        self.clinicians = {c.pk: c for c in Clinician.objects.filter(active=True)}
        self.series = list(Series.objects.filter(active=True).order_by("id"))

    # --- the center as the what-if would have it -------------------------------------

    def _apply_changes(self) -> None:
        for change in self.scenario.remove_sessions:
            whatif.session_remove(change, from_day=self.scenario.first_day)
        for change in self.scenario.add_sessions:
            whatif.session_add(change, from_day=self.scenario.first_day)
        for change in self.scenario.add_resources:
            whatif.resource_add(change, from_day=self.scenario.first_day)
        if self.scenario.board_capacity:
            for series in self.series:
                series_update(
                    series=series, now=self.start, case_capacity=self.scenario.board_capacity
                )

    # --- events ----------------------------------------------------------------------

    def _hold_calendars(self) -> None:
        """Take, before the first booking, every lock the run's bookings and board cases
        will take, in the order the services take them (clinicians' booking locks by id,
        then meetings by start). A real booking then waits for the run to end instead of
        deadlocking with it: the run never waits for a lock once it has begun."""
        navigation.lock_calendars(clinicians=sorted(self.clinicians), patients=[])
        list(
            Meeting.objects.filter(series__in=self.series, status=Meeting.Status.SCHEDULED)
            .filter(end__gt=self.start)
            .order_by("start", "id")
            .select_for_update()
        )

    def report(self) -> dict:
        self._hold_calendars()
        self._apply_changes()
        events: list[tuple[datetime, int, int, object]] = []
        for week in range(self.scenario.weeks):
            events.append((self.start + timedelta(weeks=week), self.TICK, week, None))
        for item in self.stream:
            to_board = self.board_rng.random() < self.scenario.board_share
            events.append((item.received_at, self.ARRIVAL, item.index, (item, to_board)))
        heapq.heapify(events)
        while events:
            at, kind, key, payload = heapq.heappop(events)
            if kind == self.TICK:
                for series in self.series:  # the periodic job's work (8 weeks ahead)
                    meetings_generate(series=series, now=at)
            elif kind == self.ARRIVAL:
                item, to_board = payload
                appointment = self._arrive(item)
                self.progress()
                if to_board and appointment is not None and appointment.end < self.end:
                    heapq.heappush(events, (appointment.end, self.BOARD, key, appointment))
            elif kind == self.BOARD:
                case = self._to_board(payload, now=at)
                if case is not None:
                    self._after_board(case, events, key)
            else:
                self._resection(payload, now=at)
        return metrics.summarize(
            outcomes=self.outcomes,
            loads=self._loads(),
            resource_loads=self._resource_loads(),
            meetings=self._meetings(),
            first_day=self.scenario.first_day,
            weeks=self.scenario.weeks,
            zone=selectors.clinic_zone(),
            post_op=self.post_op,
            scan_plans=self.plans + self._active_plans(),
            srs_target=timedelta(days=self.scenario.srs_target_days),
        )

    def _arrive(self, item: SyntheticReferral) -> Appointment | None:
        now = item.received_at
        patient = patients.patient_create(
            mrn=f"SIM-{self.tag}-{item.index + 1}",
            first_name="Simulated",
            last_name=f"Patient {item.index + 1}",
            birth_date=date(1960, 1, 1),
            email=f"sim{item.index + 1}@example.invalid",
        )
        referral = patients.referral_create(
            now=now,
            patient=patient,
            referring_oncologist="Simulated referrer",
            received_at=now,
            primary_cancer=item.primary_cancer,
            sites=item.sites,
            **item.picture,
        )
        specialties = rules.consult_specialties(urgency=referral.urgency, sites=referral.sites)
        asked = booked = False
        consult = None
        if self.scenario.itineraries and referral.urgency != clinical.EMERGENCY:
            wanted = self._itinerary_sets(referral, specialties)
            asked = bool(wanted)
            if wanted:
                consult = self._book_itinerary(referral, wanted, specialties, now)
                booked = consult is not None
        if consult is None and referral.urgency == clinical.EMERGENCY:
            consult = self._book_emergency(referral, now)
        if consult is None:
            consult = self._book_consult(referral, now)
        met = referral.consult_at is not None and referral.consult_at <= referral.consult_due_at
        self.outcomes.append(
            metrics.Outcome(
                received_at=referral.received_at,
                urgency=referral.urgency,
                sites=referral.sites,
                due_at=referral.consult_due_at,
                consult_at=referral.consult_at,
                consult_specialties=specialties,
                consult_specialty=consult.specialty if consult else None,
                itinerary_asked=asked,
                itinerary_booked=booked,
                session_in_time=met or self._session_in_time(referral, specialties),
            )
        )
        return consult

    def _session_in_time(self, referral, specialties) -> bool:
        """Whether any clinic session of `specialties` overlaps referral to deadline long
        enough for a visit, bookings aside: asked only for a missed deadline."""
        zone = selectors.clinic_zone()
        start, due = referral.received_at, referral.consult_due_at
        clinicians = [c for c in self.clinicians.values() if c.specialty in specialties]
        minutes = navigation.visits_minutes(specialties)
        sessions = selectors.clinic_sessions(
            clinicians, start.astimezone(zone).date(), due.astimezone(zone).date()
        )
        specialty_of = {c.pk: c.specialty for c in clinicians}
        for day_sessions in sessions.values():
            for session in day_sessions:
                span = availability.session_span(session)
                room = min(span.end, due) - max(span.start, start)
                if room >= timedelta(minutes=minutes[specialty_of[session.clinician_id]]):
                    return True
        return False

    def _itinerary_sets(self, referral, specialties) -> list[tuple[str, ...]]:
        """The same-day visits the case suggests, each with a consult specialty in it."""
        suggested = rules.suggested_specialties(referral.clinical_picture())
        if any(s in specialties for s in suggested):
            return [suggested] if len(suggested) > 1 else []
        if not suggested:
            return []
        return [(consult, *suggested) for consult in specialties]

    def _book_itinerary(self, referral, wanted, specialties, now) -> Appointment | None:
        """The option whose consult starts earliest before the deadline, booked whole."""
        zone = selectors.clinic_zone()
        first = now.astimezone(zone).date()
        last = max(first, referral.consult_due_at.astimezone(zone).date())
        best = None
        for group in wanted:
            found = navigation.itinerary_search(
                patient=referral.patient,
                search=navigation.ItinerarySearch(
                    specialties=group, first=first, last=last, limit=1
                ),
                now=now,
            )
            for option in found.options:
                consult_start = min(v.start for v in option.visits if v.specialty in specialties)
                if consult_start <= referral.consult_due_at and (
                    best is None or consult_start < best[0]
                ):
                    best = (consult_start, option)
        if best is None:
            return None
        visits = sorted(best[1].visits, key=lambda v: v.start)
        itinerary = navigation.itinerary_book(
            patient=referral.patient,
            visits=[
                navigation.VisitRequest(
                    clinician=self.clinicians[v.clinician_id],
                    start=v.start,
                    minutes=int((v.end - v.start).total_seconds() // 60),
                    specialty=v.specialty,
                )
                for v in visits
            ],
            by=None,
            now=now,
            referral=referral,
        )
        return itinerary.appointments.filter(is_consult=True).first()

    def _book_emergency(self, referral, now) -> Appointment | None:
        """An emergency the clinics cannot see within its 24 hours goes to the on-call
        rota: an assessment in the emergency department with whoever is on call."""
        options = navigation.consult_options(referral=referral, now=now, limit=1)
        if options.meets_deadline:
            return self._book_consult(referral, now, options)
        found = navigation.oncall_assessment(referral=referral, now=now)
        if found is None or found.start > referral.consult_due_at:
            return None
        return navigation.oncall_assessment_book(
            referral=referral,
            encounter_class=Appointment.EncounterClass.EMERGENCY,
            by=None,
            now=now,
            specialty=found.on_call.specialty,
        )

    def _book_consult(self, referral, now, options=None) -> Appointment | None:
        options = options or navigation.consult_options(referral=referral, now=now, limit=1)
        if not options.slots:
            return None
        return self._book(referral, options.slots[0], now=now, is_consult=True)

    def _book(self, referral, found, *, now: datetime, is_consult: bool = False) -> Appointment:
        """Book a slot or an option's visit exactly as the search returned it."""
        return navigation.appointment_book(
            patient=referral.patient,
            visit=navigation.VisitRequest(
                clinician=self.clinicians[found.clinician_id],
                start=found.start,
                minutes=int((found.end - found.start).total_seconds() // 60),
                specialty=found.specialty,
            ),
            by=None,
            now=now,
            referral=referral,
            is_consult=is_consult,
        )

    def _to_board(self, consult: Appointment, *, now: datetime) -> Case | None:
        """On the series' first meeting still open for cases (before its cutoff)."""
        if not self.series:
            return None
        series = self.series[0]
        meeting = (
            Meeting.objects.filter(
                series=series, status=Meeting.Status.SCHEDULED, cutoff_at__gt=now
            )
            .order_by("start")
            .first()
        )
        if meeting is None:
            return None
        return case_submit(
            meeting=meeting,
            referral=consult.referral,
            question=BOARD_QUESTION,
            by=None,
            now=now,
            imaging_available=True,
            imaging_reviewed=True,
            pathology=Case.Pathology.CONFIRMED,
        )

    # --- after the board: resection, radiosurgery, surveillance -----------------------

    def _after_board(self, case: Case, events: list, key: int) -> None:
        """Resection then radiosurgery for a share of the brain cases; every case gets a
        surveillance plan from its treatment on (radiosurgery's once it is booked)."""
        scenario = self.scenario
        referral = case.referral
        brain = referral.sites in ("brain", "both")
        if brain and self.resection_rng.random() < scenario.resection_share:
            at = case.meeting.start + timedelta(days=scenario.resection_after_days)
            if at < self.end:
                heapq.heappush(events, (at, self.RESECTION, key, referral))
            return
        zone = selectors.clinic_zone()
        started = case.meeting.start.astimezone(zone).date()
        self.plans.append(
            metrics.ScanPlan(
                started + timedelta(days=scenario.treatment_after_days),
                board_rules.interval_weeks(board_rules.NEW_THERAPY),
            )
        )

    def _resection(self, referral, *, now: datetime) -> None:
        """The resection is done at `now`: book radiosurgery with radiation oncology on
        the first day its templates have room, no sooner than the wound allows."""
        zone = selectors.clinic_zone()
        earliest = (now + timedelta(days=self.scenario.srs_after_days)).astimezone(zone).date()
        found = navigation.itinerary_search(
            patient=referral.patient,
            search=navigation.ItinerarySearch(
                specialties=(SRS_SPECIALTY,),
                first=earliest,
                last=earliest + timedelta(days=2 * self.scenario.srs_target_days),
                limit=1,
            ),
            now=now,
        )
        srs_at = None
        if found.options:
            [visit] = found.options[0].visits
            srs_at = self._book(referral, visit, now=now).start
            self.plans.append(
                metrics.ScanPlan(
                    srs_at.astimezone(zone).date(),
                    board_rules.interval_weeks(board_rules.POST_SRS),
                )
            )
        self.post_op.append(metrics.PostOp(resection_at=now, srs_at=srs_at))

    def _active_plans(self) -> list[metrics.ScanPlan]:
        """The center's own active MRI plans, from their next due date."""
        return [
            metrics.ScanPlan(due, weeks, first_due=True)
            for due, weeks in SurveillancePlan.objects.filter(
                status=SurveillancePlan.Status.ACTIVE, modality__startswith="mri"
            ).values_list("next_due_on", "interval_weeks")
        ]

    # --- what the horizon held -------------------------------------------------------

    def _loads(self) -> list[metrics.ClinicianLoad]:
        clinicians = list(self.clinicians.values())
        free: dict[int, int] = defaultdict(int)
        for day in selectors.free_days(
            clinicians=clinicians, first=self.scenario.first_day, last=self.last_day
        ):
            for clinician in day.clinicians:
                for interval in clinician.free:
                    free[clinician.clinician_id] += int(
                        (interval.end - interval.start).total_seconds() // 60
                    )
        booked: dict[int, int] = defaultdict(int)
        for clinician_id, start, end in (
            Appointment.objects.filter(start__lt=self.end, end__gt=self.start)
            .exclude(status=Appointment.Status.CANCELLED)
            .values_list("clinician_id", "start", "end")
        ):
            span = min(end, self.end) - max(start, self.start)
            booked[clinician_id] += int(span.total_seconds() // 60)
        return [
            metrics.ClinicianLoad(
                c.pk, c.name, c.specialty, booked[c.pk], booked[c.pk] + free[c.pk]
            )
            for c in clinicians
            if booked[c.pk] + free[c.pk] > 0
        ]

    def _resource_loads(self) -> list[metrics.ResourceLoad]:
        """Each active room, machine and interpreter: minutes of its sessions in the
        horizon (a what-if's added ones too) and of them booked."""
        resources = list(Resource.objects.filter(active=True))
        open_: dict[int, int] = defaultdict(int)
        sessions = selectors.clinic_sessions(
            resources, self.scenario.first_day, self.last_day, owner="resource"
        )
        for day_sessions in sessions.values():
            for session in day_sessions:
                span = availability.session_span(session)
                open_[session.clinician_id] += int((span.end - span.start).total_seconds() // 60)
        booked: dict[int, int] = defaultdict(int)
        for resource_id, start, end in AppointmentResource.objects.filter(
            live=True, start__lt=self.end, end__gt=self.start
        ).values_list("resource_id", "start", "end"):
            span = min(end, self.end) - max(start, self.start)
            booked[resource_id] += int(span.total_seconds() // 60)
        return [
            metrics.ResourceLoad(r.kind_label, booked[r.pk], open_[r.pk])
            for r in resources
            if open_[r.pk]
        ]

    def _meetings(self) -> list[metrics.MeetingLoad]:
        meetings = Meeting.objects.filter(
            series__in=self.series, date__range=(self.scenario.first_day, self.last_day)
        ).order_by("start")
        rolled = defaultdict(int)
        for from_id in CaseMove.objects.filter(
            from_meeting__in=meetings, reason=CaseMove.Reason.ROLLOVER
        ).values_list("from_meeting_id", flat=True):
            rolled[from_id] += 1
        listed = defaultdict(int)
        for meeting_id in Case.objects.filter(
            meeting__in=meetings, status=Case.Status.LISTED
        ).values_list("meeting_id", flat=True):
            listed[meeting_id] += 1
        return [
            metrics.MeetingLoad(m.date, listed[m.pk], m.case_capacity, rolled[m.pk], m.cancelled)
            for m in meetings
        ]
