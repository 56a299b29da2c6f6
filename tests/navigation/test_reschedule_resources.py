"""Moving a visit that takes an interpreter (issue #16's tryout): the free times offered
are times one is free, and the move takes a free one: its own when free then, else the
patient's interpreter of that day, else another; or the ones the API names."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.models import AppointmentResource, AvailabilityTemplate, Resource, TimeOff
from web.views.appointments import free_times

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)  # Friday evening
THURSDAY = date(2026, 3, 12)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def weekly(resource: Resource, location, start: time, end: time) -> None:
    for weekday in range(5):
        AvailabilityTemplate.objects.create(
            resource=resource,
            weekday=weekday,
            start_time=start,
            end_time=end,
            location=location,
            valid_from=date(2026, 1, 1),
        )


def interpreter(name: str, location, start: time, end: time) -> Resource:
    person = Resource.objects.create(
        name=name, kind="interpreter", languages=["es"], location=location
    )
    weekly(person, location, start, end)
    return person


def off_thursday(resource: Resource) -> None:
    TimeOff.objects.create(
        resource=resource,
        start=datetime(2026, 3, 12, 0, tzinfo=NY),
        end=datetime(2026, 3, 13, 0, tzinfo=NY),
        reason="away",
    )


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY).isoformat()


@pytest.fixture
def lucia(center):
    return interpreter("Lucía Ortega", center.pavilion, time(8), time(17))


@pytest.fixture
def visit(as_navigator, center, alice, lucia):
    """Alice (Spanish) sees Dr. Singh on Monday at 09:00 with Lucía; Lucía is away all
    Thursday."""
    alice.interpreter_language = "es"
    alice.save()
    booked = as_navigator.post(
        "/api/v1/appointments/",
        {
            "patient": alice.pk,
            "clinician": center.clinicians["Dr. Paul Singh"].pk,
            "start": at(date(2026, 3, 9), 9),
        },
    )
    assert booked.status_code == 201, booked.json()
    assert [r["name"] for r in booked.json()["resources"]] == ["Lucía Ortega"]
    off_thursday(lucia)
    return booked.json()


def move(client, visit, start: str, **extra):
    return client.post(
        f"/api/v1/appointments/{visit['id']}/reschedule/", {"start": start, **extra}, format="json"
    )


def taken_by(visit) -> list[str]:
    return list(
        AppointmentResource.objects.filter(appointment_id=visit["id"], live=True).values_list(
            "resource__name", flat=True
        )
    )


def thursday_times(visit) -> list[datetime]:
    from navigation.models import Appointment

    appointment = Appointment.objects.get(pk=visit["id"])
    return [
        slot["start"]
        for slot in free_times(appointment=appointment, now=NOW)
        if slot["start"].astimezone(NY).date() == THURSDAY
    ]


def test_the_time_offered_books_with_the_interpreter_free_then(as_navigator, center, visit):
    interpreter("Pedro Ruiz", center.tower, time(11), time(15))
    assert thursday_times(visit) == [datetime(2026, 3, 12, 11, tzinfo=NY)]
    moved = move(as_navigator, visit, at(THURSDAY, 11))
    assert moved.status_code == 200, moved.json()
    assert [r["name"] for r in moved.json()["resources"]] == ["Pedro Ruiz"]
    assert taken_by(visit) == ["Pedro Ruiz"]
    # Back on a day Lucía works, before Pedro's hours: she is free again, and taken.
    back = move(as_navigator, visit, at(date(2026, 3, 11), 9))
    assert back.status_code == 200, back.json()
    assert taken_by(visit) == ["Lucía Ortega"]


def test_no_interpreter_free_means_no_time_offered_and_a_move_there_refused(
    as_navigator, center, visit
):
    pedro = interpreter("Pedro Ruiz", center.tower, time(11), time(15))
    off_thursday(pedro)
    assert thursday_times(visit) == []
    refused = move(as_navigator, visit, at(THURSDAY, 11))
    assert refused.status_code == 400, refused.json()
    assert refused.json()["code"] == "resource_not_free"
    assert "resources" in refused.json()["fields"]
    assert taken_by(visit) == ["Lucía Ortega"]  # nothing moved


def test_the_last_free_interpreter_taken_meanwhile_is_a_409_naming_them(
    as_navigator, center, bob, visit
):
    interpreter("Pedro Ruiz", center.tower, time(11), time(15))
    bob.interpreter_language = "es"
    bob.save()
    rival = as_navigator.post(
        "/api/v1/appointments/",
        {
            "patient": bob.pk,
            "clinician": center.clinicians["Dr. Nora Reyes"].pk,
            "start": at(THURSDAY, 11),
        },
    )
    assert rival.status_code == 201, rival.json()
    refused = move(as_navigator, visit, at(THURSDAY, 11))
    assert refused.status_code == 409, refused.json()
    assert refused.json()["clash"]["resource_name"] == "Pedro Ruiz"
    assert "Pedro Ruiz" in refused.json()["message"]
    assert taken_by(visit) == ["Lucía Ortega"]


def test_the_patients_interpreter_of_the_day_is_kept_for_the_moved_visit(
    as_navigator, center, alice, visit
):
    rosa = interpreter("Rosa Díaz", center.tower, time(11), time(15))
    pedro = interpreter("Pedro Ruiz", center.tower, time(11), time(15))
    assert rosa.pk < pedro.pk  # the search alone would pick Rosa
    other = as_navigator.post(
        "/api/v1/appointments/",
        {
            "patient": alice.pk,
            "clinician": center.clinicians["Dr. Ravi Shah"].pk,
            "start": at(THURSDAY, 14),
        },
    )
    assert other.status_code == 201, other.json()
    AppointmentResource.objects.filter(appointment_id=other.json()["id"]).update(resource=pedro)
    moved = move(as_navigator, visit, at(THURSDAY, 11))
    assert moved.status_code == 200, moved.json()
    assert taken_by(visit) == ["Pedro Ruiz"]


def test_the_api_takes_the_interpreter_named_and_checks_it(as_navigator, center, lucia, visit):
    rosa = interpreter("Rosa Díaz", center.tower, time(11), time(15))
    pedro = interpreter("Pedro Ruiz", center.tower, time(11), time(15))
    off = move(as_navigator, visit, at(THURSDAY, 11), resources=[lucia.pk])
    assert off.status_code == 400, off.json()
    assert "Lucía Ortega" in off.json()["message"]
    for bad in (["x"], [999999], [pedro.pk, pedro.pk], [pedro.pk, rosa.pk]):
        refused = move(as_navigator, visit, at(THURSDAY, 11), resources=bad)
        assert refused.status_code == 400, (bad, refused.json())
        assert "resources" in refused.json()["fields"], refused.json()
    assert taken_by(visit) == ["Lucía Ortega"]
    moved = move(as_navigator, visit, at(THURSDAY, 11), resources=[{"id": pedro.pk}])
    assert moved.status_code == 200, moved.json()
    assert taken_by(visit) == ["Pedro Ruiz"]


def test_the_api_lists_the_free_times_with_the_interpreter_and_books_one_as_listed(
    as_navigator, center, alice, visit
):
    from tests.conftest import client_for

    interpreter("Pedro Ruiz", center.tower, time(11), time(15))
    listed = as_navigator.get(f"/api/v1/appointments/{visit['id']}/free-times/")
    assert listed.status_code == 200, listed.json()
    times = {
        datetime.fromisoformat(t["start"]).astimezone(NY).date(): t for t in listed.json()["times"]
    }
    thursday = times[THURSDAY]
    assert datetime.fromisoformat(thursday["start"]) == datetime(2026, 3, 12, 11, tzinfo=NY)
    assert thursday["clinician_name"] in ("Dr. Nora Reyes", "Dr. Paul Singh")
    assert [r["name"] for r in thursday["resources"]] == ["Pedro Ruiz"]
    moved = move(
        as_navigator,
        visit,
        thursday["start"],
        clinician=thursday["clinician"],
        resources=thursday["resources"],
    )
    assert moved.status_code == 200, moved.json()
    assert taken_by(visit) == ["Pedro Ruiz"]
    mine = client_for(alice.user).get(f"/api/v1/appointments/{visit['id']}/free-times/")
    assert mine.status_code == 403  # the patient sees the visit, not the times to move it
