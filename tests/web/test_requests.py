"""A patient's request to reschedule becomes a task on the referral, shown with the
patient's confirmations, closed when handled."""

from datetime import datetime

import pytest
from django.test import Client

from navigation.services import VisitRequest, appointment_book
from notifications.inbound import sms_received
from tests.web.conftest import NOW, NY, frozen_at, logged_in, make_referral
from web.models import PatientRequest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


def test_an_r_by_text_becomes_a_task_on_the_referral_until_it_is_handled(nina, alice, center):
    referral = make_referral(alice)
    visit = appointment_book(
        patient=alice,
        visit=VisitRequest(
            clinician=center.first("neurosurgery"), start=datetime(2026, 3, 3, 9, tzinfo=NY)
        ),
        referral=referral,
        is_consult=True,
        by=nina,
        now=NOW,
    )
    assert sms_received(sender=str(alice.phone), body="R", sid="SM1", now=NOW) == "reschedule"
    sms_received(sender=str(alice.phone), body="R", sid="SM2", now=NOW)  # asked twice: one task
    task = PatientRequest.objects.get()
    assert (task.referral, task.appointment, task.source) == (referral, visit, "sms")
    client = logged_in(nina)
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Asked by text to reschedule their next visit" in page
    assert f'href="/appointments/{visit.pk}/">reschedule it' in page
    client.post(f"/requests/{task.pk}/done/", {"note": "Moved to Thursday by phone"})
    task.refresh_from_db()
    assert task.status == "done" and task.done_by == nina
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Moved to Thursday by phone" in page
    assert "Mark handled" not in page


def test_ask_to_reschedule_on_the_patient_page_becomes_a_task_too(nina, alice, center):
    from notifications.services import patient_link

    referral = make_referral(alice)
    code = patient_link(alice, NOW).split("/p/", 1)[1]
    browser = Client()  # whoever holds the phone confirms the birth date first
    assert browser.post(f"/p/{code}/verify", {"birth_date": alice.birth_date}).status_code == 302
    response = browser.post(f"/p/{code}/reschedule")
    assert response.status_code == 302
    task = PatientRequest.objects.get()
    assert (task.referral, task.source, task.status) == (referral, "page", "open")
    page = logged_in(nina).get(f"/referrals/{referral.pk}/").content.decode()
    assert "Asked on their visit page to reschedule" in page
