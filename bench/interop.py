"""`make bench`, the interfaces' figures (called from `bench.run.main`).

- fhir_find_p95_ms  `GET /fhir/R4/Appointment/$find` (IHE parameter names) for three
                    specialties over a week of the synthetic center, with a SMART Backend
                    Services bearer token bought at the token endpoint with a signed
                    assertion; 100 requests over one keep-alive connection to gunicorn.
- siu_per_s         SIU rows of the outbox sent by a real Celery worker over MLLP to a
                    listener in this process (python-hl7's server, ACKing each); `baseline`
                    is no-op tasks a second on the same worker; `duplicates` and `lost`
                    count control ids the listener got twice and rows not sent.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import Counter
from datetime import timedelta
from urllib.parse import urlencode

FIND_REQUESTS = 100
FIND_WARM_UP = 5
FIND_TARGET_MS = 100
SIU_MESSAGES = 2000
SIU_TIMEOUT = 300.0
SIU_KEY = "siu:bench-"


def _bearer(port: int, token_url: str) -> str:
    """A SMART client registered with a fresh ES384 key; its access token."""
    import http.client

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from joserfc import jwt
    from joserfc.jwk import ECKey

    from interop.models import SmartClient
    from tumorboard.roles import NAVIGATOR

    key = ECKey.generate_key("P-384", parameters={"kid": "bench"})
    user, _ = get_user_model().objects.get_or_create(username="smart-bench")
    user.groups.add(Group.objects.get_or_create(name=NAVIGATOR)[0])
    client = SmartClient.objects.create(
        name="bench EHR",
        jwks={"keys": [key.as_dict(private=False)]},
        scopes="system/Appointment.rs",
        user=user,
    )
    now = int(time.time())
    claims = {"iss": client.client_id, "sub": client.client_id, "aud": token_url}
    claims |= {"exp": now + 240, "jti": uuid.uuid4().hex}
    assertion = jwt.encode({"alg": "ES384", "kid": "bench"}, claims, key, algorithms=["ES384"])
    form = urlencode(
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": "system/Appointment.rs",
        }
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/fhir/R4/auth/token",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"the token endpoint answered {response.status}: {body}")
    return body["access_token"]


def bench_fhir_find(bench_url: str) -> None:
    import http.client

    from bench.center_db import patients_create
    from bench.common import emit, gunicorn, log, next_monday, p50, p95, wait_until_up
    from bench.fhir import slot_search_load
    from navigation.models import Clinician

    _, api_token = slot_search_load()
    specialties = list(
        dict.fromkeys(
            Clinician.objects.filter(name__regex=r"^Dr\. Bench \d+$")
            .order_by("pk")
            .values_list("specialty", flat=True)
        )
    )[:3]
    patient = patients_create(prefix="fhir-find", count=1)[0]
    monday = next_monday()
    query = urlencode(
        [
            ("patient-reference", f"Patient/{patient}"),
            ("start", monday.isoformat()),
            ("end", (monday + timedelta(days=4)).isoformat()),
            *(("specialty", s) for s in specialties),
            ("_count", "5"),
        ]
    )
    path = f"/fhir/R4/Appointment/$find?{query}"
    with gunicorn(bench_url) as port:
        wait_until_up(port, api_token)
        bearer = _bearer(port, f"http://127.0.0.1:{port}/fhir/R4/auth/token")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {bearer}", "Accept": "application/fhir+json"}
        times, totals = [], []
        try:
            for n in range(FIND_WARM_UP + FIND_REQUESTS):
                started = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = json.loads(response.read())
                took = time.perf_counter() - started
                if response.status != 200:
                    raise RuntimeError(f"$find answered {response.status}: {str(body)[:200]}")
                if n >= FIND_WARM_UP:
                    times.append(took)
                    totals.append(body["total"])
        finally:
            conn.close()
    log(f"fhir $find: {specialties}, {min(totals)}-{max(totals)} options, median {p50(times)} ms")
    emit(
        "fhir_find_p95_ms",
        p95(times),
        "ms",
        target=FIND_TARGET_MS,
        requests=FIND_REQUESTS,
        median=p50(times),
        specialties=len(specialties),
        options=min(totals),
    )


def siu_rows_create(count: int) -> None:
    """`count` due SIU rows, each a distinct visit (MSH-10 and SCH-2 unique)."""
    from django.utils import timezone

    from notifications.models import Message

    now = timezone.now()
    template = (
        "MSH|^~\\&|TUMORBOARD||||20260309120000+0000||SIU^S12^SIU_S12|{n}|P|2.5.1\r"
        "SCH||bench-{n}^TUMORBOARD|||||||30|min||||||||||||||Booked\r"
        "TQ1|1||||||20260309120000+0000|20260309123000+0000\r"
        "PID|1||BENCH-{n}^^^TUMORBOARD^MR||Bench^Patient||19600101\r"
        "RGS|1|A\r"
        "AIS|1|A|pain_medicine^Pain medicine^L|20260309120000+0000|||30|min||Booked\r"
        "AIP|1|A|1^Dr. Bench|pain_medicine^Pain medicine^L||20260309120000+0000|||30|min||"
        "Booked\r"
    )
    Message.objects.bulk_create(
        (
            Message(
                channel=Message.Channel.HL7,
                to="bench",
                template="siu_s12",
                payload={"text": template.format(n=f"B{n:07d}"), "event": "S12"},
                idempotency_key=f"{SIU_KEY}{n}:0:booked:x",
                send_after=now - timedelta(minutes=1),
            )
            for n in range(count)
        ),
        batch_size=2000,
    )


def bench_siu(bench_url: str) -> None:
    from django.conf import settings

    from bench.common import emit, log
    from bench.notifications import (
        COUNTER_URL,
        _redis,
        celery_worker,
        noop_throughput,
        redis_urls,
        use_broker,
        wait_for,
    )
    from notifications.models import Message
    from notifications.services import dispatch_due
    from notifications.tasks import enqueue_send
    from tests.interop.mllp_listener import Listener
    from tumorboard.celery import app

    siu_rows_create(SIU_MESSAGES)
    worker_redis, counter_url = redis_urls(settings.REDIS_URL)
    counter = _redis(counter_url)
    counter.flushdb()
    previous = app.conf.broker_url
    use_broker(worker_redis.replace("unix://", "redis+socket://", 1))
    sent = Message.objects.filter(idempotency_key__startswith=SIU_KEY, status=Message.Status.SENT)
    listener = Listener().start()
    try:
        env = {
            **os.environ,
            "DATABASE_URL": bench_url,
            "REDIS_URL": worker_redis,
            COUNTER_URL: counter_url,
            "HL7_MLLP_ENDPOINT": listener.endpoint,
            "LOG_LEVEL": "WARNING",
        }
        env.pop("DEBUG", None)
        with celery_worker(env) as worker:
            noop_throughput(counter, worker, 20, 60.0)
            baseline = noop_throughput(counter, worker, SIU_MESSAGES, SIU_TIMEOUT)
            started = time.perf_counter()
            while ids := dispatch_due():
                enqueue_send(ids)
            finished = wait_for(lambda: sent.count() >= SIU_MESSAGES, worker, SIU_TIMEOUT)
            seconds = time.perf_counter() - started
    finally:
        listener.stop()
        use_broker(previous)
        counter.flushdb()
    delivered = sent.count()
    ids = Counter(listener.control_ids())
    log(
        f"siu: {delivered} sent in {seconds:.1f} s, {len(ids)} at the listener"
        f"{'' if finished else '; gave up waiting'}"
    )
    value = delivered / seconds
    emit(
        "siu_per_s",
        round(value, 1),
        "messages/s",
        baseline=round(baseline, 1),
        ratio=round(value / baseline, 3),
        messages=SIU_MESSAGES,
        delivered=len(ids),
        duplicates=sum(1 for n in ids.values() if n > 1),
        lost=SIU_MESSAGES - delivered,
        seconds=round(seconds, 2),
    )
