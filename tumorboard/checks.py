"""System checks for rules that span settings."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_debug_secret(app_configs, **kwargs):
    errors = []
    if not settings.DEBUG and settings.SECRET_KEY.startswith("dev-only"):
        errors.append(
            checks.Error(
                "SECRET_KEY is the development key",
                id="tumorboard.E001",
                hint="Set SECRET_KEY in the environment.",
            )
        )
    if settings.SMS_BACKEND == "twilio" and not (
        settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER
    ):
        errors.append(
            checks.Error(
                "SMS_BACKEND is twilio but TWILIO_* settings are incomplete", id="tumorboard.E002"
            )
        )
    return errors
