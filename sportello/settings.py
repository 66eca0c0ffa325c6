"""Sportello settings: one file, driven by environment variables.

Every variable is listed in `.env.example` and in docs/configuration.md. The defaults give a
single-machine portal on an embedded SQLite database that `make run` can start with nothing
installed; production sets DATABASE_URL, REDIS_URL, EMAIL_URL, PUBLIC_URL and SECRET_KEY.
"""

import os
import secrets
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SPORTELLO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env(name, default=""):
    return os.environ.get(name, default)


def envbool(name, default="0"):
    return env(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name, default):
    return int(env(name, str(default)))


def envlist(name, default):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def _secret_key():
    """SECRET_KEY from the environment, else one generated once into var/ (never committed).

    Several app servers must share one key: set SECRET_KEY explicitly there.
    """
    if key := env("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG")
TESTING = "pytest" in sys.modules or envbool("SPORTELLO_TESTING")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")

# Links in e-mails start here; by default the address `make run` serves (PORT follows).
PUBLIC_URL = env("PUBLIC_URL", f"http://127.0.0.1:{env('PORT', '8000')}").rstrip("/")
HTTPS = PUBLIC_URL.startswith("https://")

# --- Branding: another utility brands its own instance with these variables. -------------
UTILITY = {
    "name": env("UTILITY_NAME", "Acque e Ambiente del Brenta"),
    "short_name": env("UTILITY_SHORT_NAME", "AAB"),
    "website": env("UTILITY_WEBSITE", "https://www.example.it"),
    "logo": env("UTILITY_LOGO", "img/logo.svg"),
    "primary_color": env("UTILITY_PRIMARY_COLOR", "#00596b"),
    "phone": env("UTILITY_PHONE", "800 000 000"),
    "email": env("UTILITY_EMAIL", "servizio.clienti@example.it"),
    "pec": env("UTILITY_PEC", "protocollo@pec.example.it"),
    "address": env("UTILITY_ADDRESS", "Via Roma 1, 35010 Villa del Conte (PD)"),
    "vat": env("UTILITY_VAT", "01234560025"),
    "hours": env("UTILITY_HOURS", "lunedì-venerdì 8:00-18:00, sabato 8:00-13:00"),
}

# The utility's patron saint's day ("MM-DD", empty for none): not a working day for the
# regulator's clocks (core.workdays). 13 June, Sant'Antonio, is Padova's.
PATRON_SAINT_DAY = env("PATRON_SAINT_DAY", "06-13")

# --- Domains (each app reads its own settings in its conf.py, with these defaults) ----------
# Letture contatore (docs/readings.md): a daily consumption this many times the usual one asks
# for confirmation (ARERA 609/2021); a rejection is notified within these working days (TIMSII).
READINGS_LEAK_FACTOR = float(env("READINGS_LEAK_FACTOR", "2"))
READINGS_ANSWER_WORKING_DAYS = envint("READINGS_ANSWER_WORKING_DAYS", 9)
READINGS_DEFAULT_DIGITS = envint("READINGS_DEFAULT_DIGITS", 5)
READINGS_SUBMIT_LIMIT = envint("READINGS_SUBMIT_LIMIT", 20)
# Richieste e reclami (docs/tickets.md).
TICKETS_REOPEN_DAYS = envint("TICKETS_REOPEN_DAYS", 30)
TICKETS_DEFAULT_ANSWER_DAYS = envint("TICKETS_DEFAULT_ANSWER_DAYS", 30)
TICKETS_METER_CHECK_COST = env("TICKETS_METER_CHECK_COST", "50.00")
TICKETS_MAX_ATTACHMENTS = envint("TICKETS_MAX_ATTACHMENTS", 5)
TICKETS_SUBMIT_LIMIT = envint("TICKETS_SUBMIT_LIMIT", 20)
TICKETS_MESSAGE_LIMIT = envint("TICKETS_MESSAGE_LIMIT", 50)
# Le mie pratiche (docs/pratiche.md): protocol prefix, SEPA mandates.
PRATICHE_PROTOCOL_PREFIX = env("PRATICHE_PROTOCOL_PREFIX", "PR")
PRATICHE_MANDATE_PREFIX = env("PRATICHE_MANDATE_PREFIX", UTILITY["short_name"])
PRATICHE_SEPA_CREDITOR_ID = env("PRATICHE_SEPA_CREDITOR_ID", "IT00ZZZ0000000000000000000")
PRATICHE_DELIVERY_CONFIRM_HOURS = envint("PRATICHE_DELIVERY_CONFIRM_HOURS", 24)
PRATICHE_DELIVERY_CONFIRMATIONS_PER_HOUR = envint("PRATICHE_DELIVERY_CONFIRMATIONS_PER_HOUR", 5)
PRATICHE_MAX_DRAFTS = envint("PRATICHE_MAX_DRAFTS", 20)
PRATICHE_FONT_DIR = env("PRATICHE_FONT_DIR", "/usr/share/fonts/truetype/dejavu")

