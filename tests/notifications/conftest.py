import pytest

from tests.notifications.twilio_stub import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioStub


@pytest.fixture
def twilio(settings):
    """The SMS backend is Twilio's, talking to a local stub of its REST API."""
    with TwilioStub() as stub:
        settings.SMS_BACKEND = "twilio"
        settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
        settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
        settings.TWILIO_FROM_NUMBER = FROM_NUMBER
        settings.TWILIO_API_BASE_URL = stub.url
        settings.SMS_TIMEOUT_SECONDS = 1
        yield stub


@pytest.fixture(autouse=True)
def email_locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
