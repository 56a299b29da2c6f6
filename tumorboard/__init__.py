"""The tumor-board scheduling service: settings, URLs, the Celery app and shared plumbing."""

from tumorboard.celery import app as celery_app

__all__ = ["celery_app"]