# Bollette online (docs/billing.md): years of bills shown; the creditor's codice fiscale on
# pagoPA notices (empty: UTILITY_VAT).
BILLING_HISTORY_YEARS = envint("BILLING_HISTORY_YEARS", 2)
PAGOPA_CREDITOR_FISCAL_CODE = env("PAGOPA_CREDITOR_FISCAL_CODE")
# Online payment (docs/payments.md): `sandbox` (the built-in test gateway) or `xpay` (Nexi
# XPay). Empty XPAY_* mean the sandbox's own values; `check --deploy` warns until production
# names Nexi's URL, the merchant's alias and its MAC key.
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", "sandbox")
XPAY_URL = env("XPAY_URL")
XPAY_ALIAS = env("XPAY_ALIAS")
XPAY_SECRET = env("XPAY_SECRET")
XPAY_API_URL = env("XPAY_API_URL")
PAYMENT_PENDING_MINUTES = envint("PAYMENT_PENDING_MINUTES", 15)
PAYMENT_SANDBOX_NOTIFY_DELAY = envint("PAYMENT_SANDBOX_NOTIFY_DELAY", 2)

# Version of the privacy notice a consent refers to; bump it when the notice changes.
PRIVACY_NOTICE_VERSION = env("PRIVACY_NOTICE_VERSION", "2026-11")

# The demo app (demo logins with public passwords, `seed_demo`, `demo_code`) exists only on a
# developer's machine (DEBUG), a demo instance (DEMO=1: `make run` sets it) and in tests.
DEMO = envbool("DEMO") or DEBUG or TESTING

# --- Applications -------------------------------------------------------------------------
# Each app of ours plugs in through core.registry from its AppConfig.ready() (menu, home
# card, data export, feed files, back-office entries) and, with `url_prefix` on its
# AppConfig, its URLs (sportello/urls.py): a new domain is its folder plus one line here.
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "captcha",
    "bootstrap_italia_template",
    "core",
    "accounts",
    "customers",
    "readings",
    "billing",
    "payments",
    "tickets",
    "pratiche",
    "feeds",
    "backoffice",
    *(["demo"] if DEMO else []),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestRateLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.ResolvedUserMiddleware",
    "core.request_size.RequestSizeMiddleware",
    "core.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.SessionLifetimeMiddleware",
    "core.middleware.SessionRefreshMiddleware",
    "accounts.middleware.SessionActivityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.PrivateCacheMiddleware",
    # Last, so that it sees the authentication failures of every view above it.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sportello.urls"
WSGI_APPLICATION = "sportello.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "core.context_processors.portal",
                # After Django's built-in CSRF processor, whose `csrf_token` it replaces: the
                # same token, masked faster (core/csrf.py).
                "core.csrf.csrf",
            ],
        },
    }
]

