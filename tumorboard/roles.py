"""The four roles are Django groups; these helpers and DRF permissions read them."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

NAVIGATOR = "navigator"
SPECIALIST = "specialist"
PATIENT = "patient"
ADMIN = "admin"
ROLES = (NAVIGATOR, SPECIALIST, PATIENT, ADMIN)
STAFF_ROLES = (NAVIGATOR, SPECIALIST, ADMIN)


def roles_of(user) -> set[str]:
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached.add(ADMIN)
        user._role_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


class RolePermission(BasePermission):
    """Reads for `read_roles`, writes for `write_roles`; set both on the view."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            allowed = getattr(view, "read_roles", STAFF_ROLES)
        else:
            allowed = getattr(view, "write_roles", (NAVIGATOR, ADMIN))
        return has_role(request.user, *allowed)
