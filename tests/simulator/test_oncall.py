"""The demo center with its on-call rota: every emergency of a simulated quarter is seen
within 24 hours (issue 19: without the rota, 4 of its 60 emergencies, each a Saturday
arrival with no clinic session before its deadline, missed them)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from simulator.runner import Scenario, simulate
from tumorboard.demo import load_demo

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 4, 1, 9, 0, tzinfo=NY)

pytestmark = pytest.mark.django_db


def test_every_emergency_of_the_demo_quarter_is_seen_within_24_hours():
    with time_machine.travel(NOW, tick=False):
        load_demo(now=NOW)
        report = simulate(Scenario(first_day=date(2026, 4, 6), weeks=12, rate=40, seed=1))
    assert report["emergencies_within_24h"] == {"hits": 60, "total": 60, "share": 1.0}