# --- Database ------------------------------------------------------------------------------
# SQLite by default: `make run` must work on a machine with nothing but python3, and one
# utility office can run on it. PostgreSQL (psycopg 3) whenever DATABASE_URL says so.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sportello.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend whose health check asks the socket before it sends `SELECT 1`.
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"
    # Persistent connections, checked before reuse so the first request after a PostgreSQL
    # restart does not fail.
    DATABASES["default"]["CONN_MAX_AGE"] = envint("DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # Opening a SQLite connection (and its PRAGMAs) costs more than a page's queries: keep it.
    DATABASES["default"]["CONN_MAX_AGE"] = envint("DB_CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            # WAL lets the worker write while the web server reads; IMMEDIATE avoids
            # "database is locked" on upgrading a read transaction to a write.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, rate limits -----------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sportello",
            "OPTIONS": {
                # Redis down must not take the portal down: errors read as cache misses.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
elif TESTING:
    # In-process tests run in one process and clear the cache before each test, also tests
    # that have no database; the tests of core.cache and the multi-worker tests (real
    # gunicorn processes, not TESTING) use the database cache below.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sportello",
        }
    }
else:
    # Without Redis, a cache every gunicorn worker (and every app server on the same
    # database) shares, so rate limits are exact on `make run`: Django's database cache with
    # an atomic incr (core.cache). A per-process cache multiplied every limit by the workers.
    CACHES = {
        "default": {
            "BACKEND": "core.cache.DatabaseCache",
            "LOCATION": "sportello_cache",  # core.cache.TABLE, created by core migration 0003
            "KEY_PREFIX": "sportello",
            "OPTIONS": {
                # Django culls (deletes a third of the rows) past MAX_ENTRIES, default 300:
                # that would reset live rate-limit counters. Expired rows go first, and
                # `manage.py housekeeping` deletes them daily, so live entries (mostly
                # one-minute counters per client address) stay far below this; each write
                # counts the rows, so it is not unbounded either.
                "MAX_ENTRIES": 50_000,
            },
        }
    }
    # django-ratelimit warns (W001) on any backend it does not list, so on every command of
    # `make run`; our deploy check sportello.W010 (core.checks_cache) says the useful thing
    # instead. E003, a per-process or non-atomic cache, is never silenced.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# Sessions live in the database, always: after "Esci" or "termina le altre sessioni" the old
# cookie is dead on every worker and server at once. cached_db kept a copy in a per-process
# cache alive on the other workers, and with Redis down a deletion could leave a stale
# cached copy. Measured: 310 req/s (db) against 322 (cached_db): not worth the hole.
# core.sessions is Django's database backend with its read as one plain SQL statement.
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_AGE = envint("SESSION_IDLE_SECONDS", 30 * 60)  # idle timeout
# Not a database write per request: core.middleware.SessionRefreshMiddleware saves a session
# again at most once a minute, so the idle timeout is SESSION_COOKIE_AGE less at most 60 s.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ABSOLUTE_SECONDS = envint("SESSION_ABSOLUTE_SECONDS", 24 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

RATELIMIT_USE_CACHE = "default"
# With Redis down, counting is impossible: let requests through rather than block everyone
# Login keeps its own database-backed guard (django-axes), and "Aggancio servizi"
# fails closed on its own (core.limits).
RATELIMIT_FAIL_OPEN = True
# Requests per minute from one client address (IPv6: one /64 network, core.http.client_key),
# across every app server (0 turns it off).
RATE_LIMIT_PER_IP = env("RATE_LIMIT_PER_IP", "600/m")
# Number of reverse proxies in front of the app whose X-Forwarded-For we trust.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# --- Login throttling (django-axes, database handler: it keeps working with Redis down) ---
# Failures count per (username, address) pair: a stranger elsewhere cannot lock a customer
# out. A per-address ceiling on login POSTs (accounts.views) slows guessing across usernames.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UsernameOrEmailBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
# Failures count per client address, an IPv6 client's whole /64 network being one address.
AXES_CLIENT_IP_CALLABLE = "core.http.client_key"
AXES_VERBOSE = False
# The fields of password forms that axes masks in the attempts it stores.
AXES_SENSITIVE_PARAMETERS = [
    "password", "username", "current_password", "password1", "password2", "token",
]  # fmt: skip
# Failed logins for one profile, from any address within AXES_COOLOFF_TIME, after which the
# login also asks for a CAPTCHA and the owner is told once per window (never a lock that a
# stranger could trigger).
LOGIN_ACCOUNT_SOFT_LIMIT = envint("LOGIN_ACCOUNT_SOFT_LIMIT", 10)
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"

# --- CAPTCHA (django-simple-captcha: image with an audio alternative) --------------------
CAPTCHA_TEST_MODE = envbool("CAPTCHA_TEST_MODE")
CAPTCHA_LENGTH = 5
CAPTCHA_FONT_SIZE = 32
CAPTCHA_IMAGE_SIZE = (160, 60)
CAPTCHA_LETTER_ROTATION = (-20, 20)
CAPTCHA_CHALLENGE_FUNCT = "accounts.captcha.challenge"
# The audio alternative needs flite (Debian package); without it the audio link is omitted.
CAPTCHA_FLITE_PATH = env("CAPTCHA_FLITE_PATH", shutil.which("flite") or "") or None
CAPTCHA_TIMEOUT = 30  # minutes: a registration form takes a while to fill in

# --- Two-step verification (django-otp) ---------------------------------------------------
OTP_TOTP_ISSUER = UTILITY["name"]

# --- Passwords ------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The guide's 8 characters, plus what NIST SP 800-63B-4 asks instead of composition rules:
# a blocklist, no resemblance to the profile's data, and a strength estimate (docs/security.md).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "accounts.passwords.MaximumLengthValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {
            "user_attributes": (
                "username",
                "first_name",
                "last_name",
                "email",
                "codice_fiscale",
                "company_name",
                "partita_iva",
            )
        },
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.StrengthValidator"},
]
PASSWORD_RESET_TIMEOUT = 3600
LOGIN_URL = "accounts:login"
# The header's "Registrati" button (core.context_processors); hidden when it does not resolve.
REGISTRATION_URL = "accounts:register"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "it"
# A language is offered only once its catalogue is translated (WCAG 3.1.1: a page must not
# say lang="en" and speak Italian). locale/en is generated but not translated yet: add
# ("en", _("English")) here when it is.
LANGUAGES = [("it", _("Italiano"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # What customers and the billing system hand in (bill PDFs, photos, attachments): never
    # under a public URL; views serve each file to those it belongs to (core.uploads.serve).
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "private", "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Mail -----------------------------------------------------------------------------------
# Every message goes through the outbox (core.outbox); EMAIL_URL decides whether the worker
# hands it to an SMTP server or keeps it on this machine for the development mailbox.
EMAIL_URL = env("EMAIL_URL")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Sportello online <no-reply@sportello.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 8)


def _email_settings(url):
    """Parse EMAIL_URL: smtp://host:port, smtp+tls://user:pass@host:587, smtp+ssl://…"""
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtp+tls", "smtp+ssl"):
        raise ValueError("EMAIL_URL must start with smtp://, smtp+tls:// or smtp+ssl://")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}[parts.scheme],
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme == "smtp+ssl",
    }


