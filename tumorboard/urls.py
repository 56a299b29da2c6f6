from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from identity import views as identity_views
from identity.api import SignInEventViewSet
from interop.views import unknown as fhir_unknown
from notifications import patient_pages
from notifications.api import clinician_feed
from tumorboard import auth
from tumorboard.api_errors import api_unknown
from tumorboard.audit_api import AuditEventViewSet
from tumorboard.health import healthz

audit_router = SimpleRouter(trailing_slash=True)
audit_router.register("audit", AuditEventViewSet, basename="audit")

api_v1 = [
    path("auth/token/", auth.ObtainTokenView.as_view(), name="auth-token"),
    path(
        "audit/sign-ins/",
        SignInEventViewSet.as_view({"get": "list"}),
        name="audit-sign-ins",
    ),
    *audit_router.urls,
    path("", include("navigation.urls")),
    path("", include("notifications.urls")),
    path("", include("patients.urls")),
    path("", include("board.urls")),
    path("", include("care.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("calendar/<str:token>.ics", clinician_feed, name="clinician-feed"),
    path("p/<str:code>", patient_pages.plan, name="patient-plan"),
    path(
        "p/<str:code>/visit/<int:visit_id>.ics", patient_pages.visit_ics, name="patient-visit-ics"
    ),
    path("p/<str:code>/verify", patient_pages.verify, name="patient-verify"),
    path("p/<str:code>/confirm", patient_pages.confirm, name="patient-confirm"),
    path("p/<str:code>/reschedule", patient_pages.reschedule, name="patient-reschedule"),
    path("admin/login/", identity_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("fhir/R4/", include("interop.urls")),
    re_path(r"^fhir/(?P<path>.*)$", fhir_unknown),  # other FHIR versions: OperationOutcome
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's page carries one inline <style>; its script is a separate request.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="docs",
    ),
    re_path(r"^api/(?P<rest>.*)$", api_unknown),  # JSON 404s, a missing slash named
    path("", include("identity.urls")),
    path("", include("web.urls")),
]
