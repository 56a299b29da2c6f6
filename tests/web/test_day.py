"""The day view: clinicians as columns, booked visits, free time, time off, overrides."""

from datetime import datetime

import pytest

from navigation.models import TimeOff
from navigation.services import VisitRequest, appointment_book
from tests.web.conftest import NOW, NY, frozen_at, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


def column(html: str, name: str) -> str:
    return html.split(f">{name}<small>", 1)[1].split('class="colhead"', 1)[0]


def test_it_shows_each_clinician_with_booked_and_free_time(nina, center, alice, emergency):
    surgeon = center.first("neurosurgery")
    appointment_book(
        patient=alice,
        visit=VisitRequest(clinician=surgeon, start=datetime(2026, 3, 2, 9, tzinfo=NY)),
        by=nina,
        now=NOW,
    )
    html = logged_in(nina).get("/day/?day=2026-03-02").content.decode()
    assert "<title>Day view Mon 2 Mar 2026" in html
    reyes = column(html, "Dr. Nora Reyes")
    assert "08:00–09:00</span>" in reyes and "free" in reyes
    assert "09:00–10:00</span>" in reyes and "Alice Archer" in reyes
    assert "10:00–17:00</span>" in reyes
    assert html.count('class="colhead"') == len(center.clinicians)


def test_it_marks_overrides_and_time_off(nina, center, alice, bob, emergency):
    surgeon = center.first("neurosurgery")
    visit = VisitRequest(clinician=surgeon, start=datetime(2026, 3, 2, 9, tzinfo=NY))
    appointment_book(patient=bob, visit=visit, by=nina, now=NOW)
    appointment_book(
        patient=alice,
        visit=visit,
        by=nina,
        now=NOW,
        referral=emergency,
        override_reason="cord compression",
    )
    TimeOff.objects.create(
        clinician=center.first("pain_medicine"),
        start=datetime(2026, 3, 2, 12, tzinfo=NY),
        end=datetime(2026, 3, 2, 17, tzinfo=NY),
        reason="conference",
    )
    html = logged_in(nina).get("/day/?day=2026-03-02").content.decode()
    assert "block visit override" in column(html, "Dr. Nora Reyes")
    assert "<strong>override</strong>" in html
    assert "off: conference" in column(html, "Dr. Ana Pires")


def test_it_filters_by_specialty_and_walks_day_by_day(nina, center):
    html = logged_in(nina).get("/day/?day=2026-03-02&specialty=neurosurgery").content.decode()
    assert html.count('class="colhead"') == 2
    assert 'href="?day=2026-03-03&amp;specialty=neurosurgery"' in html


def test_a_weekend_says_nobody_works(nina, center):
    html = logged_in(nina).get("/day/?day=2026-03-07").content.decode()
    assert "No clinician works this day" in html


def test_it_defaults_to_today_in_clinic_time(nina, center):
    assert "Monday 2 March 2026" in logged_in(nina).get("/day/").content.decode()


@pytest.mark.parametrize("query", ["day=garbage", "date=garbage", "day=20260-03-02"])
def test_a_day_that_is_not_a_date_says_so(nina, center, query):
    response = logged_in(nina).get(f"/day/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert">“' in html
    assert "is not a day: write it as YYYY-MM-DD, such as 2026-03-02. Showing today instead." in (
        html
    )
    assert "Day view: Monday 2 March 2026" in html


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("date=9999-12-31", "9999-12-31 is out of range: the day view shows 1900 to 2199."),
        ("kind=bogus", "“bogus” is not a kind of day view: use one of equipment, room, interp"),
        ("specialty=bogus", "“bogus” is not a specialty: use one of "),
    ],
)
def test_a_day_out_of_range_or_an_unknown_view_says_so(nina, center, query, said):
    response = logged_in(nina).get(f"/day/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert">' in html and said in html
    assert "YYYY-MM-DD" not in html and "Day view: Monday 2 March 2026" in html


def test_the_day_can_be_asked_as_date_too(nina, center):
    html = logged_in(nina).get("/day/?date=2026-03-03").content.decode()
    assert "Day view: Tuesday 3 March 2026" in html


def test_a_machine_has_its_own_column_with_the_visits_that_take_it(nina, center, alice):
    from datetime import date, time

    from navigation.models import AvailabilityTemplate, Resource, VisitType

    scanner = Resource.objects.create(
        name="MRI 3T-1", kind="equipment", equipment="mri_3t", location=center.tower
    )
    AvailabilityTemplate.objects.create(
        resource=scanner,
        weekday=0,
        start_time=time(13),
        end_time=time(17),
        location=center.tower,
        valid_from=date(2026, 1, 1),
    )
    VisitType.objects.create(
        specialty="neuroradiology", name="MRI brain", minutes=45, needs=["mri"]
    )
    visit = VisitRequest(
        clinician=center.first("neuroradiology"), start=datetime(2026, 3, 2, 14, tzinfo=NY)
    )
    appointment_book(patient=alice, visit=visit, by=nina, now=NOW)
    html = logged_in(nina).get("/day/?day=2026-03-02&kind=equipment").content.decode()
    assert html.count('class="colhead"') == 1
    mri = column(html, "MRI 3T-1")
    assert "14:00–14:45</span>" in mri and "Alice Archer" in mri
    assert "13:00–14:00</span>" in mri and "14:45–17:00</span>" in mri
    assert 'href="?day=2026-03-03&amp;kind=equipment"' in html


def test_a_procedure_room_shows_with_the_rooms_not_the_machines(nina, center, alice):
    from datetime import date, time

    from navigation.models import AvailabilityTemplate, Resource, VisitType

    suite = Resource.objects.create(
        name="Procedure Suite B",
        kind="equipment",
        equipment="procedure_room",
        location=center.tower,
    )
    scanner = Resource.objects.create(
        name="MRI 3T-1", kind="equipment", equipment="mri_3t", location=center.tower
    )
    for resource in (suite, scanner):
        AvailabilityTemplate.objects.create(
            resource=resource,
            weekday=0,
            start_time=time(8),
            end_time=time(17),
            location=center.tower,
            valid_from=date(2026, 1, 1),
        )
    VisitType.objects.create(
        specialty="neurosurgery", name="Biopsy", minutes=60, needs=["procedure_room"]
    )
    visit = VisitRequest(
        clinician=center.first("neurosurgery"), start=datetime(2026, 3, 2, 9, tzinfo=NY)
    )
    appointment_book(patient=alice, visit=visit, by=nina, now=NOW)
    browser = logged_in(nina)
    rooms = browser.get("/day/?day=2026-03-02&kind=room").content.decode()
    assert "No room is in use" not in rooms
    assert html_columns(rooms) == ["Procedure Suite B"]
    suite_column = column(rooms, "Procedure Suite B")
    assert "Procedure room, Tower" in suite_column
    assert "09:00–10:00</span>" in suite_column and "Alice Archer" in suite_column
    machines = browser.get("/day/?day=2026-03-02&kind=equipment").content.decode()
    assert html_columns(machines) == ["MRI 3T-1"]


def html_columns(html: str) -> list[str]:
    heads = html.split('class="colhead"')[1:]
    return [part.split("<small>", 1)[0].rsplit(">", 1)[1] for part in heads]
