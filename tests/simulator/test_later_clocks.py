"""The simulator replays the later clocks: radiosurgery after a resection (within 30 days,
given radiation oncology's templates) and the MRI load the surveillance plans create.

Dr. Solo (neurosurgery) sees consults Tue and Thu 09:00-11:00; Dr. Ray (radiation
oncology) works Wednesdays 13:00-15:00, one-hour visits, and is away 10-31 May. The board
meets Fridays 07:00 (cutoff 48 h before). Every case is discussed and every brain case is
recommended resection then radiosurgery; surgery a week after the board, radiosurgery no
sooner than 14 days after surgery:

  R1 Mon 6 Apr 09:00 -> consult Tue 7 09:00 -> board Fri 10 -> resection Fri 17 07:00
     -> radiosurgery Wed 6 May 13:00 (19.25 days)
  R2 Mon 6 Apr 10:00 -> consult Tue 7 10:00 -> board Fri 10 -> resection Fri 17 07:00
     -> radiosurgery Wed 6 May 14:00 (19.29 days)
  R3 Mon 6 Apr 11:00 -> consult Wed 8 13:00 with Dr. Ray (after Friday's cutoff)
     -> board Fri 17 -> resection Fri 24 07:00 -> Dr. Ray away: Wed 3 Jun 13:00 (40.25 days)

Within 30 days: 2 of 3. After radiosurgery, MRI every 8 weeks: two scans in the week of
29 June, one in the week of 27 July.
"""

from datetime import date, datetime, time

import pytest

from navigation.models import AvailabilityTemplate, Clinician, TimeOff, VisitType
from simulator import report as simulator_report
from simulator.runner import Scenario, simulate
from simulator.stream import PICTURES, SyntheticReferral
from tests.simulator.conftest import MONDAY, NY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def ray(solo):
    clinician = Clinician.objects.create(
        name="Dr. Ray", specialty="radiation_oncology", home_location=solo.home_location
    )
    AvailabilityTemplate.objects.create(
        clinician=clinician,
        weekday=2,
        start_time=time(13),
        end_time=time(15),
        location=solo.home_location,
        valid_from=date(2026, 1, 1),
    )
    VisitType.objects.create(specialty="radiation_oncology", name="New patient", minutes=60)
    TimeOff.objects.create(
        clinician=clinician,
        start=datetime(2026, 5, 10, tzinfo=NY),
        end=datetime(2026, 6, 1, tzinfo=NY),
        reason="Away",
    )
    from board.services.meetings import series_create

    series_create(
        name="Friday board",
        weekday=4,
        start_time=time(7),
        end_time=time(8),
        location=solo.home_location,
        case_capacity=6,
        starts_on=date(2026, 4, 1),
        members=[solo, clinician],
        now=at(1, 9),
    )
    return clinician


def stream():
    return [
        SyntheticReferral(n, at_, "routine", "brain", "lung", dict(PICTURES["routine", "brain"]))
        for n, at_ in enumerate((at(6, 9), at(6, 10), at(6, 11)))
    ]


@pytest.fixture
def document(ray):
    scenario = Scenario(
        first_day=MONDAY, weeks=3, board_share=1, resection_share=1, itineraries=False
    )
    return {
        "parameters": scenario.as_dict(),
        "before": simulate(scenario, stream=stream()),
        "after": None,
    }


def test_radiosurgery_after_resection_is_booked_on_radiation_oncology_s_days(document):
    post_op = document["before"]["post_op_srs"]
    assert (post_op["hits"], post_op["total"], post_op["not_booked"]) == (2, 3, 0)
    assert post_op["days"] == {"median": 19.29, "p90": 40.25}


def test_the_surveillance_plans_mri_load_is_counted_week_by_week(document):
    weeks = {w["week"]: w["scans"] for w in document["before"]["mri_weekly"]}
    assert len(weeks) == 3 + 16
    assert weeks["2026-06-29"] == 2 and weeks["2026-07-27"] == 1
    assert sum(weeks.values()) == 3


def test_the_report_says_it_and_plots_it(document):
    rows = dict(simulator_report.rows(document["before"], []))
    assert rows["Post-op radiosurgery within 30 d"] == "66.7% (2/3)"
    assert rows["MRI scans a week from surveillance, peak"] == "2 (week of 2026-06-29)"
    assert set(simulator_report.plots(document)) == set(simulator_report.PLOTS)
