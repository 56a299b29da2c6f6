"""/healthz against the real database, Redis and a real Celery worker."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client

from tumorboard.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_it_is_up_when_the_database_redis_and_a_worker_are(transactional_db, worker):
    # transactional_db: the in-process worker closes Django connections, as real workers do.
    response = Client().get("/healthz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "up"
    assert body["database"]["status"] == body["redis"]["status"] == "up"
    assert body["celery"] == {"status": "up", "workers": 1}


def test_it_names_celery_when_no_worker_answers():
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["celery"]


def test_it_names_redis_when_redis_is_unreachable(settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/nothing-listens-here.sock"
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["redis"]["status"] == "down"
    assert "redis" in body["down"]
    assert body["database"]["status"] == "up"
