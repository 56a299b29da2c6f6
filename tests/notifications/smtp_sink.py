"""A real SMTP server in the test process (aiosmtpd) standing in for the mail relay, so a
Celery worker in another process sends email over SMTP as in production. It keeps what
it accepted; `delay` holds each message before the 250 reply, as a slow relay does."""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes

from aiosmtpd.controller import Controller


class SmtpSink:
    def __init__(self):
        self.accepted: list[dict] = []  # {"message_id", "to", "subject"} per accepted mail
        self.delay = 0.0
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
                await asyncio.sleep(sink.delay)
                mail = message_from_bytes(envelope.content)
                with sink.lock:  # accepted: the relay answers 250 and owns the message
                    sink.accepted.append(
                        {
                            "message_id": mail["Message-ID"],
                            "to": envelope.rcpt_tos,
                            "subject": mail["Subject"],
                        }
                    )
                return "250 Message accepted for delivery"

        with socket.socket() as probe:  # a free port (aiosmtpd checks it by connecting)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def worker_env(self) -> dict[str, str]:
        """The settings a Celery worker process needs to send email to this sink."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "",
        }
