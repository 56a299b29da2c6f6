"""Who may open which page: the role (a Django group) decides, nothing else.

Anonymous visitors go to the login page; a signed-in person without the role gets a
plain 403 page that says where they can go instead.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from tumorboard.roles import ADMIN, NAVIGATOR, SPECIALIST, STAFF_ROLES, has_role

NAVIGATOR_ROLES = (NAVIGATOR, ADMIN)
SPECIALIST_ROLES = (SPECIALIST, ADMIN)


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                login = reverse("web:login")
                if request.htmx:
                    return HttpResponseClientRedirect(f"{login}?next={request.path}")
                return redirect_to_login(request.get_full_path(), login)
            if not has_role(request.user, *roles):
                return render(request, "web/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


navigator_page = role_required(*NAVIGATOR_ROLES)
specialist_page = role_required(*SPECIALIST_ROLES)
staff_page = role_required(*STAFF_ROLES)


def home_for(user) -> str | None:
    """The page a person lands on after logging in, by role (None: no staff role)."""
    if has_role(user, *NAVIGATOR_ROLES):
        return reverse("web:queue")
    if has_role(user, SPECIALIST):
        return reverse("web:my_week")
    return None
