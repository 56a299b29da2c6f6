from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tumorboard import auth
from tumorboard.health import healthz

api_v1 = [
    path("auth/token/", auth.ObtainTokenView.as_view(), name="auth-token"),
    path("", include("navigation.urls")),
    path("", include("patients.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]
