"""The one settings module. Everything comes from the environment; with no environment at all
the app runs embedded: SQLite (WAL), in-memory channel layer, django-q2 on the ORM broker,
Django's database cache and local media. See docs/deploy.md for every variable."""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.production import DEV_SECRET_KEY, DEV_WECHAT_API_BASE, DEV_WECHAT_APP_SECRET, DEV_WECHAT_TOKEN

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# The development defaults below let `make run` start with no configuration; with DJANGO_DEBUG off a
# server refuses to start on them unless SHUXIANG_DEV=1 (config/production.py, docs/deploy.md).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")


def env_networks(name: str) -> list[str]:
    """IPs/CIDRs, checked at start-up: a typo would otherwise silently trust nobody (or everybody)."""
    networks = []
    for item in env_list(name):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(f"{name}: “{item}” 不是 IP 地址或网段 / is not an IP address or CIDR") from None
    return networks


# Our own reverse proxies: only their X-Forwarded-For is believed (config/client_ip.py).
TRUSTED_PROXIES = env_networks("DJANGO_TRUSTED_PROXIES")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Where pages open their WebSockets (/ws/…), e.g. ws://127.0.0.1:8001. Empty: the page's own origin,
# as behind a proxy that routes /ws/ to the ASGI server. `make run` sets it to its socket server.
WS_ORIGIN = os.environ.get("WS_ORIGIN", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_q",
    "axes",  # login throttling per account and per address (campaigns/auth.py)
    "ninja",  # /api/v1/docs serves Swagger UI from our static files, not a CDN (offline / in China)
    "config",
    "campaigns",
    "events",
    "submissions",
    "judging",
    "reading",
    "wechat",
    "feedback",
    "reports",
    "builder",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A Content-Security-Policy with a per-request nonce on every HTML page (config/csp.py).
    "config.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the address or the session: no NUL reaches a query (config/nul_guard.py).
    "config.nul_guard.NulGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Chinese first: Accept-Language is ignored; the language switch (cookie) still works. config/locale.py
    "config.locale.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Oversized bodies are refused from Content-Length before they are read (config/body_limit.py).
    "config.body_limit.RequestBodyLimitMiddleware",
    # Inside WeChat (service account), the login page becomes WeChat web OAuth; see docs/wechat.md.
    "wechat.middleware.WeChatLoginMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Counts views of /c/<slug>/ and /c/<slug>/lib/<code>/ only (one buffered INSERT); see docs/reports.md.
    "reports.visits.VisitCountingMiddleware",
    # Last: turns a login refused for too many failures into the bilingual lockout page (campaigns/auth.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# HTTP is served by gunicorn (WSGI, config/gunicorn.py); only /ws/ by the ASGI server (docs/deploy.md).
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
                "config.context_processors.site",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "var" / "shuxiang.sqlite3"))
# A gunicorn worker serves one request at a time and keeps its connection between requests;
# the health check replaces one the database dropped before it is used.
DB_CONN_MAX_AGE = int(os.environ.get("DATABASE_CONN_MAX_AGE", "600"))
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=DB_CONN_MAX_AGE,
                                                  conn_health_checks=True)}
    if os.environ.get("DATABASE_POOL_MAX"):
        # Django's PostgreSQL pool (psycopg-pool), created lazily in each process (so after gunicorn's
        # fork): worth it for threaded servers (gthread workers, the ASGI socket server).
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 2, "max_size": int(os.environ["DATABASE_POOL_MAX"]), "timeout": 30}
else:
    Path(SQLITE_PATH).parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # The web process and the worker write at once: WAL, a busy timeout and
            # IMMEDIATE transactions keep them from failing with "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
                ),
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
            "CONN_MAX_AGE": DB_CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, channel layer -------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # `make test` runs two pytest workers; each gets its own Redis database so one worker's
    # cache.clear() or channel groups never reach the other (the test databases are separate too).
    _base, _, _db = REDIS_URL.rpartition("/")
    REDIS_URL = f"{_base}/{(int(_db or 0) + 1 + int(os.environ['PYTEST_XDIST_WORKER'][2:])) % 16}"
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Signed-in pages read the session from Redis (written through to the database, which stays
    # the source of truth). Embedded, the cache is the database itself, so plain `db` sessions.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py ≥ 6 reads with a 5 s socket timeout, exactly channels-redis' 5 s BZPOPMIN block:
            # under load the read times out and the consumer dies. Give reads room (docs/quizzes.md).
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}], "capacity": 1500,
                       "group_expiry": 3600},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "shuxiang_cache",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- tasks ----------------------------------------------------------------------------------
