"""One class per channel behind one small interface, chosen in settings like Django's
email backends: `send(message, content) -> provider_id`, raising DeliveryError."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.channels.base import Channel, Content, DeliveryError

SMS_BACKENDS = {
    "console": "notifications.channels.sms.ConsoleSMS",
    "twilio": "notifications.channels.sms.TwilioSMS",
}

__all__ = ["Channel", "Content", "DeliveryError", "channel_for"]


_channels: dict[tuple, Channel] = {}


def channel_for(name: str) -> Channel:
    """One channel object per process and configuration, so its HTTP connection to the
    provider is reused from message to message."""
    key = (
        name,
        settings.SMS_BACKEND,
        settings.TWILIO_API_BASE_URL,
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.SMS_TIMEOUT_SECONDS,
    )
    if key not in _channels:
        if name == "sms":
            path = SMS_BACKENDS.get(settings.SMS_BACKEND, settings.SMS_BACKEND)
            _channels[key] = import_string(path)()
        elif name == "email":
            from notifications.channels.email import EmailChannel

            _channels[key] = EmailChannel()
        elif name == "hl7":
            from notifications.channels.mllp import MLLPChannel

            _channels[key] = MLLPChannel()
        else:
            raise ValueError(f"unknown channel {name!r}")
    return _channels[key]
