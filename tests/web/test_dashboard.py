"""The dashboard draws its figures as inline SVG plots (matplotlib, web/charts.py), with
the numbers beside them."""

from datetime import datetime, timedelta

import pytest

from navigation.models import Appointment
from patients.models import Referral
from simulator.models import SimulationPlot, SimulationRun
from tests.web.conftest import NOW, NY, frozen_at, logged_in, make_referral
from web import metrics

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


def consulted(referral, after_hours: float):
    Referral.objects.filter(pk=referral.pk).update(
        consult_at=referral.received_at + timedelta(hours=after_hours)
    )


def test_it_counts_consults_within_72_hours_by_week_of_receipt(alice, bob):
    on_time = make_referral(alice, received_at=datetime(2026, 2, 23, 9, tzinfo=NY))
    late = make_referral(bob, received_at=datetime(2026, 2, 24, 9, tzinfo=NY))
    consulted(on_time, 30)
    consulted(late, 80)
    # still within its 72 h (a second open referral of hers: another site)
    make_referral(alice, received_at=NOW - timedelta(hours=3), sites="spine")
    weeks = metrics.consults_within_72h(now=NOW)
    assert len(weeks) == 12 and weeks[-1].week == NOW.date()
    assert (weeks[-2].hits, weeks[-2].total, weeks[-2].share) == (1, 2, 0.5)
    assert (weeks[-1].total, weeks[-1].share) == (0, None)


def test_it_bins_the_time_from_referral_to_consult(alice, bob):
    for patient, hours, sites in ((alice, 5, "brain"), (bob, 30, "brain"), (alice, 100, "spine")):
        referral = make_referral(patient, received_at=NOW - timedelta(days=7), sites=sites)
        consulted(referral, hours)
    counts = {b.label: b.count for b in metrics.referral_to_consult(now=NOW)}
    assert counts["0-12 h"] == 1 and counts["24-48 h"] == 1 and counts["96-120 h"] == 1


def test_it_computes_the_no_show_rate_of_visits_that_started(center, alice, bob):
    for patient, status, start in (
        (alice, "no_show", datetime(2026, 2, 24, 10, tzinfo=NY)),
        (bob, "completed", datetime(2026, 2, 25, 10, tzinfo=NY)),
        (alice, "booked", datetime(2026, 3, 9, 10, tzinfo=NY)),  # not yet started: not counted
    ):
        Appointment.objects.create(
            patient=patient,
            clinician=center.first("pain_medicine"),
            location=center.pavilion,
            specialty="pain_medicine",
            start=start,
            end=start + timedelta(minutes=30),
            status=status,
        )
    weeks = metrics.no_shows(now=NOW)
    assert (weeks[-2].hits, weeks[-2].total) == (1, 2)


def test_the_page_draws_plots_and_leaves_room_for_the_board(nina, alice):
    consulted(make_referral(alice, received_at=datetime(2026, 2, 23, 9, tzinfo=NY)), 10)
    html = logged_in(nina).get("/dashboard/").content.decode()
    assert "<title>Dashboard" in html
    assert html.count('<svg class="chart"') == 2
    assert "No-show rate, week by week: no data in this period yet." in html  # no visit yet
    assert 'role="img"' in html and "<title>23 Feb: 100%</title>" in html
    # the numbers beside the picture: the week's row of the table
    assert '<th scope="row">23 Feb</th><td>100%</td><td>1</td><td>1</td>' in html
    assert "Board cases per meeting" in html


def test_the_latest_capacity_simulation_is_on_the_dashboard(nina):
    page = logged_in(nina).get("/dashboard/").content.decode()
    assert "No simulation yet." in page and 'href="/simulator/"' in page
    run = SimulationRun.objects.create(
        parameters={"weeks": 4, "rate": 40},
        status="done",
        report={"before": {}},
        finished_at=NOW,
        created_by=nina,
    )
    SimulationPlot.objects.create(run=run, name="weekly", png=b"\x89PNG\r\n\x1a\n")
    page = logged_in(nina).get("/dashboard/").content.decode()
    assert f'<img src="/simulator/runs/{run.pk}/weekly.png"' in page
    assert "4 weeks at 40 referrals a week" in page
    assert f'href="/simulator/runs/{run.pk}/">The whole report' in page
    assert logged_in(nina).get(f"/simulator/runs/{run.pk}/weekly.png").status_code == 200
