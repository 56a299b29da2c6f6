"""Email through Django's email framework; invites ride as `text/calendar; method=...`
parts so Outlook, Google and Apple treat them as invitations."""

from __future__ import annotations

from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from notifications.channels.base import Channel, Content, DeliveryError


class EmailChannel(Channel):
    def send(self, *, to: str, content: Content, key: str) -> str:
        email = EmailMultiAlternatives(
            subject=content.subject,
            body=content.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            headers={"Message-ID": f"<{key.replace(':', '.')}@tumorboard>"},
        )
        for name, data, mimetype in content.attachments:
            if mimetype.startswith("text/calendar"):
                email.attach_alternative(data.decode(), mimetype)
                email.attach(name, data, "application/ics")
            elif mimetype == "text/html":
                email.attach_alternative(data.decode(), mimetype)
            else:
                email.attach(name, data, mimetype)
        try:
            email.send()
        except (SMTPException, OSError) as exc:
            raise DeliveryError(
                f"mail server refused ({type(exc).__name__})", permanent=False
            ) from None
        return email.extra_headers["Message-ID"]
