"""The dashboard page: a navigator starts a small run, a worker (eager here) simulates it,
and the page shows the report and its plots; nobody else may see it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from simulator.models import SimulationPlot, SimulationRun
from simulator.report import PLOTS
from simulator.services import simulation_execute
from tumorboard.celery import app

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 1, 10, 0, tzinfo=ZoneInfo("America/New_York"))  # next Monday: 6 Apr
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def eager():
    """Unit-level: the task runs in this process when it is enqueued (after commit)."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


FORM = {"weeks": "1", "rate": "5", "seed": "2", "add_session": "neurosurgery:wed:09:00-11:00"}


def test_a_navigator_starts_a_run_and_reads_its_report_and_plots(
    solo, nina, eager, django_capture_on_commit_callbacks
):
    navigator = browser(nina)
    with django_capture_on_commit_callbacks(execute=True):
        answer = navigator.post("/simulator/", FORM)
    run = SimulationRun.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/simulator/runs/{run.pk}/"
    assert run.status == "done" and run.created_by == nina
    assert run.parameters["first_day"] == "2026-04-06"
    page = navigator.get(answer["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "New consults within 72 h" in html and "After" in html
    assert "hx-trigger" not in html  # finished: no more polling
    for name in ("weekly", "lead_times", "utilization", "board"):
        assert f'src="/simulator/runs/{run.pk}/{name}.png"' in html
        image = navigator.get(f"/simulator/runs/{run.pk}/{name}.png")
        assert image["Content-Type"] == "image/png"
        assert image.content.startswith(PNG)


def test_an_unfinished_run_polls_and_a_duplicate_delivery_runs_once(solo, nina):
    run = SimulationRun.objects.create(parameters=_parameters(), created_by=nina)
    page = browser(nina).get(f"/simulator/runs/{run.pk}/")
    assert 'hx-trigger="every 2s"' in page.content.decode()
    assert "Waiting for a worker" in page.content.decode()
    assert simulation_execute(run_id=run.pk).status == "done"
    assert simulation_execute(run_id=run.pk) is None
    assert SimulationPlot.objects.filter(run=run).count() == len(PLOTS)


def test_a_run_whose_worker_died_is_taken_over_after_its_lease(solo, nina):
    from datetime import timedelta

    from simulator.services import LEASE

    run = SimulationRun.objects.create(
        parameters=_parameters(), status="running", started_at=NOW - timedelta(minutes=1)
    )
    assert simulation_execute(run_id=run.pk) is None  # still someone's
    SimulationRun.objects.filter(pk=run.pk).update(started_at=NOW - LEASE - timedelta(seconds=1))
    assert simulation_execute(run_id=run.pk).status == "done"


def test_a_bad_session_is_answered_on_the_form(solo, nina):
    answer = browser(nina).post("/simulator/", {**FORM, "add_session": "neurosurgery tuesday"})
    assert answer.status_code == 400
    assert "WHO:WEEKDAY:HH:MM-HH:MM" in answer.content.decode()
    assert not SimulationRun.objects.exists()


def test_a_what_if_the_center_cannot_do_fails_the_run_with_its_reason(solo, nina):
    run = SimulationRun.objects.create(
        parameters=_parameters(add_sessions=["Dr. Nobody:mon:09:00-10:00"]), created_by=nina
    )
    simulation_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "Dr. Nobody" in run.error
    assert "Dr. Nobody" in browser(nina).get(f"/simulator/runs/{run.pk}/").content.decode()


def _parameters(**changes) -> dict:
    from simulator.runner import Scenario
    from tests.simulator.conftest import MONDAY

    parameters = Scenario(first_day=MONDAY, weeks=1, rate=5, seed=2).as_dict()
    return {**parameters, **changes}


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("alice", 403), ("sam", 403), ("nina", 200), ("ada", 200)],
)
def test_only_navigators_and_admins_see_the_pages(request, solo, nina, who, expected):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    user = getattr(user, "user", user)  # alice is a patient record
    run = SimulationRun.objects.create(parameters=_parameters(), status="done", created_by=nina)
    SimulationPlot.objects.create(run=run, name="board", png=PNG)
    client = browser(user)
    pages = ("/simulator/", f"/simulator/runs/{run.pk}/", f"/simulator/runs/{run.pk}/board.png")
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == expected, path
        if expected == 302:
            assert answer["Location"].startswith("/login/?next=")
    started = client.post("/simulator/", FORM)
    if expected == 200:
        assert started.status_code == 302 and SimulationRun.objects.count() == 2
    else:
        assert started.status_code == expected and SimulationRun.objects.count() == 1


def test_runs_whose_task_was_lost_go_back_to_a_worker_after_the_lease(solo, nina, eager):
    from datetime import timedelta

    from simulator.services import LEASE, simulation_recover

    killed = SimulationRun.objects.create(
        parameters=_parameters(), status="running", started_at=NOW - LEASE - timedelta(minutes=1)
    )
    lost = SimulationRun.objects.create(parameters=_parameters())
    SimulationRun.objects.filter(pk=lost.pk).update(created_at=NOW - LEASE - timedelta(minutes=1))
    busy = SimulationRun.objects.create(
        parameters=_parameters(), status="running", started_at=NOW - timedelta(minutes=1)
    )
    waiting = SimulationRun.objects.create(parameters=_parameters())  # just queued
    assert sorted(simulation_recover(now=NOW)) == sorted([killed.pk, lost.pk])
    statuses = dict(SimulationRun.objects.values_list("pk", "status"))
    assert statuses == {
        killed.pk: "done",
        lost.pk: "done",
        busy.pk: "running",
        waiting.pk: "queued",
    }
