"""Navigation metrics on the dashboard: every clock from referral (median, 90th
percentile, share within target, by urgency and site), caseloads, no-shows and palliative
care, charted with the numbers and definitions beside them, and as CSV."""

from datetime import date, datetime, timedelta

import pytest
from django.core.cache import cache

from board.models import Recommendation
from care.models import Barrier, DistressScreening
from care.services import treatment_record
from navigation.models import Appointment
from patients.models import Referral
from tests.web.conftest import NY, frozen_at, logged_in, make_referral
from web import navigation_metrics as nm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_figures():
    """The page keeps its figures a minute per process; every test makes its own data."""
    cache.clear()


LATER = datetime(2026, 3, 20, 9, tzinfo=NY)  # after the board met and treatment began
PERIOD = nm.Period(date(2026, 2, 1), date(2026, 3, 20))


@pytest.fixture
def walked(center, board_case, bob, nina):
    """Alice, an emergency (mass effect) received Sat 28 Feb 09:00: consult 20 h later,
    the board on Tue 3 Mar 07:00, signed at 08:00 (resection then radiosurgery), the
    resection done elsewhere on 4 Mar at 09:00 (target: 48 h).
    Bob, routine spine, received Mon 23 Feb 09:00 by Nina: consult 80 h later (late), a
    palliative-care visit, a transport barrier found on 24 Feb and resolved on 26 Feb, a
    distress score of 6 on 26 Feb (referred to psychosocial care)."""
    alice_referral = board_case.referral
    Referral.objects.filter(pk=alice_referral.pk).update(
        consult_at=alice_referral.received_at + timedelta(hours=20)
    )
    with frozen_at(LATER):
        recommendation = Recommendation.objects.create(
            case=board_case,
            version=1,
            modalities=["resection", "srs"],
            intent="local_control",
            rationale="Resection, then radiosurgery to the cavity.",
            status="signed",
            signed_by=center.first("radiation_oncology"),
            signed_at=datetime(2026, 3, 3, 8, tzinfo=NY),
        )
        treatment_record(
            recommendation=recommendation,
            modality="resection",
            by=None,
            now=LATER,
            started_at=datetime(2026, 3, 4, 9, tzinfo=NY),
            performer="University Hospital",
        )
    received = datetime(2026, 2, 23, 9, tzinfo=NY)
    with frozen_at(received + timedelta(hours=1)):
        late = make_referral(
            bob, sites="spine", received_at=received, now=received, created_by=nina
        )
    Referral.objects.filter(pk=late.pk).update(consult_at=received + timedelta(hours=80))
    start = datetime(2026, 2, 27, 10, tzinfo=NY)
    Appointment.objects.create(
        patient=bob,
        clinician=center.first("palliative_care"),
        location=center.pavilion,
        specialty="palliative_care",
        start=start,
        end=start + timedelta(minutes=30),
        status="no_show",
    )
    Barrier.objects.create(
        patient=bob,
        kind="transport",
        found_at=datetime(2026, 2, 24, 10, tzinfo=NY),
        found_by=nina,
        action="Ride booked through the center's transport program.",
        resolved_at=datetime(2026, 2, 26, 15, tzinfo=NY),
    )
    DistressScreening.objects.create(
        patient=bob,
        referral=late,
        occasion="first_consult",
        score=6,
        screened_at=datetime(2026, 2, 26, 13, tzinfo=NY),
        referred=True,
    )


def _find(intervals, clock, group, value=""):
    return next(i for i in intervals if (i.clock, i.group, i.value) == (clock, group, value))


def test_every_clock_is_measured_from_referral_with_its_target(walked):
    intervals = nm.clock_intervals(period=PERIOD, now=LATER)
    consult = _find(intervals, "consult", "all")
    assert (consult.count, consult.median, consult.p90) == (2, 50.0, 74.0)  # 20 h and 80 h
    assert (consult.hits, consult.decided) == (1, 2)
    assert _find(intervals, "consult", "urgency", "emergency").share == 1.0
    assert _find(intervals, "consult", "site", "spine").share == 0.0
    board = _find(intervals, "board", "all")  # 2 days 22 hours
    assert (board.count, board.median, board.hits, board.decided) == (1, 2.9, 1, 1)
    treatment = _find(intervals, "treatment", "urgency", "emergency")  # 28 Feb to 4 Mar
    assert (treatment.count, treatment.median, treatment.hits, treatment.decided) == (1, 4.0, 1, 1)
    assert _find(intervals, "treatment", "site", "both").count == 0  # every group is shown
    # the post-operative clock runs from the resection; not due yet on 20 March
    post_op = _find(intervals, "postop_srs", "all")
    assert (post_op.count, post_op.hits, post_op.decided) == (0, 0, 0)


