"""Running scenarios: before and after on the same referrals, and the dashboard's runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from simulator import report, whatif
from simulator.models import SimulationPlot, SimulationRun
from simulator.runner import Scenario, simulate
from simulator.stream import Mix
from tumorboard.errors import DomainError

log = logging.getLogger(__name__)
# A run still "running" this long after it started lost its worker: it may be claimed again.
LEASE = timedelta(minutes=15)


def next_monday(now: datetime, zone) -> date:
    """The first Monday after today, clinic time: "next quarter" starts there."""
    today = now.astimezone(zone).date()
    return today + timedelta(days=7 - today.weekday())


def scenario_report(scenario: Scenario, *, progress: Callable[[], None] | None = None) -> dict:
    """The report document: the center as it is, and, when the scenario has a what-if,
    the same referrals (same seed) against the changed center."""
    before = simulate(scenario.baseline(), progress=progress)
    after = simulate(scenario, progress=progress) if scenario.has_what_if else None
    return {"parameters": scenario.as_dict(), "before": before, "after": after}


def scenario_from(parameters: dict) -> Scenario:
    """The inverse of Scenario.as_dict (what a run row stores)."""
    return Scenario(
        first_day=date.fromisoformat(parameters["first_day"]),
        weeks=parameters["weeks"],
        rate=parameters["rate"],
        seed=parameters["seed"],
        mix=Mix(
            emergency=parameters["emergency_share"],
            urgent=parameters["urgent_share"],
            sites=tuple(parameters.get("sites", dict(Mix().sites)).items()),
        ),
        board_share=parameters["board_share"],
        itineraries=parameters["itineraries"],
        add_sessions=tuple(map(whatif.parse_session, parameters["add_sessions"])),
        remove_sessions=tuple(map(whatif.parse_session, parameters["remove_sessions"])),
        add_resources=tuple(map(whatif.parse_resource, parameters.get("add_resources", []))),
        board_capacity=parameters["board_capacity"],
        after_rate=parameters["after_rate"],
    )


@transaction.atomic
def simulation_start(*, scenario: Scenario, by) -> SimulationRun:
    """Record the run; a worker picks it up once this transaction commits."""
    run = SimulationRun.objects.create(parameters=scenario.as_dict(), created_by=by)
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from simulator import tasks

    try:
        tasks.run_simulation.apply_async((run_id,), retry=False)
    except Exception:  # noqa: BLE001 - the broker is down: say so on the page
        log.warning("broker unavailable; simulation %s not started", run_id)
        SimulationRun.objects.filter(pk=run_id, status=SimulationRun.Status.QUEUED).update(
            status=SimulationRun.Status.FAILED,
            error="The task queue is unavailable; please start the simulation again.",
            finished_at=timezone.now(),
        )


def simulation_recover(*, now: datetime | None = None) -> list[int]:
    """Runs whose task was lost hand to a worker again: one left running past its lease (its
    worker was killed, and the redelivery came while the lease still held), or one still
    queued after it (the broker lost the message). Beat calls this every five minutes."""
    now = now or timezone.now()
    stale = list(
        SimulationRun.objects.filter(
            Q(status=SimulationRun.Status.RUNNING, started_at__lt=now - LEASE)
            | Q(status=SimulationRun.Status.QUEUED, created_at__lt=now - LEASE)
        ).values_list("pk", flat=True)
    )
    for run_id in stale:
        _enqueue(run_id)
    return stale


def simulation_execute(*, run_id: int) -> SimulationRun | None:
    """Claim a queued run, simulate it (rolled back), keep the report and plots. A run
    already claimed (a duplicate delivery) is left alone, unless its worker died: a run
    left running past its lease is taken over when the task is delivered again."""
    now = timezone.now()
    claimable = Q(status=SimulationRun.Status.QUEUED) | Q(
        status=SimulationRun.Status.RUNNING, started_at__lt=now - LEASE
    )
    claimed = SimulationRun.objects.filter(claimable, pk=run_id).update(
        status=SimulationRun.Status.RUNNING, started_at=now
    )
    if not claimed:
        return None
    run = SimulationRun.objects.get(pk=run_id)
    try:
        document = scenario_report(scenario_from(run.parameters))
        pictures = report.plots(document)
    except (DomainError, ValueError) as exc:
        run.status, run.error = SimulationRun.Status.FAILED, str(exc)
    except Exception:
        log.exception("simulation %s failed", run_id)
        run.status, run.error = SimulationRun.Status.FAILED, "The simulation failed unexpectedly."
    else:
        with transaction.atomic():
            for name, png in pictures.items():
                SimulationPlot.objects.create(run=run, name=name, png=png)
            run.status, run.report = SimulationRun.Status.DONE, document
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "report", "error", "finished_at"])
    return run
