"""A run and a navigator booking at the same time: the booking waits for the run (which
took every booking lock when it began) and goes through once the run ends; neither is
aborted as a deadlock. Real PostgreSQL, two connections; bounded waits, no sleeps."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import OperationalError, connection, connections, transaction

from navigation.models import Appointment
from navigation.services import VisitRequest, appointment_book
from patients.models import Patient
from simulator.runner import Scenario, simulate
from tests.simulator.conftest import MONDAY, at

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 60  # seconds: a bound, not a pause


def book(surgeon, patient):
    return appointment_book(
        patient=patient,
        visit=VisitRequest(clinician=surgeon, start=at(16, 10)),
        by=None,
        now=at(6, 8),
    )


def test_a_real_booking_waits_for_a_run_and_then_goes_through(solo):
    patient = Patient.objects.create(
        mrn="REAL-1", first_name="Rita", last_name="Real", birth_date=date(1950, 5, 5)
    )
    running, release, done = threading.Event(), threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def progress():
        running.set()
        assert release.wait(WAIT), "the test never released the run"

    def run():
        try:
            simulate(
                Scenario(first_day=MONDAY, weeks=1, rate=4, seed=1, board_share=0),
                progress=progress,
            )
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
        finally:
            connections.close_all()
            done.set()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert running.wait(WAIT), "the run never started booking"
        with pytest.raises(OperationalError, match="lock timeout"):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                book(solo, patient)
    finally:
        release.set()
        assert done.wait(WAIT), "the run never finished"
        worker.join()
    assert failures == []
    booked = book(solo, patient)  # the run is over: its locks are gone, nothing of it left
    assert list(Appointment.objects.values_list("pk", flat=True)) == [booked.pk]