def test_the_page_charts_each_figure_beside_its_numbers_and_definition(walked, nina):
    with frozen_at(LATER):
        page = logged_in(nina).get(
            "/dashboard/metrics/", {"date_from": "2026-02-01", "date_to": "2026-03-20"}
        )
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<svg class="chart" role="img"') == 7
    assert '<th scope="row">Feb 2026</th><td>1</td><td>1</td><td>1</td><td>1</td>' in html
    assert "CoC 2020 standard 8.1" in html and "CoC 2020 standard 5.2" in html
    assert "Surveillance scan to the next, days: no data in this period yet." in html
    assert "<title>all referrals median: 50</title>" in html
    row = '<th scope="row">all referrals</th><td>50</td><td>74</td><td>2</td><td>50% (1/2)</td>'
    assert row in html
    assert "AONN+ standardized navigation metrics" in html and "CoC 2020 standard 2.5" in html
    # Nina took Bob's referral; Alice's came without a navigator
    assert '<th scope="row">nina</th><td>1</td>' in html
    assert '<th scope="row">Feb 2026</th><td>100%</td><td>50%</td>' in html


def test_the_csv_has_every_figure_and_bad_dates_are_named(walked, nina):
    client = logged_in(nina)
    with frozen_at(LATER):
        answer = client.get(
            "/dashboard/metrics.csv", {"date_from": "2026-02-01", "date_to": "2026-03-20"}
        )
        refused = client.get(
            "/dashboard/metrics.csv", {"date_from": "2026-03-20", "date_to": "2026-02-01"}
        )
    lines = answer.content.decode().splitlines()
    assert answer["Content-Type"].startswith("text/csv") and lines[0] == "metric,group,value,unit"
    assert "consult_median,all,50,hours" in lines and "treatment_median,all,4,days" in lines
    assert "palliative,month:2026-02,1,count" in lines
    assert "barriers_found,month:2026-02,1,count" in lines
    assert "barriers_resolved,month:2026-02,1,count" in lines
    assert "distress_referred,month:2026-02,1,count" in lines
    assert refused.status_code == 400 and "date_to" in refused.json()["errors"]


def test_a_bad_from_date_is_named_not_ignored(nina):
    refused = logged_in(nina).get("/dashboard/metrics/", {"from": "garbage"})
    assert refused.status_code == 400
    assert "From: Enter a valid date." in refused.content.decode()


def test_only_staff_who_navigate_see_it(alice):
    assert logged_in(alice.user).get("/dashboard/metrics/").status_code in (302, 403)


def test_the_bench_s_year_loads_and_the_page_reads_it(nina):
    from bench.metrics import metrics_load

    metrics_load(patients=60, now=LATER)
    year = nm.default_period(LATER)
    consult = _find(nm.clock_intervals(period=year, now=LATER), "consult", "all")
    in_year = Referral.objects.filter(received_at__gte=year.start)  # the last 11-12 months
    assert consult.count == in_year.exclude(consult_at=None).count() > 50
    assert consult.median is not None
    assert sum(c.patients for c in nm.caseloads(period=year)) == in_year.count()
    with frozen_at(LATER):
        assert logged_in(nina).get("/dashboard/metrics/").status_code == 200


def test_the_figures_are_kept_a_minute_then_computed_afresh(walked, nina, alice, settings):
    client = logged_in(nina)
    query = {"date_from": "2026-02-01", "date_to": "2026-03-20"}
    row = '<th scope="row">all referrals</th><td>50</td><td>74</td><td>{}</td>'
    with frozen_at(LATER):
        first = client.get("/dashboard/metrics/", query).content.decode()
        make_referral(alice, sites="spine", received_at=LATER - timedelta(hours=1), now=LATER)
        kept = client.get("/dashboard/metrics/", query).content.decode()
        settings.METRICS_CACHE_SECONDS = 0
        fresh = client.get("/dashboard/metrics/", query).content.decode()
    assert "Computed at 09:00 (kept up to 60 seconds)." in first
    assert row.format(2) in first and row.format(2) in kept
    march = '<th scope="row">Mar 2026</th><td>–</td>'
    assert march + "<td>–</td><td>0</td>" in kept  # Alice's new referral not counted yet
    assert march + "<td>0%</td><td>1</td>" in fresh and "Computed at 09:00." in fresh
