"""Settings for the alliance platform: one module, driven by the environment.

With nothing set, the project runs on an embedded default (SQLite in the project folder,
Celery tasks executed in-process) so that `make run` works on a bare machine. With
DATABASE_URL and REDIS_URL it runs on PostgreSQL and a real Redis broker. DJANGO_ENV=production
switches on everything `manage.py check --deploy` asks for.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
IS_PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)
if IS_PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name at least one host in production.")
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="dev-only-secret-key-not-for-production-6f1c9e2b7a4d8e0f3b5a"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications -------------------------------------------------------------------------

INSTALLED_APPS = [
    "config.apps.AllianceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "corsheaders",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_celery_beat",
    "csp",
    "axes",
    "alliance",
    "products",
    "livestreams",
    "courtyards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "config.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # django-axes must come last: it turns a lockout raised by the backend into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions keep the embedded default usable with the threaded
    # development server: writers queue on the lock instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
HEALTH_CHECK_DATABASE = "default"  # the alias /healthz asks
IS_POSTGRESQL = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

# --- Redis, cache and Celery ----------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# No broker configured: run tasks in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps its database connection across tasks (checked before each one, config/celery.py)
# and opens a new one after this many tasks; 0 opens one per task, Celery's default.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# Never let a publish hang a web request when Redis is down or frozen (celery#4296).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    "socket_timeout": 5,
    "socket_connect_timeout": 3,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Forwarding has its own queue so that a burst of imports never waits behind other work.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"livestreams.forward_seller_orders": {"queue": "forwarding"}}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=10.0)
# Extra task modules a worker imports (benchmarks use this for their no-op baseline task).
CELERY_IMPORTS = env.list("CELERY_EXTRA_IMPORTS", default=[])
CELERY_BEAT_SCHEDULE = {
    "sweep-pending-seller-orders": {
        "task": "livestreams.sweep_pending",
        "schedule": env.float("FORWARD_SWEEP_EVERY_SECONDS", default=60.0),
    },
    "remind-and-escalate": {"task": "livestreams.remind_and_escalate", "schedule": 300.0},
    "anonymise-closed-orders": {"task": "livestreams.anonymise_closed_orders", "schedule": 3600.0},
    "requeue-stale-imports": {"task": "livestreams.requeue_stale_imports", "schedule": 120.0},
}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fulian",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts and authentication ------------------------------------------------------------

AUTH_USER_MODEL = "alliance.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "alliance.auth.MobileOrUsernameBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email", "mobile")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # No NumericPasswordValidator: ASVS 5.0 (6.2.5) rules out composition rules. Words of our
    # own context are refused instead.
    {"NAME": "alliance.passwords.ContextWordValidator"},
]

# Login throttling (django-axes, database handler so it survives a Redis outage). The lock is
# on the pair (login, IP) so that a stranger cannot lock a seller out from elsewhere; a looser
# per-IP ceiling across all logins is applied by the login view (LOGIN_FAILURES_PER_IP).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "alliance.auth.axes_username"
AXES_LOCKOUT_CALLABLE = "alliance.views.locked_out"
AXES_VERBOSE = False
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=50)
# Number of reverse proxies in front of the site that append to X-Forwarded-For; 0 means the
# client address is REMOTE_ADDR and the header (which anyone can forge) is ignored.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "alliance.auth.client_ip"

# Staff see personal data, so staff accounts use TOTP two-factor login; required in production.
STAFF_OTP_REQUIRED = env.bool("STAFF_OTP_REQUIRED", default=IS_PRODUCTION)
OTP_TOTP_ISSUER = "七彩巧妇联盟"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Sellers on phones keep a long session; staff sessions end sooner (set at login).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 60 * 60)
STAFF_SESSION_AGE = env.int("STAFF_SESSION_AGE", default=10 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True

# Notification channels. The WeCom group-robot webhook is a URL a member types and the server
# calls, so only these origins are accepted (SSRF), at save and again at send.
WECOM_WEBHOOK_ORIGINS = env.list("WECOM_WEBHOOK_ORIGINS", default=["https://qyapi.weixin.qq.com"])

# Forwarding seller orders (RELIABILITY.md §1, §2). Retries back off exponentially with jitter,
# capped well below the broker's visibility timeout so no retry is delivered twice by Redis.
FORWARD_MAX_RETRIES = env.int("FORWARD_MAX_RETRIES", default=5)
FORWARD_BACKOFF_BASE_SECONDS = env.float("FORWARD_BACKOFF_BASE_SECONDS", default=10.0)
FORWARD_BACKOFF_MAX_SECONDS = env.float("FORWARD_BACKOFF_MAX_SECONDS", default=600.0)
FORWARD_LEASE_SECONDS = env.int("FORWARD_LEASE_SECONDS", default=300)
FORWARD_MAX_DELIVERIES = env.int("FORWARD_MAX_DELIVERIES", default=12)
FORWARD_SWEEP_AFTER_SECONDS = env.int("FORWARD_SWEEP_AFTER_SECONDS", default=120)
FORWARD_SWEEP_BATCH = env.int("FORWARD_SWEEP_BATCH", default=500)
# A forwarding run also takes her other new seller orders waiting, up to this many in all.
FORWARD_DIGEST_MAX = env.int("FORWARD_DIGEST_MAX", default=100)
REMIND_UNACKNOWLEDGED_AFTER_MINUTES = env.int("REMIND_UNACKNOWLEDGED_AFTER_MINUTES", default=120)
SHIPPING_DEADLINE_HOURS = {
    "douyin": env.int("SHIPPING_DEADLINE_HOURS_DOUYIN", default=48),
    "taobao": env.int("SHIPPING_DEADLINE_HOURS_TAOBAO", default=48),
    "channels": env.int("SHIPPING_DEADLINE_HOURS_CHANNELS", default=48),
    "miniprogram": env.int("SHIPPING_DEADLINE_HOURS_MINIPROGRAM", default=72),
    "courtyard_qr": env.int("SHIPPING_DEADLINE_HOURS_COURTYARD_QR", default=72),
}
RECIPIENT_RETENTION_DAYS = env.int("RECIPIENT_RETENTION_DAYS", default=90)
SELLER_SEES_RECIPIENT_DAYS = env.int("SELLER_SEES_RECIPIENT_DAYS", default=30)
NOTIFY_HTTP_TIMEOUT = env.float("NOTIFY_HTTP_TIMEOUT", default=5.0)
WECOM_MESSAGES_PER_MINUTE = env.int("WECOM_MESSAGES_PER_MINUTE", default=20)
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env.str("SMS_GATEWAY_KEY", default="")
STAFF_ALERT_EMAILS = env.list("STAFF_ALERT_EMAILS", default=[])
# Orders on our own channels are paid on delivery or by transfer to this account (shown to buyers).
BANK_TRANSFER_ACCOUNT = env.str("BANK_TRANSFER_ACCOUNT", default="")

# Order export uploads on the staff import page.
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=200)
# On PostgreSQL, an import's writes of new orders skip the row-by-row foreign-key checks where
# the database role may set session_replication_role; the import locks what they refer to
# instead (livestreams/services/bulk.py explains). False keeps the checks whatever the role.
IMPORT_SKIP_FOREIGN_KEY_CHECKS = env.bool("IMPORT_SKIP_FOREIGN_KEY_CHECKS", default=True)
# On PostgreSQL, a file is loaded this many rows at a time, the next chunk read while the
# database writes the last (bulk.py, "Chunks"); 0 loads a file in one piece. Each chunk in
# flight holds its rows in memory.
IMPORT_CHUNK_ROWS = env.int("IMPORT_CHUNK_ROWS", default=20000)

# Orders paid up to this long after a live session ends are still its orders.
ATTRIBUTION_GRACE_MINUTES = env.int("ATTRIBUTION_GRACE_MINUTES", default=30)

# --- Security headers -----------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

if IS_PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe the health check over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are bound to this host, secure and path=/ (ASVS 3.3.3).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Languages and time ----------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and media files ------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Files with personal data (order exports, shipping labels, batch-shipment files) live outside
# MEDIA_ROOT and are never served by URL: only views that check who asks (and log it) read them.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email -------------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="七彩巧妇联盟 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API -----------------------------------------------------------------------------------------

# The mini-program's public API (/api/v1/): read-only JSON, errors as {code, message, details}
# (config.api), throttled per client address with a counter in the cache that lets requests
# through when the cache is down.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["config.api.AnonRateThrottle", "config.api.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="300/min"),
        "user": env.str("API_USER_RATE", default="1000/min"),
    },
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "URL_FORMAT_OVERRIDE": None,
}
# Seconds a rendered catalogue response is kept; a catalogue write makes it stale at once anyway
# (products.cache). 0 turns the response cache off.
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=300)
# Whether /api/schema/ and /api/docs/ are open to everyone (the mini-program's developers are
# outside the federation) or to staff only.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)
SPECTACULAR_SETTINGS = {
    "TITLE": "七彩巧妇超市 API",
    "DESCRIPTION": gettext_lazy(
        "The public catalogue of the alliance for the mini-program: products on sale, "
        "categories and sellers' public profiles. Read-only, no login. Errors are JSON "
        "with a code, a message and details; messages are Chinese unless the django_language "
        "cookie says en. Lists are paginated by cursor: follow the next link."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "displayRequestDuration": True},
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
}
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# Django 6 makes https the default scheme of URL form fields; opt in now.
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Logging: everything to stdout ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per task run is noise (in-process tasks run by the hundred in a demo seed).
        "celery.app.trace": {"level": "WARNING"},
    },
}

# --- The five-beauties map (/map/) -----------------------------------------------------------

# Tiles: a URL template with {z}/{x}/{y} (and {s} for MAP_TILE_SUBDOMAINS), its attribution, and
# the datum the tiles are drawn in: "gcj02" for AMap/Tencent tiles, "wgs84" for OpenStreetMap-style
# ones (places are stored in GCJ-02 and converted for WGS-84 tiles). No URL: no tiles; the map
# still shows its markers and the list of places. Only a configured tile host joins img-src.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_SUBDOMAINS = env.str("MAP_TILE_SUBDOMAINS", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
MAP_TILE_CRS = env.str("MAP_TILE_CRS", default="gcj02")
if MAP_TILE_CRS not in {"gcj02", "wgs84"}:
    raise ImproperlyConfigured("MAP_TILE_CRS must be 'gcj02' or 'wgs84'.")
if MAP_TILE_URL:
    from urllib.parse import urlsplit

    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += sorted(
        {
            f"{parts.scheme}://{parts.netloc}"
            for parts in (
                urlsplit(MAP_TILE_URL.replace("{s}", sub)) for sub in MAP_TILE_SUBDOMAINS or "-"
            )
        }
    )
