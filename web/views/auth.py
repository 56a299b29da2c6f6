"""Login, logout and password reset: Django's own views with our templates."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.forms.utils import ErrorDict
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from rest_framework.throttling import SimpleRateThrottle

from identity.mfa import mfa_enrolled, mfa_needed
from identity.middleware import IDLE_LOGOUT
from identity.views import pending_start
from tumorboard.roles import STAFF_ROLES, has_role
from web.access import home_for


class StaffPasswordResetForm(PasswordResetForm):
    """Only staff reset a password here; patients use the link in their texts."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if has_role(user, *STAFF_ROLES))


class LoginPageThrottle(SimpleRateThrottle):
    """The API's login rate (LOGIN_RATE), counted per client address for the page."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "login-page", "ident": self.get_ident(request)}


class LoginView(auth_views.LoginView):
    template_name = "web/auth/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_LOGIN_ENABLED:
            context = self.get_context_data(form=self.get_form())
            return self.render_to_response(context, status=403)
        throttle = LoginPageThrottle()
        if throttle.allow_request(request, self):
            return super().post(request, *args, **kwargs)
        minutes = max(1, math.ceil((throttle.wait() or 60) / 60))
        throttled = (
            "Too many login attempts from this address. "
            f"Please try again in {minutes} minute{'s' if minutes > 1 else ''}."
        )
        form = self.get_form()  # bound, to keep the username; never checked
        form._errors, form.cleaned_data = ErrorDict(), {}
        context = self.get_context_data(form=form, throttled=throttled)
        return self.render_to_response(context, status=429)

    def form_valid(self, form):
        """A right password logs in, unless a second factor is needed: then the code
        page (or, on a first login where one is required, setting up the app)."""
        user = form.get_user()
        if not mfa_needed(user):
            response = super().form_valid(form)
            response.delete_cookie(IDLE_LOGOUT, samesite="Lax")  # said; logged in again
            return response
        pending_start(self.request, user=user, next_url=self.get_redirect_url())
        return redirect("identity:login_verify" if mfa_enrolled(user) else "identity:login_setup")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_failed"] = "sso" in self.request.GET
        # The link's ?idle=1, or the mark the logout left when a background request ended it.
        logged_out_idle = IDLE_LOGOUT in self.request.COOKIES
        context["idle"] = "idle" in self.request.GET or logged_out_idle
        context["expired"] = "expired" in self.request.GET
        return context

    def get_default_redirect_url(self):
        return (
            home_for(self.request.user)
            or patient_home(self.request.user, create=True)
            or reverse("web:home")
        )


def patient_home(user, *, create: bool) -> str | None:
    """A patient's own page: their plan behind their private link (the page a text links
    to), as a path on this host. Logging in (a POST) may make a link; a plain GET only
    finds a valid one."""
    from urllib.parse import urlsplit

    from django.utils import timezone

    from notifications.services import patient_link
    from patients.models import Patient

    patient = Patient.objects.filter(user=user).first() if user.is_authenticated else None
    if patient is None:
        return None
    now = timezone.now()
    if not create:
        link = patient.links.filter(expires_at__gt=now).order_by("-expires_at").first()
        return f"/p/{link.code}" if link else None
    return urlsplit(patient_link(patient, now)).path


logout = auth_views.LogoutView.as_view(next_page=reverse_lazy("web:login"))

password_reset = auth_views.PasswordResetView.as_view(
    form_class=StaffPasswordResetForm,
    template_name="web/auth/password_reset.html",
    email_template_name="web/auth/password_reset_email.txt",
    subject_template_name="web/auth/password_reset_subject.txt",
    success_url=reverse_lazy("web:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="web/auth/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="web/auth/password_reset_confirm.html",
    success_url=reverse_lazy("web:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="web/auth/password_reset_complete.html"
)


def home(request):
    if not request.user.is_authenticated:
        return redirect("web:login")
    target = home_for(request.user) or patient_home(request.user, create=False)
    return redirect(target) if target else render(request, "web/forbidden.html", status=403)
