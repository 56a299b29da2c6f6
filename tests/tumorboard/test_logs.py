"""Logs carry no names, phone numbers or email addresses."""

import io
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications.services import dispatch_due, message_send
from tumorboard.logs import redact

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)


def test_redaction_masks_numbers_and_addresses_but_not_dates_or_ids():
    line = (
        "to +16175550111 or (617) 555-0111 or 617.555.0111, cc alice@example.org; "
        "referral 1234 at 2026-03-09 14:00:00, visit 20260309T140000Z"
    )
    assert redact(line) == (
        "to [phone] or [phone] or [phone], cc [email]; "
        "referral 1234 at 2026-03-09 14:00:00, visit 20260309T140000Z"
    )


@pytest.fixture
def captured_logs():
    """What the configured console handler (filter and formatter included) writes."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    old_stream = handler.setStream(stream)
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    logging.getLogger("twilio").setLevel(logging.DEBUG)  # the chattiest library, on purpose
    yield stream
    root.setLevel(old_level)
    logging.getLogger("twilio").setLevel(logging.WARNING)
    handler.setStream(old_stream)


@pytest.mark.django_db
def test_a_booking_and_its_texts_leave_no_identifier_in_the_logs(
    captured_logs, as_navigator, center, alice, twilio
):
    with time_machine.travel(NOW, tick=False):
        response = as_navigator.post(
            "/api/v1/appointments/",
            {
                "patient": alice.pk,
                "clinician": center.first("pain_medicine").pk,
                "start": "2026-03-09T14:00:00-04:00",
            },
        )
        assert response.status_code == 201
        as_navigator.get(f"/api/v1/patients/{alice.pk}/")
        as_navigator.post("/api/v1/patients/", {"mrn": "X", "phone": "nonsense"})
    for message_id in dispatch_due(now=datetime(2026, 3, 9, 12, 0, tzinfo=NY)):
        message_send(message_id=message_id, now=datetime(2026, 3, 9, 12, 0, tzinfo=NY))
    assert len(twilio.received) == 1  # the 2-hour reminder went out (and was logged)
    output = captured_logs.getvalue()
    assert output  # the libraries did log
    for secret in ("Alice", "Archer", "6175550111", "555-0111", "alice@example.org"):
        assert secret not in output, secret
