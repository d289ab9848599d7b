"""One settings module, read from the environment.

BM_DATA_DIR   data directory (default ./var): database file, master key, static files
DATABASE_URL  default sqlite file in the data directory; postgres://... for a server
BM_KEY_FILE   master key file (default <data dir>/master.key), created by `bordermonitor keys init`
BM_DEBUG      1 for development and the demo; 0 (default) is production mode
BM_ALLOWED_HOSTS  comma-separated host names (default 127.0.0.1,localhost)
BM_HTTPS      in production mode, whether the site is served over HTTPS (default 1)
BM_UPLOAD_MAX_BYTES  largest accepted upload (default 25 MiB)
BM_EVIDENCE_MAX_BYTES  largest accepted evidence file (default 25 MiB)
BM_MAP_TILES_URL  map background tile URL template ({z}/{x}/{y}); default none: no tiles
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url


def _env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("BM_DATA_DIR", "./var")).resolve()
KEY_FILE = Path(os.environ.get("BM_KEY_FILE", str(DATA_DIR / "master.key"))).resolve()

DEBUG = _env_flag("BM_DEBUG", False)
HTTPS = _env_flag("BM_HTTPS", not DEBUG)

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("BM_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

# Django's own secret (sessions, CSRF, password reset) is derived from the master key,
# so an installation has exactly one secret to keep.  Before the key exists (first
# `keys init`) a throw-away value is used; the key check refuses to serve without a key.
from bordermonitor.core.keys import django_secret_key  # noqa: E402

SECRET_KEY = django_secret_key(KEY_FILE)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "bordermonitor.core",
    "bordermonitor.accounts",
    "bordermonitor.records",
    "bordermonitor.tracing",
    "bordermonitor.linkage",
    "bordermonitor.figures",
    "bordermonitor.api",
    "bordermonitor.web",
    "bordermonitor.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bordermonitor.web.middleware.PrivatePageMiddleware",
    "bordermonitor.web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "bordermonitor.accounts.middleware.SessionTimeoutMiddleware",
    "bordermonitor.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last, as django-axes asks: turns a locked-out sign-in into its own answer
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bordermonitor.urls"
WSGI_APPLICATION = "bordermonitor.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sign-in (issue 6): password, then a TOTP code (django-otp) for every account.
# django-axes counts failures per username AND address, with a cool-off, so that an
# attacker guessing a colleague's password cannot lock them out for good.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("BM_SIGN_IN_FAILURES", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("BM_SIGN_IN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# failures while locked out do not restart the cool-off: it always ends
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "bordermonitor.accounts.views_signin.locked_out"
AXES_VERBOSE = False  # its log lines would carry the usernames tried
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit trail (chained), not twice
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "code"]
# the peer address as the server saw it (proxies are not trusted blindly, like the audit)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
OTP_TOTP_ISSUER = "bordermonitor"
# session lifetime: ended after this long without a request, and after this long at all
BM_SESSION_IDLE_MINUTES = int(os.environ.get("BM_SESSION_IDLE_MINUTES", "30"))
BM_SESSION_MAX_HOURS = int(os.environ.get("BM_SESSION_MAX_HOURS", "12"))
# exports, erasure, key operations and API tokens ask for a code given this recently
BM_STEP_UP_SECONDS = int(os.environ.get("BM_STEP_UP_SECONDS", "300"))

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
                "bordermonitor.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'bordermonitor.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The SQLite file is encrypted whole with SQLCipher under a key derived from the
    # master key (core/sqlcipher): a copied file shows no dates, nationalities or codes.
    DATABASES["default"]["ENGINE"] = "bordermonitor.core.sqlcipher"
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # No memory mapping (PRAGMA mmap_size) any more: SQLCipher pages are decrypted
            # into the page cache whatever, so mapping saves nothing, and with it SQLCipher
            # 4.12 writes page 1 with a zero salt.
        }
    )
    if os.environ.get("BM_TEST_SQLITE_FILE"):
        # Tests that inspect the database file on disk need a real file, not :memory:.
        DATABASES["default"]["TEST"] = {"NAME": os.environ["BM_TEST_SQLITE_FILE"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# argon2 first; the others only check (and upgrade) passwords hashed before.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Length and the common-password list, no composition rules; long passphrases welcome
# (up to 1024 characters, so hashing cannot be made a denial of service).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "bordermonitor.accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = BM_SESSION_MAX_HOURS * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_flag("BM_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("BM_UPLOAD_MAX_BYTES", str(25 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# A long testimony (many events, acts and victims on one intake screen) posts more
# than Django's default 1000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Evidence files (photos, scans, recordings).  Uploads are held in memory, never in a
# plaintext temporary file, and only up to this size; see records.uploads.
EVIDENCE_MAX_BYTES = int(os.environ.get("BM_EVIDENCE_MAX_BYTES", str(25 * 1024 * 1024)))
FILE_UPLOAD_HANDLERS = ["bordermonitor.records.uploads.BoundedMemoryUploadHandler"]

# Logs never carry names, contacts or testimony text: loggers get record codes only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "bordermonitor": {"level": "INFO", "propagate": True},
        # django-axes tells of every sign-in at INFO; only lockouts and failures matter
        "axes": {"level": "WARNING", "propagate": True},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# Map background tiles: none by default, so the map works offline and tells no tile
# server which stretch of border is being looked at.  BM_MAP_TILES_ATTRIBUTION is shown
# under the map when tiles are used.
BM_MAP_TILES_URL = os.environ.get("BM_MAP_TILES_URL", "").strip()
BM_MAP_TILES_ATTRIBUTION = os.environ.get("BM_MAP_TILES_ATTRIBUTION", "").strip()

# Content-Security-Policy (django-csp): every script, style, font and image comes from
# this site, none inline, so text stored in a record can never run as code.  The only
# outside origin ever allowed is the map tile server, when one is configured.  The
# family letter's print stylesheet is the one inline <style>, admitted by a per-response
# nonce (it is also rendered into a PDF, which must fetch nothing).
from csp.constants import NONCE, NONE, SELF  # noqa: E402

from bordermonitor.web.security import tile_image_sources  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, *tile_image_sources(BM_MAP_TILES_URL)],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Which day counts as "today" for rules such as "an event cannot be in the future".
BM_DEMO_SEED = int(os.environ.get("BM_DEMO_SEED", "2024"))
