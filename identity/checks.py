"""Deploy checks: production asks staff for a second factor."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_second_factor(app_configs, **kwargs):
    if settings.DEBUG or settings.MFA_REQUIRED:
        return []
    return (
        [
            checks.Warning(
                "MFA_REQUIRED is off: staff who see health information log in with a password only",
                id="identity.W001",
                hint="Unset MFA_REQUIRED (on by default outside DEBUG), or use single sign-on only "
                "(LOCAL_LOGIN_ENABLED=0).",
            )
        ]
        if settings.LOCAL_LOGIN_ENABLED
        else []
    )
