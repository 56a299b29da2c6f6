"""A local stand-in for Twilio's Messages REST API, speaking its real protocol: form-encoded
POSTs with HTTP basic auth to /2010-04-01/Accounts/{sid}/Messages.json, JSON answers and
Twilio's error bodies. Tests script its behaviour and read what it received."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "stub-auth-token-0123456789abcdef"
FROM_NUMBER = "+16175550100"


class TwilioStub:
    def __init__(self):
        self.received: list[dict] = []
        # per request: "ok", an HTTP status, "timeout", or "opted_out" (Twilio's 21610)
        self.script: list[str | int] = []
        self.opted_out: set[str] = set()  # numbers that replied STOP to FROM_NUMBER
        self.refused: list[str] = []  # the numbers of requests answered with an error
        self.delay = 0.0
        self.in_flight = 0
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API
            disable_nagle_algorithm = True  # headers and body are written apart

            def log_message(self, *args):  # keep test output quiet
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
                return self.headers.get("Authorization") == f"Basic {expected}"

            def do_POST(self):  # noqa: N802 - the http.server API
                if not self._authorized():
                    return self._reply(
                        401, {"code": 20003, "message": "Authenticate", "status": 401}
                    )
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with stub.lock:
                    action = stub.script.pop(0) if stub.script else "ok"
                    stub.in_flight += 1
                try:
                    self._create(form, action)
                finally:
                    with stub.lock:
                        stub.in_flight -= 1

            def _create(self, form: dict, action) -> None:
                if action == "opted_out" or form.get("To") in stub.opted_out:
                    # Twilio's answer for a number that replied STOP to the sender: HTTP 400,
                    # error 21610, and the message is not created.
                    with stub.lock:
                        stub.refused.append(form.get("To"))
                    return self._reply(
                        400,
                        {
                            "code": 21610,
                            "message": "Attempt to send to unsubscribed recipient",
                            "more_info": "https://www.twilio.com/docs/errors/21610",
                            "status": 400,
                        },
                    )
                if action == "timeout":
                    time.sleep(3)
                    return self._reply(503, {"code": 20500, "message": "late", "status": 503})
                if action != "ok":
                    return self._reply(
                        int(action),
                        {
                            "code": 21211 if int(action) < 500 else 20500,
                            "message": "The 'To' number is not a valid phone number."
                            if int(action) < 500
                            else "Internal Server Error",
                            "more_info": "https://www.twilio.com/docs/errors/21211",
                            "status": int(action),
                        },
                    )
                time.sleep(stub.delay)
                sid = "SM" + uuid.uuid4().hex
                record = {
                    "sid": sid,
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "body": form.get("Body"),
                    "status": "queued",
                    "status_callback": form.get("StatusCallback"),
                    "account_sid": ACCOUNT_SID,
                    "num_segments": "1",
                    "date_created": format_datetime(datetime.now(UTC)),
                    "api_version": "2010-04-01",
                    "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
                }
                with stub.lock:
                    stub.received.append(record)
                self._reply(201, record)

            def do_GET(self):  # noqa: N802
                if not self._authorized():
                    return self._reply(
                        401, {"code": 20003, "message": "Authenticate", "status": 401}
                    )
                query = parse_qs(urlsplit(self.path).query)
                to = query.get("To", [None])[0]
                with stub.lock:
                    found = [m for m in stub.received if to is None or m["to"] == to]
                self._reply(
                    200,
                    {
                        "messages": found,
                        "page": 0,
                        "page_size": 50,
                        "next_page_uri": None,
                        "previous_page_uri": None,
                        "first_page_uri": urlsplit(self.path).path,
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def worker_env(self) -> dict[str, str]:
        """The settings a Celery worker process needs to text through this stub."""
        return {
            "SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE_URL": self.url,
            "SMS_TIMEOUT_SECONDS": "5",
        }

    def bodies_to(self, number: str) -> list[str]:
        return [m["body"] for m in self.received if m["to"] == number]
