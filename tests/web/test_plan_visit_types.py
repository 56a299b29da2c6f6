"""The plan form offers a kind of visit per specialty (issue 16): "SRS planning" is
searched with its CT simulator and its hour, and booked or held as that visit."""

from datetime import date, datetime, time

import pytest

from navigation.models import Appointment, AvailabilityTemplate, Resource, VisitType
from tests.web.conftest import NOW, NY, frozen_at, logged_in
from tests.web.test_plan import SEARCH, first_option

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


@pytest.fixture
def srs(center):
    ct = Resource.objects.create(
        name="CT sim 1", kind="equipment", equipment="ct_simulator", location=center.pavilion
    )
    for weekday in range(5):
        AvailabilityTemplate.objects.create(
            resource=ct,
            weekday=weekday,
            start_time=time(13),
            end_time=time(17),
            location=center.pavilion,
            valid_from=date(2026, 1, 1),
        )
    return VisitType.objects.create(
        specialty="radiation_oncology",
        name="SRS planning",
        minutes=60,
        new_patient=False,
        needs=["ct_simulator"],
    )


def search(client, referral, **changes):
    return client.get(
        f"/referrals/{referral.pk}/plan/", {**SEARCH, **changes}, HTTP_HX_REQUEST="true"
    )


def test_the_plan_form_offers_the_kinds_of_visit_of_a_specialty_that_has_several(
    nina, center, emergency, srs
):
    html = logged_in(nina).get(f"/referrals/{emergency.pk}/").content.decode()
    form = html.split('id="plan-h"', 1)[1].split("</form>", 1)[0]
    assert '<select name="type_radiation_oncology"' in form
    assert ">New patient (45 min), the default</option>" in form
    assert f'<option value="{srs.pk}">SRS planning (60 min, a CT simulator)</option>' in form
    assert ">Radiation oncology visit</label>" in form
    # A specialty with only its new-patient visit offers no choice.
    assert 'name="type_neurosurgery"' not in form


def test_srs_planning_chosen_in_the_form_is_searched_and_booked_with_its_ct_simulator(
    nina, center, emergency, srs
):
    client = logged_in(nina)
    html = search(client, emergency, type_radiation_oncology=str(srs.pk)).content.decode()
    assert "Radiation oncology (SRS planning) with Dr. Ravi Shah, Pavilion (CT sim 1)" in html
    option = first_option(html)
    assert any(value.endswith(f"|{srs.pk}") for value in option["visit"])
    response = client.post(f"/referrals/{emergency.pk}/book/", option, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content.decode()
    planning = Appointment.objects.get(referral=emergency, specialty="radiation_oncology")
    assert planning.visit_type == srs
    assert (planning.end - planning.start).total_seconds() == 3600
    assert planning.start.astimezone(NY).time() >= time(13)
    assert [r.resource.name for r in planning.resource_bookings.all()] == ["CT sim 1"]
    surgery = Appointment.objects.get(referral=emergency, specialty="neurosurgery")
    assert surgery.visit_type == VisitType.objects.get(specialty="neurosurgery")


def test_a_held_srs_planning_option_is_held_as_that_visit(nina, center, emergency, srs):
    client = logged_in(nina)
    html = search(client, emergency, type_radiation_oncology=str(srs.pk)).content.decode()
    held = client.post(
        f"/referrals/{emergency.pk}/hold/", first_option(html) | {"form_token": "h1"}
    )
    assert held.status_code == 302
    planning = Appointment.objects.get(referral=emergency, specialty="radiation_oncology")
    assert (planning.status, planning.visit_type) == ("held", srs)
    page = client.get(f"/referrals/{emergency.pk}/").content.decode()
    held = page.split('id="holds"', 1)[1].split("</ol>", 1)[0]
    assert "Radiation oncology (SRS planning) with Dr. Ravi Shah" in held
    assert "Neurosurgery with" in held  # the new-patient default is not spelled out
    hold = planning.hold_id
    client.post(f"/holds/{hold}/confirm/", {"form_token": "c1"})
    assert Appointment.objects.get(pk=planning.pk).status == "booked"
    booked = client.get(f"/referrals/{emergency.pk}/").content.decode()
    assert "Radiation oncology (SRS planning) with Dr. Ravi Shah" in booked.split('id="holds"')[0]


def test_the_default_stays_the_new_patient_visit(nina, center, emergency, srs):
    html = search(logged_in(nina), emergency).content.decode()
    assert "08:00–08:45</strong> Radiation oncology with Dr. Ravi Shah, Pavilion" in html
    assert "SRS planning" not in html.split('<article class="option"', 1)[1]


def test_a_visit_type_of_another_specialty_is_refused_in_words(nina, center, emergency, srs):
    other = VisitType.objects.get(specialty="neurosurgery")
    response = search(logged_in(nina), emergency, type_radiation_oncology=str(other.pk))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_choice_left_on_a_specialty_not_ticked_is_not_searched(nina, center, emergency, srs):
    html = search(
        logged_in(nina),
        emergency,
        specialties=["neurosurgery", "palliative_care"],
        type_radiation_oncology=str(srs.pk),
    ).content.decode()
    assert "Option 1: Monday 2 March" in html
    assert "Radiation oncology" not in html.split('<article class="option"', 1)[1]


def test_a_nearest_change_keeps_the_visit_type_chosen(nina, center, emergency, srs):
    # The CT simulator is off all week: SRS planning cannot be found, so the nearest
    # changes are offered, each still with SRS planning.
    from navigation.models import TimeOff

    TimeOff.objects.create(
        resource=Resource.objects.get(name="CT sim 1"),
        start=datetime(2026, 3, 2, 0, tzinfo=NY),
        end=datetime(2026, 3, 7, 0, tzinfo=NY),
        reason="service",
    )
    html = search(logged_in(nina), emergency, type_radiation_oncology=str(srs.pk)).content.decode()
    assert "No day fits" in html
    assert f"type_radiation_oncology={srs.pk}" in html
