"""Each list page renders with the same number of queries whatever the amount of data."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from board.services.cases import case_submit
from navigation.models import Appointment
from notifications.models import Alert
from patients.models import Patient
from tests.web.conftest import BOARD_NOW, NY, frozen_at, logged_in, make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(BOARD_NOW) as traveller:
        yield traveller


def patients(count: int, offset: int = 0) -> list[Patient]:
    return [
        Patient.objects.create(
            mrn=f"QC{offset + n}", first_name="P", last_name=str(n), birth_date=date(1960, 1, 1)
        )
        for n in range(count)
    ]


def queries(client, path: str) -> int:
    """Queries of one page view, after a first view of it: the session's last activity is
    recorded at most every 30 s (the idle logout), which a first view may do."""
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def visits(center, count: int, offset: int, clinician=None) -> None:
    clinicians = list(center.clinicians.values())
    for n, patient in enumerate(patients(count, offset)):
        start = datetime(2026, 3, 4, 8, tzinfo=NY) + timedelta(minutes=30 * (offset + n))
        who = clinician or clinicians[n % len(clinicians)]
        Appointment.objects.create(
            patient=patient,
            clinician=who,
            location=center.tower,
            specialty=who.specialty,
            start=start,
            end=start + timedelta(minutes=30),
            override=bool(n % 2),
            override_reason="squeezed in" if n % 2 else "",
        )


def test_the_day_view(nina, center):
    client = logged_in(nina)
    client.get("/day/?day=2026-03-04")
    visits(center, 2, 0)
    small = queries(client, "/day/?day=2026-03-04")
    visits(center, 12, 2)
    assert queries(client, "/day/?day=2026-03-04") == small


def test_the_alerts(nina, alice):
    client = logged_in(nina)
    client.get("/alerts/")
    referral = make_referral(alice, now=BOARD_NOW)
    for n in range(2):
        Alert.objects.create(kind="at_risk", text="x", dedupe_key=f"a{n}", referral=referral)
    small = queries(client, "/alerts/")
    for n, patient in enumerate(patients(10)):
        Alert.objects.create(kind="patient_reply", text="y", dedupe_key=f"b{n}", patient=patient)
    assert queries(client, "/alerts/") == small


def test_the_agenda_and_my_week(sam, nina, meeting, radiation, center):
    client = logged_in(sam)
    client.get(f"/board/meetings/{meeting.pk}/")

    def submit(count: int, offset: int) -> None:
        for patient in patients(count, offset):
            referral = make_referral(patient, now=BOARD_NOW)
            case_submit(meeting=meeting, referral=referral, question="?", by=nina, now=BOARD_NOW)

    submit(1, 100)
    visits(center, 1, 200, clinician=radiation)
    agenda, week = queries(client, f"/board/meetings/{meeting.pk}/"), queries(client, "/me/week/")
    submit(6, 300)
    visits(center, 6, 400, clinician=radiation)
    assert queries(client, f"/board/meetings/{meeting.pk}/") == agenda
    assert queries(client, "/me/week/") == week


def test_the_patient_search_and_the_intake_forms(nina, center):
    client = logged_in(nina)
    for n, patient in enumerate(patients(2)):
        make_referral(patient, now=BOARD_NOW, received_at=BOARD_NOW - timedelta(hours=n + 1))
    search = "/patients/?q=P"
    small = queries(client, search), queries(client, f"/referrals/new/?patient={patient.pk}")
    for patient in patients(8, offset=10):
        for hours, sites in ((1, "brain"), (2, "spine")):  # two open referrals, not twins
            make_referral(
                patient, now=BOARD_NOW, received_at=BOARD_NOW - timedelta(hours=hours), sites=sites
            )
    big = queries(client, search), queries(client, f"/referrals/new/?patient={patient.pk}")
    assert big == small
    assert queries(client, "/patients/new/") == queries(client, "/referrals/new/")


def test_a_visit_and_its_referral(nina, center, alice):
    from navigation.services import (
        VisitRequest,
        appointment_book,
        appointment_reschedule,
        appointment_set_status,
    )
    from notifications.inbound import sms_received

    client = logged_in(nina)
    referral = make_referral(alice, now=BOARD_NOW)
    visit = appointment_book(
        patient=alice,
        visit=VisitRequest(
            clinician=center.first("pain_medicine"), start=datetime(2026, 3, 9, 14, tzinfo=NY)
        ),
        referral=referral,
        by=nina,
        now=BOARD_NOW,
    )
    pages = (f"/appointments/{visit.pk}/", f"/referrals/{referral.pk}/")
    small = [queries(client, path) for path in pages]
    for hour in (9, 10, 11):
        visit = appointment_reschedule(
            appointment=visit, start=datetime(2026, 3, 10, hour, tzinfo=NY), by=nina, now=BOARD_NOW
        )
        appointment_set_status(
            appointment=visit, status="no_show", by=nina, now=visit.start + timedelta(minutes=20)
        )
        appointment_set_status(appointment=visit, status="booked", by=nina)
    sms_received(sender=str(alice.phone), body="R", sid="SMq", now=BOARD_NOW)
    assert [queries(client, path) for path in pages] == small


def test_the_alerts_with_resolved_ones_shown(nina, alice):
    from notifications.alerts import alerts_resolve

    client = logged_in(nina)
    referral = make_referral(alice, now=BOARD_NOW)
    Alert.objects.create(kind="emergency", text="x", dedupe_key="e0", referral=referral)
    alerts_resolve(kinds=["emergency"], reason="The consult is booked.", now=BOARD_NOW)
    small = queries(client, "/alerts/?show=all")
    for n, patient in enumerate(patients(8)):
        Alert.objects.create(kind="at_risk", text="y", dedupe_key=f"c{n}", patient=patient)
    alerts_resolve(kinds=["at_risk"], reason="The consult is booked.", now=BOARD_NOW)
    assert queries(client, "/alerts/?show=all") == small


def test_a_specialists_read_of_a_referral(sam, nina, alice, radiation, center):
    referral = make_referral(alice, now=BOARD_NOW)
    client = logged_in(sam)

    def book(count: int, offset: int) -> None:
        for n in range(count):
            start = datetime(2026, 3, 5, 8, tzinfo=NY) + timedelta(minutes=30 * (offset + n))
            Appointment.objects.create(
                patient=alice,
                clinician=radiation,
                location=center.pavilion,
                specialty=radiation.specialty,
                start=start,
                end=start + timedelta(minutes=30),
                referral=referral,
            )

    book(1, 0)
    client.get(f"/referrals/{referral.pk}/")
    small = queries(client, f"/referrals/{referral.pk}/")
    book(6, 1)
    assert queries(client, f"/referrals/{referral.pk}/") == small


def test_the_case_page_with_its_attendance(sam, nina, meeting, radiation, center):
    from board.services.meetings import attendance_record

    referral = make_referral(patients(1, 500)[0], now=BOARD_NOW)
    case = case_submit(meeting=meeting, referral=referral, question="?", by=nina, now=BOARD_NOW)
    client = logged_in(sam)
    client.get(f"/board/cases/{case.pk}/")
    attendance_record(meeting=meeting, clinician=radiation, present=True, by=nina, now=BOARD_NOW)
    small = queries(client, f"/board/cases/{case.pk}/")
    for clinician in list(center.clinicians.values())[:5]:
        attendance_record(
            meeting=meeting, clinician=clinician, present=True, by=nina, now=BOARD_NOW
        )
    assert queries(client, f"/board/cases/{case.pk}/") == small
