"""What-if: the same referrals against a changed center, and the center left as it was."""

import pytest
from django.apps import apps

from board.models import Case
from navigation.models import AvailabilityTemplate
from notifications.models import Alert, Message
from simulator import whatif
from simulator.runner import Scenario, simulate
from simulator.services import scenario_report
from tests.center import board_series
from tests.simulator.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def scenario(seed, **what_if):
    return Scenario(
        first_day=MONDAY, weeks=2, rate=7, seed=seed, board_share=0, itineraries=False, **what_if
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_an_added_session_never_lowers_the_share_within_72_hours(solo, seed):
    more = scenario(seed, add_sessions=(whatif.parse_session("neurosurgery:wed:09:00-11:00"),))
    document = scenario_report(more)
    before, after = document["before"], document["after"]
    assert after["referrals"] == before["referrals"]  # the same referrals
    assert after["within_72h"]["hits"] >= before["within_72h"]["hits"]


@pytest.mark.parametrize("seed", [1, 2])
def test_a_removed_session_never_raises_it(solo, seed):
    fewer = scenario(seed, remove_sessions=(whatif.parse_session("neurosurgery:thu:09:00-11:00"),))
    document = scenario_report(fewer)
    assert document["after"]["within_72h"]["hits"] <= document["before"]["within_72h"]["hits"]
    assert document["after"]["utilization"]["by_clinician"][0]["open_hours"] == 4.0


def test_removing_part_of_a_session_keeps_the_rest(solo):
    whatif.session_remove(whatif.parse_session("Dr. Solo:tue:10:00-11:00"), from_day=MONDAY)
    tuesday = AvailabilityTemplate.objects.filter(clinician=solo, weekday=1)
    assert [(t.start_time.hour, t.end_time.hour) for t in tuesday] == [(9, 10)]


def test_a_session_change_names_an_unknown_clinician_plainly(solo):
    from tumorboard.errors import DomainError

    with pytest.raises(DomainError, match="No active clinician is “Dr. Nobody”"):
        whatif.session_add(whatif.parse_session("Dr. Nobody:mon:09:00-12:00"), from_day=MONDAY)


@pytest.mark.parametrize(
    "text", ["neurosurgery", "neurosurgery:funday:09:00-10:00", "neurosurgery:mon:11:00-10:00"]
)
def test_a_malformed_session_is_refused(text):
    with pytest.raises(ValueError):
        whatif.parse_session(text)


def counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_nothing_real_changes_and_no_message_escapes(center, django_capture_on_commit_callbacks):
    series, _ = board_series(center, now=at(1, 9))
    before = counts()
    inside: list[tuple[int, int, int]] = []

    def peek():  # what the outbox holds while the simulation runs
        inside.append((Message.objects.count(), Alert.objects.count(), Case.objects.count()))

    busy = Scenario(
        first_day=MONDAY,
        weeks=1,
        rate=30,
        seed=4,
        board_share=0.5,
        add_sessions=(whatif.parse_session("palliative_care:sat:09:00-12:00"),),
        board_capacity=4,
    )
    with django_capture_on_commit_callbacks() as callbacks:
        report = simulate(busy, progress=peek)
    assert report["referrals"] > 20
    assert inside[-1][0] > 0  # invites were written inside the transaction...
    assert inside[-1][1] > 0  # ...and navigator alerts (emergencies)...
    assert inside[-1][2] > 0  # ...and board cases
    assert counts() == before  # ...and none of it, nor the what-if, is left
    assert callbacks == []
    series.refresh_from_db()
    assert series.case_capacity == 10


@pytest.fixture
def exam_room(solo):
    """Dr. Solo's consults need the clinic's one exam room, open Tuesdays 09:00-10:00 only."""
    from datetime import time

    from navigation.models import Resource, VisitType

    VisitType.objects.filter(specialty="neurosurgery").update(needs=["room"])
    room = Resource.objects.create(name="Exam room 1", kind="room", location=solo.home_location)
    AvailabilityTemplate.objects.create(
        resource=room,
        weekday=1,
        start_time=time(9),
        end_time=time(10),
        location=solo.home_location,
        valid_from=MONDAY,
    )
    return room


def test_more_room_hours_see_more_patients_within_72_hours(exam_room):
    more = scenario(1, add_resources=(whatif.parse_resource("room:thu:09:00-11:00"),))
    document = scenario_report(more)
    assert document["after"]["within_72h"]["hits"] > document["before"]["within_72h"]["hits"]
    assert document["parameters"]["add_resources"] == ["room:thu:09:00-11:00"]
    assert not AvailabilityTemplate.objects.filter(resource=exam_room, weekday=3).exists()


def test_a_resource_busy_then_gets_a_twin_for_the_what_if(exam_room):
    twin = whatif.resource_add(whatif.parse_resource("room:tue:09:00-10:00"), from_day=MONDAY)
    assert twin.name == "Exam room 1 (what-if 2)"
    assert twin.location_id == exam_room.location_id
    with pytest.raises(Exception, match="No active resource is “ct_simulator”"):
        whatif.resource_add(whatif.parse_resource("ct_simulator:mon:09:00-10:00"), from_day=MONDAY)


def test_the_report_shows_what_added_room_hours_do_to_the_rooms_use(exam_room):
    from simulator.report import table

    more = scenario(1, add_resources=(whatif.parse_resource("room:thu:09:00-11:00"),))
    document = scenario_report(more)
    before = document["before"]["resource_utilization"]["room"]
    after = document["after"]["resource_utilization"]["room"]
    assert after["open_hours"] == 3 * before["open_hours"]  # Tuesday's hour, Thursday's two
    assert 0 < before["share"] and 0 < after["share"]
    (line,) = [row for row in table(document).splitlines() if row.startswith("Utilization, room")]
    assert f"of {before['open_hours']:g} h" in line and f"of {after['open_hours']:g} h" in line
