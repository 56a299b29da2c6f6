"""The referral queue: deadlines, emergencies first, state in colour and in words."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.models import Patient
from tests.web.conftest import NOW, frozen_at, logged_in, make_referral
from web.views.queue import QUEUE_PAGE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


def rows(html: str) -> list[str]:
    body = html.split('<tbody id="queue-rows"', 1)[1].split("</tbody>", 1)[0]
    return body.split("<tr ")[1:]


def test_it_pins_emergencies_on_top_and_says_their_state_in_words(nina, emergency, routine):
    # The routine referral is due later but received later too; the emergency is first.
    html = logged_in(nina).get("/queue/").content.decode()
    first, second = rows(html)
    assert "Alice Archer" in first and "Emergency" in first and "At risk" in first
    assert "badge state at_risk" in first
    assert "7 h 0 min left" in first
    assert "Bob Baker" in second and "On track" in second
    assert "<title>Referral queue" in html


def test_it_orders_the_rest_by_deadline(nina, bob, alice):
    later = make_referral(bob, received_at=NOW - timedelta(hours=1))
    sooner = make_referral(alice, received_at=NOW - timedelta(hours=30))
    html = logged_in(nina).get("/queue/").content.decode()
    first, second = rows(html)
    assert f"/referrals/{sooner.pk}/" in first and f"/referrals/{later.pk}/" in second


def test_it_filters_by_urgency_and_by_state(nina, emergency, routine):
    client = logged_in(nina)
    assert len(rows(client.get("/queue/?urgency=routine").content.decode())) == 1
    at_risk = rows(client.get("/queue/?state=at_risk").content.decode())
    assert len(at_risk) == 1 and "Alice" in at_risk[0]
    assert "No open referral matches" in client.get("/queue/?state=breached").content.decode()


def test_a_breached_referral_says_overdue(nina, alice):
    make_referral(alice, received_at=NOW - timedelta(hours=80))
    html = logged_in(nina).get("/queue/").content.decode()
    assert "Breached" in html and "overdue by 8 h 0 min" in html


def test_htmx_polling_gets_only_the_rows_with_the_filter_kept(nina, emergency):
    response = logged_in(nina).get("/queue/?urgency=emergency", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.startswith('<tbody id="queue-rows"')
    assert 'hx-get="/queue/?urgency=emergency"' in html and "<html" not in html


def test_it_renders_with_the_same_number_of_queries_for_2_and_40_referrals(nina):
    client = logged_in(nina)
    client.get("/queue/")

    def count_for(total: int) -> int:
        for index in range(Patient.objects.count(), total):
            patient = Patient.objects.create(
                mrn=f"Q{index}", first_name="P", last_name=str(index), birth_date=NOW.date()
            )
            make_referral(patient, received_at=NOW - timedelta(hours=index % 70))
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/queue/").status_code == 200
        return len(queries)

    assert count_for(2) == count_for(40)


def test_a_long_queue_comes_a_page_at_a_time_most_urgent_first_with_the_filter_kept(nina, alice):
    # An emergency with 7 of its 24 hours left: at risk, due soonest.
    make_referral(
        alice, received_at=NOW - timedelta(hours=17), mass_effect=True, brain_symptomatic=True
    )
    for index in range(QUEUE_PAGE + 5):
        patient = Patient.objects.create(
            mrn=f"L{index}", first_name="Pat", last_name=f"L{index:03d}", birth_date=NOW.date()
        )
        make_referral(patient, received_at=NOW - timedelta(minutes=index))
    client = logged_in(nina)
    first = client.get("/queue/?state=on_track").content.decode()
    assert first.count('<tr class="urgency-') == QUEUE_PAGE
    assert f"Showing 1–{QUEUE_PAGE} of {QUEUE_PAGE + 5} open referrals." in first
    assert 'href="?state=on_track&amp;page=2" rel="next"' in first
    everyone = client.get("/queue/").content.decode()
    assert everyone.index("Alice") < everyone.index("L104")  # the emergency heads page one
    second = client.get("/queue/?state=on_track&page=2").content.decode()
    assert second.count('<tr class="urgency-') == 5
    assert "L000" in second  # received last, due last
