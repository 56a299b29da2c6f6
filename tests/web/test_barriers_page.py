"""The referral page's barriers: record one, resolve it, a bad resolution refused; a
travel barrier makes the planner keep one day before splitting the visits over days."""

from datetime import datetime

import pytest

from care.models import Barrier
from navigation.models import TimeOff
from tests.center import social_worker
from tests.web.conftest import NOW, NY, frozen_at, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW):
        yield


def test_a_navigator_records_and_resolves_a_barrier_on_the_referral_page(nina, center, routine):
    client = logged_in(nina)
    added = client.post(
        f"/referrals/{routine.pk}/barriers/",
        {"kind": "lodging", "description": "Lives 3 hours away", "found_at": "2026-03-01T10:00"},
    )
    assert added.status_code == 302
    page = client.get(f"/referrals/{routine.pk}/").content.decode()
    assert "Lodging</strong>: Lives 3 hours away" in page
    assert "Travel is hard for this patient: lodging barrier" in page

    barrier = Barrier.objects.get()
    refused = client.post(
        f"/referrals/{routine.pk}/barriers/{barrier.pk}/resolve/",
        {"resolved_at": "2026-02-28T10:00", "action": "Hope Lodge"},
    )
    assert refused.status_code == 400
    assert "cannot be resolved before it was found" in refused.content.decode()
    assert "Nothing was saved: the barrier resolution form" in refused.content.decode()
    assert '<a href="#barriers">Go to the form</a>' in refused.content.decode()
    barrier.refresh_from_db()
    assert barrier.resolved_at is None and barrier.action == ""

    done = client.post(
        f"/referrals/{routine.pk}/barriers/{barrier.pk}/resolve/",
        {"resolved_at": "2026-03-02T06:30", "action": "Room at the Hope Lodge"},
    )
    assert done.status_code == 302
    barrier.refresh_from_db()
    assert barrier.resolved_at == datetime(2026, 3, 2, 6, 30, tzinfo=NY)
    assert barrier.resolved_by == nina and barrier.action == "Room at the Hope Lodge"
    assert "Travel is hard" not in client.get(f"/referrals/{routine.pk}/").content.decode()


def test_with_a_transport_barrier_the_planner_keeps_one_day_before_splitting_it(
    nina, center, routine
):
    TimeOff.objects.create(
        clinician=center.first("palliative_care"),
        start=datetime(2026, 3, 2, 0, tzinfo=NY),
        end=datetime(2026, 3, 5, 0, tzinfo=NY),
        reason="congress",
    )
    query = {
        "specialties": ["spine_surgery", "palliative_care"],
        "date_from": "2026-03-02",
        "date_to": "2026-03-04",
        "max_wait": "90",
    }
    client = logged_in(nina)
    plain = client.get(f"/referrals/{routine.pk}/plan/", query).content.decode()
    assert plain.index("See palliative care on another day") < plain.index("Search 14 more days")
    assert "multi-day plan" not in plain

    Barrier.objects.create(patient=routine.patient, kind="transport", found_at=NOW)
    burdened = client.get(f"/referrals/{routine.pk}/plan/", query).content.decode()
    assert "Travel is hard for this patient (transport barrier)" in burdened
    assert burdened.index("Search 14 more days") < burdened.index("another day; the others")
    assert "multi-day plan: another trip for a patient with a travel barrier" in burdened


def test_a_high_distress_score_on_the_referral_page_offers_a_psychosocial_visit(
    nina, center, routine
):
    social_worker(center, weekday=1)  # Tuesdays
    client = logged_in(nina)
    refused = client.post(
        f"/referrals/{routine.pk}/distress/",
        {"score": "12", "occasion": "first_consult", "screened_at": "2026-03-02T06:50"},
    )
    assert (
        refused.status_code == 400 and "The distress score is 0 to 10." in refused.content.decode()
    )

    client.post(
        f"/referrals/{routine.pk}/distress/",
        {
            "score": "7",
            "problems": ["sadness", "housing"],
            "occasion": "first_consult",
            "screened_at": "2026-03-02T06:50",
        },
    )
    page = client.get(f"/referrals/{routine.pk}/").content.decode()
    assert "<strong>7/10</strong> first consult, Mon 2 Mar 2026: sadness, housing" in page
    assert "Psychosocial referral:</strong> distress 7/10" in page
    assert "Tue 3 Mar, 09:00–09:45 with Kim Dale, LCSW" in page

    value = page.split('name="visit" value="', 1)[1].split('"', 1)[0]
    booked = client.post(f"/referrals/{routine.pk}/book/", {"visit": value, "search": ""})
    assert booked.status_code == 302
    assert "Psychosocial referral:" not in client.get(f"/referrals/{routine.pk}/").content.decode()


@pytest.mark.parametrize("score", ["11", "-1", ""])
def test_a_refused_distress_score_says_so_at_the_top_and_links_to_its_form(
    nina, center, routine, score
):
    from care.models import DistressScreening

    client = logged_in(nina)
    refused = client.post(
        f"/referrals/{routine.pk}/distress/",
        {"score": score, "occasion": "first_consult", "screened_at": "2026-03-01T10:00"},
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    top = page[page.index('<main id="main"') : page.index("<h1>")]
    assert 'role="alert"' in top and "Nothing was saved" in top
    wrong = "The distress score is 0 to 10." if score else "This field is required."
    assert f"Distress (0 none to 10 extreme): {wrong}" in top
    assert '<a href="#distress">Go to the form</a>' in top
    assert 'id="distress"' in page and f"/referrals/{routine.pk}/distress/#distress" in page
    assert not DistressScreening.objects.exists()
