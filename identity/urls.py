from django.urls import path

from identity import views
from identity.oidc import StaffOIDCCallbackView, StaffOIDCRequestView

app_name = "identity"

urlpatterns = [
    path("oidc/authenticate/", StaffOIDCRequestView.as_view(), name="oidc_authenticate"),
    path("oidc/callback/", StaffOIDCCallbackView.as_view(), name="oidc_callback"),
    path("login/code/", views.login_verify, name="login_verify"),
    path("login/setup/", views.login_setup, name="login_setup"),
    path("account/two-factor/", views.two_factor, name="two_factor"),
    path("account/two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("session/keepalive/", views.keepalive, name="keepalive"),
]
