"""Alerts: the open ones first, each acknowledged once."""

import pytest

from notifications.models import Alert
from tests.web.conftest import NOW, frozen_at, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


def test_it_lists_open_alerts_with_a_link_to_the_referral(nina, emergency):
    html = logged_in(nina).get("/alerts/").content.decode()
    assert "<title>Alerts" in html
    assert f"EMERGENCY referral {emergency.pk}" in html
    assert f'href="/referrals/{emergency.pk}/"' in html and ">Acknowledge</button>" in html


def test_acknowledging_keeps_who_and_when_and_hides_it_from_open(nina, emergency):
    client = logged_in(nina)
    alert = Alert.objects.get(referral=emergency)
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert "Acknowledged Mon 2 Mar 07:00 by nina" in response.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by == nina and alert.acknowledged_at == NOW
    assert "Nothing to acknowledge" in client.get("/alerts/").content.decode()
    assert "Acknowledged" in client.get("/alerts/?show=all").content.decode()


def test_a_second_acknowledgement_keeps_the_first(nina, ada, emergency):
    alert = Alert.objects.get(referral=emergency)
    logged_in(nina).post(f"/alerts/{alert.pk}/acknowledge/")
    response = logged_in(ada).post(f"/alerts/{alert.pk}/acknowledge/")
    assert response["Location"] == "/alerts/"
    alert.refresh_from_db()
    assert alert.acknowledged_by == nina


def test_patient_replies_show_the_patient(nina, alice):
    Alert.objects.create(
        kind="patient_reply", text="asked to reschedule", dedupe_key="r1", patient=alice
    )
    html = logged_in(nina).get("/alerts/").content.decode()
    assert "Patient reply" in html and "Alice Archer (MRN-ALICE)" in html
