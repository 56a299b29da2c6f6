"""SMS channels: a console one for development and Twilio (official library)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings

from notifications.channels.base import Channel, Content, DeliveryError

log = logging.getLogger(__name__)
CLOCK_SKEW = timedelta(minutes=1)
# Twilio's "Attempt to send to unsubscribed recipient": the number replied STOP to our
# sending number, and Twilio will refuse every text to it until it replies START.
OPTED_OUT_CODES = {21610}


class ConsoleSMS(Channel):
    """Development: prints the text; the number is masked, as in every log line."""

    def send(self, *, to: str, content: Content, key: str) -> str:
        provider_id = f"console-{uuid.uuid4().hex[:12]}"
        print(f"[sms to …{to[-2:]}] {content.body}")  # noqa: T201 - the console backend's job
        return provider_id


class TwilioSMS(Channel):
    """Twilio's Messages API through the `twilio` library. `TWILIO_API_BASE_URL` points it
    at a local stub in tests; it is Twilio's own host in production.

    A worker has up to `concurrent_sends` texts in flight (a send is mostly waiting for
    Twilio's answer); `find_sent` recovers any of them, and the library's HTTP session
    pools connections for several threads."""

    concurrent_sends = 8

    def __init__(self):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=settings.SMS_TIMEOUT_SECONDS),
        )
        self.client.api.base_url = settings.TWILIO_API_BASE_URL

    def send(self, *, to: str, content: Content, key: str) -> str:
        from requests import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        kwargs = {"to": to, "from_": settings.TWILIO_FROM_NUMBER, "body": content.body}
        if settings.SMS_STATUS_CALLBACK_URL:
            kwargs["status_callback"] = settings.SMS_STATUS_CALLBACK_URL
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            if exc.code in OPTED_OUT_CODES:
                raise DeliveryError(
                    f"the recipient opted out at the provider (code {exc.code})",
                    permanent=True,
                    opted_out=True,
                ) from None
            temporary = exc.status == 429 or exc.status >= 500
            raise DeliveryError(
                f"provider said {exc.status} (code {exc.code})", permanent=not temporary
            ) from None
        except (RequestException, TwilioException) as exc:
            raise DeliveryError(
                f"provider unreachable ({type(exc).__name__})", permanent=False
            ) from None
        return message.sid

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        from requests import RequestException
        from twilio.base.exceptions import TwilioException

        try:
            recent = self.client.messages.list(to=to, date_sent_after=since - CLOCK_SKEW, limit=50)
        except (RequestException, TwilioException):
            return None
        return next(
            (
                m.sid
                for m in recent
                if m.body == body and m.date_created and m.date_created >= since - CLOCK_SKEW
            ),
            None,
        )
