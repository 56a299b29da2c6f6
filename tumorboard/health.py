"""`/healthz`: the database, Redis and Celery workers; 200 when all are up, else 503."""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from tumorboard.celery import app

BEAT_KEY = "tumorboard:beat:last"


def redis_client(**kwargs) -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1, **kwargs
    )


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"status": "up"}
    except Exception as exc:  # noqa: BLE001 - any failure means down
        return {"status": "down", "error": type(exc).__name__}


def _redis() -> dict:
    try:
        redis_client().ping()
        return {"status": "up"}
    except redis.RedisError as exc:
        return {"status": "down", "error": type(exc).__name__}


def _celery(redis_up: bool) -> dict:
    if not redis_up:
        return {"status": "down", "error": "broker unreachable"}
    try:
        replies = app.control.ping(timeout=1.0)
    except Exception as exc:  # noqa: BLE001
        return {"status": "down", "error": type(exc).__name__}
    if not replies:
        return {"status": "down", "error": "no worker answered", "workers": 0}
    return {"status": "up", "workers": len(replies)}


def _scheduler(redis_up: bool) -> dict:
    """Informational: when Celery beat last ran its heartbeat (does not decide the status)."""
    if not redis_up:
        return {"status": "unknown"}
    try:
        last = redis_client().get(BEAT_KEY)
    except redis.RedisError:
        return {"status": "unknown"}
    if last is None:
        return {"status": "unknown"}
    age = int(time.time() - float(last))
    return {"status": "up" if age < 120 else "stale", "last_beat_seconds_ago": age}


def healthz(request):
    database = _database()
    redis_state = _redis()
    redis_up = redis_state["status"] == "up"
    services = {"database": database, "redis": redis_state, "celery": _celery(redis_up)}
    down = [name for name, state in services.items() if state["status"] != "up"]
    body = {
        "status": "down" if down else "up",
        "down": down,
        **services,
        "scheduler": _scheduler(redis_up),
    }
    return JsonResponse(body, status=503 if down else 200)
