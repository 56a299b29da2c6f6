"""Changing what is booked from the pages: reschedule to a time the engine offers, cancel
with a reason, arrived, no-show and undo, and an emergency squeezed in over booked time."""

from datetime import UTC, datetime

import pytest

from navigation.models import Appointment, AppointmentChange
from navigation.services import VisitRequest, appointment_book
from tests.web.conftest import NOW, NY, frozen_at, logged_in, make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


@pytest.fixture
def visit(center, alice, nina):
    return appointment_book(
        patient=alice,
        visit=VisitRequest(
            clinician=center.first("pain_medicine"), start=datetime(2026, 3, 3, 10, tzinfo=NY)
        ),
        by=nina,
        now=NOW,
    )


def test_it_offers_free_times_and_moves_the_visit_to_the_one_picked(nina, visit):
    client = logged_in(nina)
    page = client.get(f"/appointments/{visit.pk}/").content.decode()
    monday = datetime(2026, 3, 2, 8, tzinfo=NY)
    value = f"{visit.clinician_id}|{monday.astimezone(UTC).isoformat()}"
    assert f'value="{value}"' in page  # Monday 08:00 is free
    response = client.post(
        f"/appointments/{visit.pk}/reschedule/", {"slot": value, "form_token": "m1"}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.start == monday
    assert visit.changes.filter(kind="rescheduled").count() == 1


def test_a_cancel_without_a_reason_says_so_beside_the_field_and_cancels_nothing(nina, visit):
    client = logged_in(nina)
    response = client.post(f"/appointments/{visit.pk}/cancel/", {"reason": "  "})
    assert response.status_code == 400
    assert "Say why, in a few words" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "booked"
    client.post(f"/appointments/{visit.pk}/cancel/", {"reason": "Patient in hospital"})
    visit.refresh_from_db()
    assert visit.status == "cancelled"
    assert visit.changes.get(kind="cancelled").reason == "Patient in hospital"


def test_a_no_show_can_be_undone_and_each_page_offers_only_what_the_state_allows(
    nina, visit, frozen
):
    client = logged_in(nina)
    frozen.move_to(datetime(2026, 3, 3, 10, 20, tzinfo=NY))  # a no-show only once it started
    client.post(f"/appointments/{visit.pk}/status/", {"status": "no_show", "form_token": "n"})
    page = client.get(f"/appointments/{visit.pk}/").content.decode()
    assert "Back to booked" in page
    assert "Arrived (check in)" not in page
    assert "Cancel the visit" not in page
    again = client.post(
        f"/appointments/{visit.pk}/status/", {"status": "no_show", "form_token": "n"}
    )
    assert again.status_code == 302  # the same form twice: handled once
    client.post(f"/appointments/{visit.pk}/status/", {"status": "booked"})
    client.post(f"/appointments/{visit.pk}/status/", {"status": "checked_in"})
    visit.refresh_from_db()
    assert visit.status == "checked_in"
    kinds = list(visit.changes.values_list("kind", flat=True))
    assert kinds == ["booked", "status:no_show", "status:booked", "status:checked_in"]


def test_an_emergency_is_squeezed_in_over_booked_time_only_with_a_reason(
    nina, alice, bob, center, visit
):
    emergency = make_referral(alice, mass_effect=True, brain_symptomatic=True)
    surgeon = center.first("neurosurgery")
    appointment_book(
        patient=bob,
        visit=VisitRequest(clinician=surgeon, start=datetime(2026, 3, 2, 9, tzinfo=NY)),
        by=nina,
        now=NOW,
    )
    client = logged_in(nina)
    data = {"clinician": surgeon.pk, "start": "2026-03-02T09:00", "minutes": "30"}
    response = client.post(f"/referrals/{emergency.pk}/override/", data | {"override_reason": ""})
    assert response.status_code == 400
    assert "Say why, in a few words" in response.content.decode()
    assert not Appointment.objects.filter(override=True).exists()
    reason = "Cord compression, cannot wait"
    response = client.post(
        f"/referrals/{emergency.pk}/override/", data | {"override_reason": reason}
    )
    squeezed = Appointment.objects.get(override=True)
    assert response["Location"] == f"/appointments/{squeezed.pk}/"
    assert squeezed.is_consult and squeezed.referral == emergency
    assert AppointmentChange.objects.get(appointment=squeezed).reason == reason


def test_a_routine_referral_offers_no_override(nina, bob):
    routine = make_referral(bob, sites="spine", primary_cancer="prostate")
    page = logged_in(nina).get(f"/referrals/{routine.pk}/").content.decode()
    assert "Book over other visits" not in page
    assert "SINS calculator" in page


def test_a_brain_only_referral_shows_no_sins_and_no_spine_surgeon(nina, alice, center):
    emergency = make_referral(alice, mass_effect=True, brain_symptomatic=True)
    page = logged_in(nina).get(f"/referrals/{emergency.pk}/").content.decode()
    assert "SINS calculator" not in page
    assert "Dr. Nora Reyes" in page
    assert "Dr. Ruth Kim" not in page  # the spine surgeon


def test_day_view_blocks_link_to_their_visit(nina, visit):
    page = logged_in(nina).get("/day/?day=2026-03-03").content.decode()
    assert f'href="/appointments/{visit.pk}/"' in page


def test_the_visit_page_lists_the_room_machine_or_interpreter_it_takes(nina, center, visit):
    from navigation.models import AppointmentResource, Resource

    lucia = Resource.objects.create(
        name="Lucía Ortega", kind="interpreter", languages=["es"], location=center.pavilion
    )
    AppointmentResource.objects.create(
        appointment=visit, resource=lucia, start=visit.start, end=visit.end
    )
    visit.patient.interpreter_language = "es"
    visit.patient.save()
    html = logged_in(nina).get(f"/appointments/{visit.pk}/").content.decode()
    assert '<dt>Takes</dt><dd id="visit-resources">Lucía Ortega</dd>' in html
    assert "<dt>Interpreter</dt><dd>Needs a Spanish interpreter</dd>" in html


def test_a_time_offered_while_the_visits_interpreter_is_away_moves_it_to_the_one_free(
    nina, center, alice
):
    """Issue #16's tryout: Lucía is away all Wednesday, Pedro (at the Tower) is free
    11:00-15:00; the page offers Wednesday 11:00 and the move takes Pedro. With Pedro
    away too, no Wednesday time is offered at all."""
    from datetime import date, time

    from navigation.models import AppointmentResource, AvailabilityTemplate, Resource, TimeOff

    def interpreter(name, location, start, end):
        person = Resource.objects.create(
            name=name, kind="interpreter", languages=["es"], location=location
        )
        for weekday in range(5):
            AvailabilityTemplate.objects.create(
                resource=person,
                weekday=weekday,
                start_time=start,
                end_time=end,
                location=location,
                valid_from=date(2026, 1, 1),
            )
        return person

    def away_wednesday(person):
        TimeOff.objects.create(
            resource=person,
            start=datetime(2026, 3, 4, 0, tzinfo=NY),
            end=datetime(2026, 3, 5, 0, tzinfo=NY),
        )

    lucia = interpreter("Lucía Ortega", center.pavilion, time(8), time(17))
    alice.interpreter_language = "es"
    alice.save()
    visit = appointment_book(
        patient=alice,
        visit=VisitRequest(
            clinician=center.first("pain_medicine"), start=datetime(2026, 3, 3, 10, tzinfo=NY)
        ),
        by=nina,
        now=NOW,
    )
    away_wednesday(lucia)
    pedro = interpreter("Pedro Ruiz", center.tower, time(11), time(15))
    client = logged_in(nina)
    wednesday = datetime(2026, 3, 4, 11, tzinfo=NY).astimezone(UTC)
    value = f"{visit.clinician_id}|{wednesday.isoformat()}"
    page = client.get(f"/appointments/{visit.pk}/").content.decode()
    assert f'value="{value}"' in page
    early = datetime(2026, 3, 4, 8, tzinfo=NY).astimezone(UTC)  # Ana is free, nobody to interpret
    assert f'value="{visit.clinician_id}|{early.isoformat()}"' not in page

    away_wednesday(pedro)
    page = client.get(f"/appointments/{visit.pk}/").content.decode()
    assert "|2026-03-04T" not in page  # no Wednesday time without an interpreter
    TimeOff.objects.filter(resource=pedro).delete()

    response = client.post(
        f"/appointments/{visit.pk}/reschedule/", {"slot": value, "form_token": "i1"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit.refresh_from_db()
    assert visit.start == wednesday
    assert list(
        AppointmentResource.objects.filter(appointment=visit).values_list("resource", flat=True)
    ) == [pedro.pk]
