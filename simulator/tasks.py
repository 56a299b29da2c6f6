"""A thin task: take the run's id, call one service."""

from __future__ import annotations

from celery import shared_task

from simulator import services


@shared_task(ignore_result=True)
def run_simulation(run_id: int) -> str | None:
    run = services.simulation_execute(run_id=run_id)
    return None if run is None else run.status


@shared_task(ignore_result=True)
def recover_simulations() -> int:
    return len(services.simulation_recover())