Q_CLUSTER = {
    "name": "shuxiang",
    "orm": "default",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": int(os.environ.get("Q_TIMEOUT", "300")),
    "retry": int(os.environ.get("Q_RETRY", "360")),
    "max_attempts": 5,
    "ack_failures": True,
    "poll": 0.5,
    "catch_up": False,
    "label": "任务队列 Task queue",
    "sync": env_bool("Q_SYNC", False),
}

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "campaigns.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "campaigns.auth.PhoneOrUsernameBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "builder:start"  # each role lands where its work is (builder/views/landing.py)
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "campaigns.passwords.SiteWordsValidator"},  # `shuxiang`, `Shuxiang2027`
    {"NAME": "campaigns.passwords.RolePasswordValidator"},  # organizers, judges, staff: stronger
]
STAFF_PASSWORD_MIN_LENGTH = int(os.environ.get("STAFF_PASSWORD_MIN_LENGTH", "12"))  # 0: no stronger rule
LOGIN_RATE_LIMIT = int(os.environ.get("LOGIN_RATE_LIMIT", "5"))  # failures per window
LOGIN_RATE_WINDOW = int(os.environ.get("LOGIN_RATE_WINDOW", "900"))  # seconds
# django-axes: LOGIN_RATE_LIMIT failures lock the account (from any address) and, separately, the client
# address (for any account) for LOGIN_RATE_WINDOW seconds after the last failure; docs/families.md.
AXES_FAILURE_LIMIT = LOGIN_RATE_LIMIT
AXES_COOLOFF_TIME = LOGIN_RATE_WINDOW / 3600  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the page can say when the lock ends
AXES_RESET_ON_SUCCESS = False  # an attacker's own successful login must not clear an address' failures
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"  # X-Forwarded-For only from TRUSTED_PROXIES
AXES_USERNAME_CALLABLE = "campaigns.auth.login_identifier"
AXES_LOCKOUT_CALLABLE = "campaigns.auth.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "config.csrf.csrf_failure"  # bilingual, in the site's layout
# HTTPS in production (docs/deploy.md, "Production settings"): behind the proxy, trust its
# X-Forwarded-Proto only when told to, redirect plain HTTP, and tell browsers to stay on HTTPS.
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start until collectstatic ran
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media-private/"  # never served directly: children's media go through signed URLs
# Where workers process media (copies of children's recordings while they work): never the system temp
# folder. Local to each machine; cleaned on worker start, by the watchdog and with the entry
# (submissions/workdirs.py).
PROCESSING_DIR = Path(os.environ.get("PROCESSING_DIR", str(BASE_DIR / "var" / "processing")))
# Uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE (a child's recording, a photo) are spooled to disk
# while the request is read: into a folder of the project's, not the system temp folder.
FILE_UPLOAD_TEMP_DIR = os.environ.get("UPLOAD_TEMP_DIR", str(BASE_DIR / "var" / "uploads"))
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
# How a checked media file is delivered (submissions/serving.py): nginx's X-Accel-Redirect to this
# internal location, or a redirect to a presigned S3 URL; by default Django streams it.
MEDIA_ACCEL_REDIRECT = os.environ.get("DJANGO_MEDIA_ACCEL_REDIRECT", "")
MEDIA_S3_REDIRECT = env_bool("S3_PRESIGNED_REDIRECT", False)
MEDIA_S3_REDIRECT_SECONDS = int(os.environ.get("S3_PRESIGNED_SECONDS", "300"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if os.environ.get("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID"),
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY"),
            "region_name": os.environ.get("S3_REGION", "us-east-1"),
            "addressing_style": "path",
            "signature_version": "s3v4",
            "querystring_auth": True,
            "file_overwrite": False,
            "default_acl": None,
        },
    }
if env_bool("DJANGO_MANIFEST_STATIC", False) is False:
    # The manifest needs collectstatic; tests and `make run` serve from the finders.
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True
# Request bodies (config/body_limit.py, docs/deploy.md): refused from Content-Length before reading.
# Entry uploads get their event's own limit; files over FILE_UPLOAD_MAX_MEMORY_SIZE stream to disk.
REQUEST_BODY_MAX_ANONYMOUS = int(os.environ.get("REQUEST_BODY_MAX_ANONYMOUS", str(64 * 1024)))
REQUEST_BODY_MAX = int(os.environ.get("REQUEST_BODY_MAX", str(1024 * 1024)))
REQUEST_BODY_MAX_STAFF = int(os.environ.get("REQUEST_BODY_MAX_STAFF", str(50 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- ffmpeg ---------------------------------------------------------------------------------
FFMPEG_BINARY = os.environ.get("FFMPEG_BINARY", "")
FFPROBE_BINARY = os.environ.get("FFPROBE_BINARY", "")

# --- WeChat ---------------------------------------------------------------------------------
WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID", "wx0000000000demo")
WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET", DEV_WECHAT_APP_SECRET)
WECHAT_TOKEN = os.environ.get("WECHAT_TOKEN", DEV_WECHAT_TOKEN)
WECHAT_ENCODING_AES_KEY = os.environ.get("WECHAT_ENCODING_AES_KEY", "")
WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", DEV_WECHAT_API_BASE)
WECHAT_ACCOUNT_TYPE = os.environ.get("WECHAT_ACCOUNT_TYPE", "service")  # service | subscription

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
