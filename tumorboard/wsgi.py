import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")
application = get_wsgi_application()

# Import every view now, then move what start-up made (Django, DRF, the views; hundreds
# of thousands of objects) out of the collector's reach: a request allocates enough
# container objects to trigger a full collection every dozen or so requests, and each
# would walk them all again (over 100 ms on a health system's search; its p95 was
# those pauses). Frozen objects are never freed, and start-up's never are anyway.
get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views
gc.collect()
gc.freeze()
