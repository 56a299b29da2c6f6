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


def channel_for(name: str) -> Channel:
    if name == "sms":
        path = SMS_BACKENDS.get(settings.SMS_BACKEND, settings.SMS_BACKEND)
        return import_string(path)()
    if name == "email":
        from notifications.channels.email import EmailChannel

        return EmailChannel()
    raise ValueError(f"unknown channel {name!r}")
