"""On-call coverage (issue 19): a rota by specialty handing over at 08:00 Tower time
(23 hours across the spring DST change), cover shifts before it, and an emergency's consult
booked as an on-call assessment outside clinic templates, the clinician paged at once."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation import oncall
from navigation.models import Appointment, OnCallRota, OnCallRotaMember, OnCallShift
from navigation.services import oncall_assessment_book
from notifications.models import Alert, Message
from patients.services import referral_create
from tests.conftest import client_for
from tests.web.conftest import logged_in

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 7, 22, 10, tzinfo=NY)  # a Saturday night: no clinic until Monday

pytestmark = pytest.mark.django_db


def test_the_rota_hands_over_at_local_time_with_a_23_hour_shift_across_dst():
    rota = {
        "zone": NY,
        "handover": time(8),
        "starts_on": date(2026, 3, 7),
        "shift_days": 1,
        "members": [1, 2],
    }
    saturday = oncall.shift_at(datetime(2026, 3, 7, 12, tzinfo=NY), **rota)
    assert saturday.member == 1
    assert saturday.start == datetime(2026, 3, 7, 8, tzinfo=NY)
    assert saturday.end == datetime(2026, 3, 8, 8, tzinfo=NY)  # EDT by then
    assert saturday.end - saturday.start == timedelta(hours=23)
    assert oncall.shift_at(datetime(2026, 3, 8, 7, 59, tzinfo=NY), **rota).member == 1
    assert oncall.shift_at(datetime(2026, 3, 8, 8, 0, tzinfo=NY), **rota).member == 2
    assert oncall.shift_at(datetime(2026, 3, 7, 7, 59, tzinfo=NY), **rota) is None


@pytest.fixture
def rota(center):
    """Neurosurgery on call a day each from Sunday 1 March: Reyes on odd days of March
    counted from it, Singh on even ones (Saturday 7 March is Reyes's)."""
    reyes, singh = center.clinicians["Dr. Nora Reyes"], center.clinicians["Dr. Paul Singh"]
    reyes.email, singh.email = "reyes@center.example", "singh@center.example"
    reyes.save()
    singh.save()
    rota = OnCallRota.objects.create(
        name="Neurosurgery on call",
        specialty="neurosurgery",
        location=center.tower,
        handover=time(8),
        starts_on=date(2026, 3, 1),
    )
    OnCallRotaMember.objects.create(rota=rota, clinician=reyes, position=0)
    OnCallRotaMember.objects.create(rota=rota, clinician=singh, position=1)
    return rota


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def emergency(patient, **picture):
    fields = {"mass_effect": True, "brain_symptomatic": True, "sites": "brain"} | picture
    return referral_create(
        now=NOW,
        patient=patient,
        received_at=NOW - timedelta(minutes=10),
        referring_oncologist="Dr. Helen Park",
        primary_cancer="lung",
        **fields,
    )


def assess(client, referral, **body):
    return client.post(
        f"/api/v1/referrals/{referral.pk}/on-call-assessment/",
        {"encounter_class": "EMER"} | body,
        format="json",
    )


def test_a_saturday_night_emergency_is_assessed_at_once_by_the_on_call_surgeon(
    as_navigator, rota, alice
):
    referral = emergency(alice)
    page = Message.objects.get(template="emergency_page", to="reyes@center.example")
    assert page.payload == {"referral": referral.pk}  # the rota's surgeon is paged on arrival

    response = assess(as_navigator, referral)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["clinician_name"] == "Dr. Nora Reyes" and body["encounter_class"] == "EMER"
    assert body["is_consult"] is True
    assert datetime.fromisoformat(body["start"]) == NOW  # outside any clinic template
    referral.refresh_from_db()
    assert referral.sla_status_at(NOW) == "met"
    assert Alert.objects.get(kind="emergency", referral=referral).resolved_at == NOW

    paged = Message.objects.get(template="oncall_page")
    assert paged.to == "reyes@center.example"
    content = paged.payload["content"]
    assert "Sat 07 Mar 22:10, emergency department, Tower" in content["subject"]
    assert "Alice" not in content["body"] and "lung" not in content["body"]


def test_a_cover_shift_comes_before_the_rota_and_a_busy_surgeon_is_free_after_the_visit(
    as_navigator, center, rota, alice, bob
):
    singh = center.clinicians["Dr. Paul Singh"]
    OnCallShift.objects.create(
        specialty="neurosurgery",
        clinician=singh,
        location=center.tower,
        start=datetime(2026, 3, 7, 20, tzinfo=NY),
        end=datetime(2026, 3, 8, 2, tzinfo=NY),
        note="covering",
    )
    first = oncall_assessment_book(referral=emergency(bob), encounter_class="IMP", by=None, now=NOW)
    assert first.clinician == singh and first.encounter_class == "IMP"
    second = assess(as_navigator, emergency(alice)).json()
    assert second["clinician_name"] == "Dr. Paul Singh"
    assert datetime.fromisoformat(second["start"]) == first.end  # after bob's assessment


def test_a_non_emergency_or_a_clinic_setting_is_refused_and_nothing_is_booked(
    as_navigator, rota, alice, bob
):
    routine = referral_create(
        now=NOW,
        patient=bob,
        received_at=NOW,
        referring_oncologist="Dr. Helen Park",
        primary_cancer="lung",
        sites="brain",
    )
    refused = assess(as_navigator, routine)
    assert refused.status_code == 400 and "referral" in refused.json()["fields"]
    clinic = assess(as_navigator, emergency(alice), encounter_class="AMB")
    assert clinic.status_code == 400 and "encounter_class" in clinic.json()["fields"]
    assert not Appointment.objects.exists()


def test_with_nobody_on_call_it_says_so_naming_the_specialty(as_navigator, center, alice):
    response = assess(as_navigator, emergency(alice))
    assert response.status_code == 400 and "specialty" in response.json()["fields"]
    assert not Appointment.objects.exists()


def test_the_referral_page_offers_the_on_call_assessment(nina, rota, alice):
    referral = emergency(alice)
    client = logged_in(nina)
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Dr. Nora Reyes (neurosurgery) is on call until Sun 8 Mar, 08:00" in page
    booked = client.post(f"/referrals/{referral.pk}/on-call/", {"encounter_class": "EMER"})
    appointment = Appointment.objects.get()
    assert booked.status_code == 302 and booked.url == f"/appointments/{appointment.pk}/"
    assert appointment.encounter_class == "EMER" and appointment.clinician.name == "Dr. Nora Reyes"


def test_patients_cannot_book_an_on_call_assessment(alice, rota):
    assert assess(client_for(alice.user), emergency(alice)).status_code == 403