globals().update(_email_settings(EMAIL_URL))

# --- Background tasks (Tasks API, database backend: nothing to run but the database) --------
# Enqueueing writes a row in the same database and transaction as the change that causes it.
# Imports run on a queue of their own ("imports"), so a long import never delays a
# password-reset mail on the "default" queue; `manage.py run` starts a worker for each.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "imports"],
    }
}

# --- Request bodies (core.request_size): refused on their declared length before anything
# reads them. Larger for signed-in users (attachments); the feed upload has its own limit.
REQUEST_MAX_BYTES_ANONYMOUS = envint("REQUEST_MAX_BYTES_ANONYMOUS", 1024 * 1024)
REQUEST_MAX_BYTES = envint("REQUEST_MAX_BYTES", 10 * 1024 * 1024)

# --- Security headers -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Powerful browser features are off everywhere; a page that needs one (a camera for a meter
# photo, say) turns it on for itself, not for the whole site.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
        "payment", "usb", "browsing-topics", "interest-cohort",
    )
}  # fmt: skip
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 2 * 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are bound to this exact host, HTTPS only, path "/".
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    CSRF_TRUSTED_ORIGINS = [PUBLIC_URL]
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True

# --- Logging: to stderr, no personal data in messages (see docs/operations.md). -------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.security.DisallowedHost": {"level": "ERROR"},
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
        # axes logs every login at INFO with the request path; warnings are enough.
        "axes": {"level": "WARNING"},
    },
}

FORM_RENDERER = "core.forms.FormRenderer"
