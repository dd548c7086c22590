"""Settings for Opinion Network, read from the environment (see .env.example).

One file for every environment. The embedded default (no variables set but
DEBUG=1) is SQLite, eager Celery tasks and the console e-mail backend;
production sets DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS.
A value that cannot be parsed stops start-up with a message naming it.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _read(name, parse):
    """Parse one variable; any failure names the variable."""
    try:
        return parse()
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"Invalid setting {name}: {exc}") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raw = env.str(name, default="")
        raise ImproperlyConfigured(f"Invalid setting {name}={raw!r}: {exc}") from None


def _positive_int(name, default):
    value = _read(name, lambda: env.int(name, default=default))
    if value <= 0:
        raise ImproperlyConfigured(f"Invalid setting {name}={value!r}: must be a positive integer")
    return value


DEBUG = _read("DEBUG", lambda: env.bool("DEBUG", default=False))

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Missing setting SECRET_KEY: it is required when DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"  # noqa: S105

ALLOWED_HOSTS = _read(
    "ALLOWED_HOSTS",
    lambda: env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []),
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Missing setting ALLOWED_HOSTS: it is required when DEBUG is off")
CSRF_TRUSTED_ORIGINS = _read("CSRF_TRUSTED_ORIGINS", lambda: env.list("CSRF_TRUSTED_ORIGINS", default=[]))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's own form widget templates, for FORM_RENDERER below.
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "treebeard",
    "simple_history",
    "axes",
    "csp",
    "django_celery_beat",
    "django_filters",
    # Two-factor sign-in: codes from an authenticator app (TOTP) and single-use recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    # The read log, account events and signed-in sessions: just above core, so every app may write to it.
    "privacy",
    "collaborators",
    "notifications",
    "reports",
    "guidance",
    "trainings",
    "summaries",
    "follows",
    # The REST API (/api/v1/): above every domain app, below the shell.
    "api",
    # The shell, above every app: its commands (seed_demo) may use all of them.
    "opinion_network",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A view that finds the database down answers 503 with Retry-After (the proxy may retry), not 500.
    "opinion_network.middleware.DatabaseUnavailableMiddleware",
    # Django's, answering 503 when the database cannot load or save the session.
    "opinion_network.middleware.SessionMiddleware",
    "opinion_network.middleware.DefaultLanguageMiddleware",
    # A NUL byte or broken UTF-8 in the path, query string or form: 400 with a message, before any view.
    "opinion_network.middleware.UnreadableInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in pages are never cached; then the absolute session lifetime (both read request.user).
    "opinion_network.middleware.PrivateCacheMiddleware",
    "opinion_network.middleware.SessionLifetimeMiddleware",
    # After the password, the second factor before any other page (staff and admins must have one).
    "collaborators.middleware.TwoFactorMiddleware",
    # The last activity of the person's signed-in session, written at most every few minutes.
    "privacy.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes must be last: it turns a lockout signal into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opinion_network.urls"
WSGI_APPLICATION = "opinion_network.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "opinion_network.context_processors.navigation",
            ],
        },
    },
]

_database_url = env.str("DATABASE_URL", default="")
if _database_url and _database_url.split(":", 1)[0] not in environ.Env.DB_SCHEMES:
    raise ImproperlyConfigured(
        f"Invalid setting DATABASE_URL={_database_url!r}: unknown scheme; "
        "use postgres://user:password@host:5432/name or sqlite:////absolute/path.sqlite3"
    )
DATABASES = {
    "default": _read(
        "DATABASE_URL",
        lambda: env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    )
}
_engine = DATABASES["default"].get("ENGINE", "")
if not _engine:
    raise ImproperlyConfigured(
        f"Invalid setting DATABASE_URL={env.str('DATABASE_URL', default='')!r}: unknown database scheme"
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if "postgresql" in _engine:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
elif "sqlite" in _engine:
    # WAL and a busy timeout let the dev server and an in-process task share the file;
    # IMMEDIATE transactions take the write lock up front, so concurrent requests that
    # read then write wait for each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "collaborators.User"

AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend first: it refuses a locked-out username/IP pair.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request: every
# request pushes the expiry forward, so only inactivity logs a person out.
SESSION_COOKIE_AGE = _positive_int("SESSION_IDLE_TIMEOUT", 30 * 60)
# Django's database store, writing one state of a session once per request (core/sessions/db.py).
SESSION_ENGINE = "core.sessions.db"
SESSION_SAVE_EVERY_REQUEST = True
# However active it is, a session ends this many seconds after the sign-in (SessionLifetimeMiddleware).
SESSION_ABSOLUTE_SECONDS = _positive_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Brute-force protection (django-axes): a username is locked from one IP
# after AXES_FAILURE_LIMIT failures; other accounts and other IPs go on.
AXES_FAILURE_LIMIT = _positive_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_positive_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = _read("AXES_PROXY_COUNT", lambda: env.int("AXES_PROXY_COUNT", default=0)) or None
# Behind the proxy (AXES_PROXY_COUNT=1), X-Forwarded-For is believed only on connections from these
# addresses or networks (the proxy's; by default the private networks a container network uses), and
# its right-most entry, which the proxy wrote, is the client; any other X-Forwarded-For is ignored.
AXES_IPWARE_PROXY_TRUSTED_IPS = _read(
    "AXES_PROXY_TRUSTED_IPS",
    lambda: env.list(
        "AXES_PROXY_TRUSTED_IPS",
        default=["127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7"]
        if AXES_IPWARE_PROXY_COUNT
        else [],
    ),
)
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_VERBOSE = False
# Two-factor sign-in: the name the authenticator app shows for the account.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Mạng lưới dư luận")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# The project's catalogue first; then the Vietnamese of the third-party strings (Django admin, django-axes,
# django-simple-history, django-celery-beat) their own catalogues lack.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# dd/mm/yyyy everywhere, whatever the language.
FORMAT_MODULE_PATH = ["opinion_network.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = _read("MEDIA_ROOT", lambda: Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))))
# Uploaded files are never served from MEDIA_URL (no URL pattern, no web server alias): only the scoped
# download views send them, as downloads (core.downloads). The largest file each upload accepts, in MB:
UPLOAD_MAX_MB_REPORT = _positive_int("UPLOAD_MAX_MB_REPORT", 10)
UPLOAD_MAX_MB_GUIDANCE = _positive_int("UPLOAD_MAX_MB_GUIDANCE", 20)
UPLOAD_MAX_MB_TRAINING = _positive_int("UPLOAD_MAX_MB_TRAINING", 30)
UPLOAD_MAX_MB_ROSTER_IMPORT = _positive_int("UPLOAD_MAX_MB_ROSTER_IMPORT", 5)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Form widgets render through the project's templates first: templates/django/forms/widgets/select_option.html
# writes the empty choice "— Chọn —" instead of Django's dashes, for every form and the admin.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# E-mail: console by default; EMAIL_URL=smtp+tls://user:pass@host:587 in production.
vars().update(_read("EMAIL_URL", lambda: env.email_url("EMAIL_URL", default="consolemail://")))
if "EMAIL_BACKEND" not in vars():
    raise ImproperlyConfigured(f"Invalid setting EMAIL_URL={env.str('EMAIL_URL')!r}: unknown scheme")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Mạng lưới dư luận <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 10

# Security headers. X-Frame-Options and CSP frame-ancestors both forbid framing.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = _read("SECURE_SSL_REDIRECT", lambda: env.bool("SECURE_SSL_REDIRECT", default=not DEBUG))
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = _read(
    "SECURE_HSTS_SECONDS", lambda: env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The service worker (/sw.js) and the web app manifest, both from this site only.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Celery: with no REDIS_URL, tasks run eagerly in the web process.
REDIS_URL = _read("REDIS_URL", lambda: env.str("REDIS_URL", default=""))
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"Invalid setting REDIS_URL={REDIS_URL!r}: expected redis://host:port/db")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# The cache holds small values (the activation limit's counters, the tallies catch-up mark): shared by
# every process through Redis when there is one, with short timeouts so that a stalled Redis never holds
# a request up; in-process otherwise.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",  # Django's, one client per pool
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "opinion-cache",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
# The queue tasks go to unless routed elsewhere (workers consume it with -Q); "celery" is Celery's own default.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Workers and beat: connect fast, retry publishing briefly, then give up (the periodic jobs pick up
# what was not queued). Requests never use these: core/tasks.py publishes once, on a connection with
# ENQUEUE_TIMEOUT_SECONDS for connecting and for each reply, with no retry.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
    "visibility_timeout": 3600,
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
ENQUEUE_TIMEOUT_SECONDS = _read("ENQUEUE_TIMEOUT_SECONDS", lambda: env.float("ENQUEUE_TIMEOUT_SECONDS", default=0.5))
if not 0 < ENQUEUE_TIMEOUT_SECONDS <= 10:
    raise ImproperlyConfigured(
        f"Invalid setting ENQUEUE_TIMEOUT_SECONDS={ENQUEUE_TIMEOUT_SECONDS!r}: seconds, more than 0 and at most 10"
    )

# Periodic jobs are declared by each app in its own schedules.py and written to the beat schedule by
# `manage.py setup_periodic_tasks`; settings hold only the values they read, such as this interval.
NOTIFICATION_SWEEP_MINUTES = _positive_int("NOTIFICATION_SWEEP_MINUTES", 5)
# A delivery claim expires after this many seconds, so a worker killed mid-send
# leaves the message for the next sweep instead of losing it.
NOTIFICATION_CLAIM_SECONDS = 300

# Channels beyond e-mail. Each is off (and the preferences page says so) until its address and keys are set.
# Zalo Notification Service: template messages through the official account's HTTP API; the refresh token
# is only the first one, the rotated pairs are kept in the database.
ZALO_API_URL = env.str("ZALO_API_URL", default="")  # https://business.openapi.zalo.me
ZALO_OAUTH_URL = env.str("ZALO_OAUTH_URL", default="")  # https://oauth.zaloapp.com
ZALO_APP_ID = env.str("ZALO_APP_ID", default="")
ZALO_SECRET_KEY = env.str("ZALO_SECRET_KEY", default="")
ZALO_REFRESH_TOKEN = env.str("ZALO_REFRESH_TOKEN", default="")
ZALO_TEMPLATE_ID = env.str("ZALO_TEMPLATE_ID", default="")
ZALO_CALLBACK_SECRET = env.str("ZALO_CALLBACK_SECRET", default="")
# An SMS gateway's HTTP API (brand-name SMS).
SMS_API_URL = env.str("SMS_API_URL", default="")
SMS_API_KEY = env.str("SMS_API_KEY", default="")
SMS_SENDER = env.str("SMS_SENDER", default="")
SMS_CALLBACK_SECRET = env.str("SMS_CALLBACK_SECRET", default="")
# A delivery report signed further than this from now (seconds) is refused as a replay.
SMS_CALLBACK_TOLERANCE = _positive_int("SMS_CALLBACK_TOLERANCE", 300)
# Web Push to the installed app. VAPID keys (`vapid --gen`): the private key as URL-safe base64 of its DER
# (the PEM file without its first and last lines), the public key as URL-safe base64 of the raw point.
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_CONTACT = env.str("WEBPUSH_CONTACT", default="mailto:admin@localhost")
NOTIFICATION_HTTP_TIMEOUT = _positive_int("NOTIFICATION_HTTP_TIMEOUT", 10)
# A failed send is tried again after 1, 2, 4, ... minutes (capped at 6 hours), at most this many times.
NOTIFICATION_MAX_ATTEMPTS = _positive_int("NOTIFICATION_MAX_ATTEMPTS", 6)
NOTIFICATION_RETRY_SECONDS = _positive_int("NOTIFICATION_RETRY_SECONDS", 60)
# Digests go out from this hour (Hanoi time): yesterday's daily one, and last week's on Mondays.
NOTIFICATION_DIGEST_HOUR = 7
# Estimated price of one paid message, in dong, for the monthly cost estimate.
NOTIFICATION_COST_SMS = _positive_int("NOTIFICATION_COST_SMS", 800)
NOTIFICATION_COST_ZALO = _positive_int("NOTIFICATION_COST_ZALO", 300)
PHONE_CODE_MINUTES = 10
# Follows (staff): a topic or focus policy "rises" when its reports of the last FOLLOW_RISE_DAYS days are at
# least FOLLOW_RISE_MIN and twice those of the days before; a unit is "silent" after FOLLOW_SILENT_DAYS days
# without a report from its subtree; followers of a rumour are told as its sightings reach each step.
FOLLOW_RISE_DAYS = 7
FOLLOW_RISE_MIN = 5
FOLLOW_SILENT_DAYS = 14
FOLLOW_SPREAD_STEPS = (3, 5, 10, 20, 50, 100)

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Every line carries its time (ISO 8601 with the offset), level and logger: plain text in development,
# one JSON object per line in production (LOG_FORMAT=text|json), for the log collector to parse.
LOG_FORMAT = _read("LOG_FORMAT", lambda: env.str("LOG_FORMAT", default="text" if DEBUG else "json"))
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"Invalid setting LOG_FORMAT={LOG_FORMAT!r}: use text or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s", "datefmt": "%Y-%m-%dT%H:%M:%S%z"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own loggers write through the same handler only (its default adds a second one in DEBUG).
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}, "axes": {"level": "WARNING"}},
}
# The Celery worker and beat log through the same handler and format instead of replacing it.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Roster: how long an invitation (link or printed code) stays valid, and the
# version of the personal-data consent text people accept on activation.
INVITATION_VALID_DAYS = _positive_int("INVITATION_VALID_DAYS", 14)
# Activation with a printed code: after this many failed attempts from one client address, or for one
# username or phone, within the window, further attempts are refused until the window has passed.
ACTIVATION_FAILURE_LIMIT = _positive_int("ACTIVATION_FAILURE_LIMIT", 10)
ACTIVATION_WINDOW_SECONDS = _positive_int("ACTIVATION_WINDOW_SECONDS", 15 * 60)
PERSONAL_DATA_CONSENT_VERSION = "2025-10"

# Reports: submitted reports untouched this long are flagged overdue and their reviewers told once.
REPORT_OVERDUE_HOURS = _positive_int("REPORT_OVERDUE_HOURS", 48)

# Guidance: federation staff are alerted once when a rumour gains more than GUIDANCE_ALERT_SIGHTINGS
# sightings within GUIDANCE_ALERT_DAYS days across at least GUIDANCE_ALERT_UNITS units.
GUIDANCE_ALERT_SIGHTINGS = _positive_int("GUIDANCE_ALERT_SIGHTINGS", 10)
GUIDANCE_ALERT_DAYS = _positive_int("GUIDANCE_ALERT_DAYS", 3)
GUIDANCE_ALERT_UNITS = _positive_int("GUIDANCE_ALERT_UNITS", 3)

# Requests for opinion: the people asked who have not answered are reminded once, this many hours
# before the deadline; the same job closes the requests whose deadline has passed.
PULSE_REMINDER_HOURS = _positive_int("PULSE_REMINDER_HOURS", 24)

# Reporting periods: the report of month M covers the REPORTING_PERIOD_START_DAY of M-1 to the day before it
# in M (Decree 09/2019/NĐ-CP: the 15th to the 14th); 1 gives calendar months. See collaborators/periods.py.
REPORTING_PERIOD_START_DAY = _positive_int("REPORTING_PERIOD_START_DAY", 15)
if REPORTING_PERIOD_START_DAY > 28:
    raise ImproperlyConfigured(
        f"Invalid setting REPORTING_PERIOD_START_DAY={REPORTING_PERIOD_START_DAY}: use a day from 1 to 28."
    )
# Summaries: the deadlines are days of the month, the first such day after the period ends.
SUMMARY_COLLABORATOR_DUE_DAY = _positive_int("SUMMARY_COLLABORATOR_DUE_DAY", 15)
SUMMARY_REVIEW_DUE_DAY = _positive_int("SUMMARY_REVIEW_DUE_DAY", 20)
SUMMARY_CITY_DUE_DAY = _positive_int("SUMMARY_CITY_DUE_DAY", 23)
# Active collaborators who have not reported get one reminder this many days before their due day.
SUMMARY_REMINDER_DAYS_BEFORE = _positive_int("SUMMARY_REMINDER_DAYS_BEFORE", 3)
# A unit whose collaborators have sent nothing for this many weeks is "silent" on the dashboard.
SUMMARY_SILENT_WEEKS = _positive_int("SUMMARY_SILENT_WEEKS", 6)
# Monthly tallies are kept for units down to this depth (1 = the city, 2 = the unions under it);
# deeper units are counted from their reports, which are few.
SUMMARY_ROLLUP_DEPTH = _positive_int("SUMMARY_ROLLUP_DEPTH", 2)
# A compile holds its claim this long; a worker killed mid-compile leaves it to the next run after that.
SUMMARY_COMPILE_LEASE_SECONDS = _positive_int("SUMMARY_COMPILE_LEASE_SECONDS", 600)
# A finished XLSX export's file is deleted this many hours after it was built (collaborators.tasks.resume_export_jobs);
# the job's row stays. 0 = keep the files.
EXPORT_FILE_HOURS = _read("EXPORT_FILE_HOURS", lambda: env.int("EXPORT_FILE_HOURS", default=72))
if EXPORT_FILE_HOURS < 0:
    raise ImproperlyConfigured(f"Invalid setting EXPORT_FILE_HOURS={EXPORT_FILE_HOURS!r}: 0 or more hours")
# Retention: how many days each kind of personal data is kept; the daily job (privacy.tasks.apply_retention)
# anonymises or deletes what is older, once an administrator has confirmed its dry run. Issued summaries
# and the counters are kept whatever these say. 0 = keep this kind for ever.
RETENTION_DAYS = {
    "reports": env.int("RETENTION_REPORTS_DAYS", default=5 * 365),
    "attachments": env.int("RETENTION_ATTACHMENTS_DAYS", default=2 * 365),
    "read_log": env.int("RETENTION_READ_LOG_DAYS", default=2 * 365),
    "notifications": env.int("RETENTION_NOTIFICATIONS_DAYS", default=365),
    "people_left": env.int("RETENTION_PEOPLE_LEFT_DAYS", default=365),
}
for _kind, _days in RETENTION_DAYS.items():
    if _days < 0:
        raise ImproperlyConfigured(f"Invalid retention for {_kind}: {_days} days (use 0 to keep for ever).")
# The issuing body's parent printed above its name on the documents, and the place on the date line.
SUMMARY_PARENT_BODY = env.str("SUMMARY_PARENT_BODY", default="TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM")
SUMMARY_PLACE = env.str("SUMMARY_PLACE", default="Hà Nội")
# The bodies a city summary is addressed to ("Kính gửi"); a union's summary goes to the unit above it.
SUMMARY_CITY_ADDRESSED_TO = env.list(
    "SUMMARY_CITY_ADDRESSED_TO",
    default=[
        "Ban Thường vụ Thành ủy Hà Nội",
        "Ban Tuyên giáo và Dân vận Thành ủy",
        "Tổng Liên đoàn Lao động Việt Nam",
        "Ủy ban MTTQ Việt Nam thành phố Hà Nội",
    ],
)
# Pause of a compile's first attempt, in seconds: only for the fault-injection test (a worker killed mid-compile).
SUMMARY_COMPILE_PAUSE_SECONDS = env.float("SUMMARY_COMPILE_PAUSE_SECONDS", default=0.0)

# The REST API (/api/v1/, the ``api`` app). Personal access tokens are throttled per token, sessions per
# person, with the cache above; the rates are "<number>/<second|minute|hour|day>".
API_TOKEN_RATE = _read("API_TOKEN_RATE", lambda: env.str("API_TOKEN_RATE", default="120/minute"))
API_SESSION_RATE = _read("API_SESSION_RATE", lambda: env.str("API_SESSION_RATE", default="600/minute"))
API_TOKEN_MAX_DAYS = _positive_int("API_TOKEN_MAX_DAYS", 365)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.AccessTokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.PerTokenThrottle", "api.throttles.PerSessionThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.NewestFirstCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("Opinion Network API"),
    "DESCRIPTION": _(
        "The data of the pages under the same scope rules. Sign in with the browser's session (with the CSRF "
        "token on writes) or a personal access token (Authorization: Bearer …) created on the profile's API "
        "page. An object out of the caller's scope answers 404."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "reports.models.ReportStatus",
        "ReportKindEnum": "reports.models.ReportKind",
        "NoteStatusEnum": "guidance.models.NoteStatus",
        "PulseStatusEnum": "guidance.models.PulseStatus",
        "SessionStatusEnum": "trainings.models.SessionStatus",
        "RegistrationStatusEnum": "trainings.models.RegistrationStatus",
        "SummaryStatusEnum": "summaries.models.SummaryStatus",
        "PeriodKindEnum": "summaries.models.PeriodKind",
        "UnitKindEnum": "collaborators.models.UnitKind",
    },
}
