import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from navigation.models import Appointment, AvailabilityTemplate, Clinician, Location
from notifications.models import Alert, Message
from notifications.services import messages_send
from patients.models import Referral
from tumorboard.demo import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_center_loads_once_with_every_urgency(capsys):
    call_command("load_demo")
    call_command("load_demo")
    assert "(0 new referrals)" in capsys.readouterr().out
    assert Clinician.objects.count() >= 12
    navigator = get_user_model().objects.get(username="nina.navigator")
    assert navigator.get_full_name() == "Nina Navarro"  # the header greets her by name
    assert Location.objects.count() == 2
    assert len(set(Clinician.objects.values_list("specialty", flat=True))) == 10
    assert set(Referral.objects.values_list("urgency", flat=True)) == {
        "emergency",
        "urgent",
        "routine",
    }


NY = ZoneInfo("America/New_York")
# A Wednesday morning: three weeks of history behind it, a weekend among them.
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=NY)


@pytest.fixture
def demo(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(NOW, tick=False):
        load_demo(now=NOW)
        yield


def inside_a_session(appointment) -> bool:
    zone = ZoneInfo(appointment.location.time_zone)
    start, end = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
    return (
        start.date() == end.date()
        and AvailabilityTemplate.objects.filter(
            clinician=appointment.clinician,
            location=appointment.location,
            weekday=start.weekday(),
            start_time__lte=start.time(),
            end_time__gte=end.time(),
        ).exists()
    )


def test_every_demo_visit_is_booked_inside_a_clinic_session_then_seen_or_missed(demo):
    visits = list(Appointment.objects.select_related("location", "clinician"))
    assert len(visits) >= 10
    outside = [
        f"{a.clinician.name} {a.start.astimezone(NY):%a %H:%M}"
        for a in visits
        if not inside_a_session(a)
    ]
    assert outside == []
    history = Appointment.objects.filter(end__lte=NOW)
    assert set(history.values_list("status", flat=True)) <= {"completed", "no_show"}
    assert history.filter(status="completed").exists()
    # booked with the navigator's services, so each left its audit trail
    assert all(a.changes.filter(kind="booked").exists() for a in history)


def test_loading_the_demo_pages_nobody_about_an_emergency_long_gone(demo):
    assert not Alert.objects.filter(
        kind="emergency", resolved_at__isnull=True, referral__consult_at__isnull=False
    ).exists(), "the history's emergency alerts are resolved: their consults are booked"
    assert Alert.objects.filter(kind="emergency", resolved_at__isnull=True).exists()
    pending = list(Message.objects.filter(status="pending").values_list("id", flat=True))
    with time_machine.travel(NOW, tick=False):
        messages_send(ids=pending, now=NOW)
    pages = [m for m in mail.outbox if "emergency" in m.subject.lower()]
    paged = {int(re.search(r"/referrals/(\d+)/", m.body).group(1)) for m in pages}
    assert paged, "the demo's fresh emergency pages the on-call"
    for referral in Referral.objects.filter(pk__in=paged):
        assert referral.consult_due_at > NOW and referral.consult_at is None
    invited = Message.objects.filter(template__startswith="invite_", status="sent")
    visits = Appointment.objects.filter(pk__in=[m.payload["appointment"] for m in invited])
    assert not visits.filter(end__lte=NOW).exists(), "no invite to a visit already over"


def test_the_demo_plan_books_the_scanner_for_the_mri_and_the_interpreter_for_every_visit(
    demo,
):
    from navigation.models import AppointmentResource
    from patients.models import Patient
    from tests.conftest import client_for

    navigator = client_for(get_user_model().objects.get(username="nina.navigator"))
    patient = Patient.objects.get(interpreter_language="es")
    with time_machine.travel(NOW, tick=False):
        found = navigator.post(
            "/api/v1/itineraries/search/",
            {
                "patient": patient.pk,
                "specialties": ["neuroradiology", "neurosurgery", "radiation_oncology"],
                "date_from": "2026-03-05",
                "date_to": "2026-03-05",
            },
        )
        assert found.status_code == 200, found.json()
        option = found.json()["options"][0]
        taken = {v["specialty"]: [r["name"] for r in v["resources"]] for v in option["visits"]}
        interpreter = "Lucía Ortega, Spanish interpreter"
        assert taken == {
            "neuroradiology": ["MRI 3T (Tower)", interpreter],
            "neurosurgery": [interpreter],
            "radiation_oncology": [interpreter],
        }
        booked = navigator.post("/api/v1/itineraries/", {"patient": patient.pk, **option})
        assert booked.status_code == 201, booked.json()
    assert AppointmentResource.objects.filter(appointment__patient=patient).count() == 4
