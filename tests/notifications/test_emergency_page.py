"""An emergency referral pages people at once: every navigator and the on-call clinicians
get an email on the alerts queue, besides the in-app alert. It names no patient and no
diagnosis; only the deadline and a link."""

from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from django.conf import settings
from django.core import mail

from notifications.models import Alert, Message
from notifications.services import message_send
from notifications.tasks import enqueue_send
from patients.services import referral_create, referral_update
from tumorboard.celery import app

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 7, 22, 30, tzinfo=NY)  # a Saturday night
CORD_COMPRESSION = {
    "sites": "spine",
    "neuro_status": "new_deficit",
    "weakness": True,
    "pain_score": 8,
    "bilsky_grade": "3",
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def on_call(center, nina, sam):
    nina.email = "nina@center.example"
    nina.save()
    sam.email = "sam@center.example"  # a specialist, not on call tonight
    sam.save()
    surgeon = center.first("spine_surgery")
    surgeon.on_call, surgeon.email = True, "spine-on-call@center.example"
    surgeon.save()
    return surgeon


def emergency(alice, nina):
    return referral_create(
        patient=alice,
        received_at=NOW,
        created_by=nina,
        now=NOW,
        referring_oncologist="Dr. Helen Park",
        primary_cancer="breast",
        **CORD_COMPRESSION,
    )


def test_an_emergency_pages_the_navigators_and_the_on_call_surgeon_at_once(on_call, alice, nina):
    referral = emergency(alice, nina)
    pages = Message.objects.filter(template="emergency_page")
    assert sorted(pages.values_list("to", flat=True)) == [
        "nina@center.example",
        "spine-on-call@center.example",
    ]
    assert Alert.objects.filter(kind="emergency", referral=referral).count() == 1
    for page in pages:
        assert message_send(message_id=page.pk, now=NOW) == "sent"
    assert len(mail.outbox) == 2
    email = mail.outbox[0]
    assert email.subject == "EMERGENCY referral: consult due by Sun 08 Mar 23:30"
    assert f"{settings.SITE_URL}/referrals/{referral.pk}/" in email.body
    assert f"arrived at {settings.CENTER_NAME}." in email.body  # plain text: "&", not "&amp;"
    for secret in ("Alice", "Archer", alice.mrn, "breast", "cord", "Bilsky", "deficit"):
        assert secret.lower() not in (email.subject + email.body).lower()


def test_a_routine_referral_pages_nobody_and_a_page_is_never_sent_twice(on_call, alice, nina):
    routine = referral_create(
        patient=alice, received_at=NOW, created_by=nina, now=NOW, sites="brain"
    )
    assert not Message.objects.filter(template="emergency_page").exists()
    referral_update(referral=routine, now=NOW, **CORD_COMPRESSION)  # it becomes an emergency
    assert Message.objects.filter(template="emergency_page").count() == 2
    referral_update(referral=routine, now=NOW, pain_score=9)  # still one: no second page
    assert Message.objects.filter(template="emergency_page").count() == 2


def test_pages_ride_the_alerts_queue_never_behind_the_reminders(on_call, alice, nina):
    emergency(alice, nina)
    before = broker().llen("alerts"), broker().llen("reminders")
    enqueue_send([m.pk for m in Message.objects.filter(template="emergency_page")])
    assert broker().llen("alerts") == before[0] + 1  # one send task carries both pages
    assert broker().llen("reminders") == before[1]


def broker() -> redis.Redis:
    """This test process's broker database (tests/conftest.py gives each its own)."""
    url = urlsplit(app.conf.broker_url)
    if url.scheme == "redis+socket":
        vhost = parse_qs(url.query).get("virtual_host", ["0"])[0]
        return redis.Redis(unix_socket_path=url.path, db=int(vhost))
    return redis.Redis.from_url(app.conf.broker_url)
