"""Texts from patients through the provider's signed webhook: keywords, C and R."""

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient
from twilio.request_validator import RequestValidator

from navigation.services import VisitRequest, appointment_book
from notifications.models import Alert, Message
from tests.notifications.twilio_stub import AUTH_TOKEN

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
URL = "http://testserver/api/v1/sms/inbound/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def text_in(patient, body, sid="SM1", url=URL, signature=None):
    params = {
        "From": str(patient.phone),
        "To": "+16175550100",
        "Body": body,
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
    }
    signature = signature or RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return post_form(url, params, signature)


def post_form(url, params, signature):
    """As the provider posts: application/x-www-form-urlencoded, signed."""
    return APIClient().post(
        url.removeprefix("http://testserver"),
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def book_monday_visit(center, patient, nina):
    """A visit next Monday 14:00, which plans the patient's three reminder texts."""
    return appointment_book(
        patient=patient,
        visit=VisitRequest(
            clinician=center.first("pain_medicine"), start=datetime(2026, 3, 9, 14, tzinfo=NY)
        ),
        by=nina,
        now=NOW,
    )


def replies_to(patient):
    return list(
        Message.objects.filter(patient=patient, template__startswith="reply_").values_list(
            "template", flat=True
        )
    )


def test_a_bad_signature_is_refused_and_changes_nothing(alice):
    response = text_in(alice, "STOP", signature="forged")
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.sms_consent is True
    assert not Message.objects.exists()


def test_a_malformed_webhook_gets_a_clear_400(alice):
    params = {"From": str(alice.phone), "MessageSid": "SM9"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(URL, params)
    response = post_form(URL, params, signature)
    assert response.status_code == 400
    assert "Body" in response.json()["fields"]


@pytest.mark.parametrize(
    "word", ["STOP", "stop", "Unsubscribe", "QUIT", "OptOut", "please stop texting me"]
)
def test_an_opt_out_word_stops_texts_at_once_with_one_confirmation(center, alice, nina, word):
    book_monday_visit(center, alice, nina)
    assert Message.objects.filter(template="reminder", status="pending").count() == 3
    assert text_in(alice, word).status_code == 200
    alice.refresh_from_db()
    assert alice.sms_consent is False
    assert not Message.objects.filter(template="reminder", status="pending").exists()
    text_in(alice, word, sid="SM2")  # a second STOP: no second confirmation
    assert replies_to(alice) == ["reply_opted_out"]
    assert "START" in Message.objects.get(template="reply_opted_out").payload["text"]


def test_start_restores_consent_and_the_reminders(center, alice, nina):
    book_monday_visit(center, alice, nina)
    text_in(alice, "STOP")
    text_in(alice, "START", sid="SM2")
    alice.refresh_from_db()
    assert alice.sms_consent is True
    assert Message.objects.filter(template="reminder", status="pending").count() == 3
    assert replies_to(alice) == ["reply_opted_out", "reply_opted_in"]


def test_help_answers_with_the_centers_phone(alice, settings):
    text_in(alice, "HELP")
    assert settings.CENTER_PHONE in Message.objects.get(template="reply_help").payload["text"]


def test_cancel_opts_out_and_tells_the_navigator(alice):
    text_in(alice, "CANCEL")
    alice.refresh_from_db()
    assert alice.sms_consent is False
    assert "may want to cancel" in Alert.objects.get(kind="patient_reply").text


def test_c_confirms_the_next_visit(center, alice, nina):
    visit = book_monday_visit(center, alice, nina)
    text_in(alice, "c")
    visit.refresh_from_db()
    assert visit.patient_confirmed_at == NOW
    assert "Mon 3/9 2:00pm" in Message.objects.get(template="reply_confirmed").payload["text"]


def test_r_asks_a_navigator_to_reschedule(alice):
    text_in(alice, "R")
    assert "reschedule" in Alert.objects.get(kind="patient_reply").text
    assert replies_to(alice) == ["reply_reschedule_requested"]


def test_anything_else_gets_help_and_a_navigator_alert(alice):
    text_in(alice, "what time is my appointment?")
    assert replies_to(alice) == ["reply_unknown"]
    assert Alert.objects.filter(kind="patient_reply").count() == 1


def test_a_provider_retry_of_the_same_text_changes_nothing_more(alice):
    text_in(alice, "R")
    text_in(alice, "R")
    assert Alert.objects.count() == 1
    assert replies_to(alice) == ["reply_reschedule_requested"]


def test_an_unknown_number_is_answered_200_and_nothing_happens(db):
    from patients.models import Patient

    stranger = Patient(phone="+16175559999")
    assert text_in(stranger, "STOP").status_code == 200
    assert not Message.objects.exists()


def test_delivery_callbacks_update_the_outbox(center, alice, nina):
    book_monday_visit(center, alice, nina)
    message = Message.objects.filter(template="reminder").first()
    Message.objects.filter(pk=message.pk).update(provider_id="SMabc", status="sent")
    url = "http://testserver/api/v1/sms/status/"
    params = {"MessageSid": "SMabc", "MessageStatus": "delivered"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    response = post_form(url, params, signature)
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.provider_status == "delivered"
