"""Django settings for Intercoop; every value comes from config.env (the environment)."""

from __future__ import annotations

import os

from django.utils.translation import gettext_lazy as _

from config import env

BASE_DIR = env.BASE_DIR
DATA_DIR = env.data_dir()

SECRET_KEY = env.secret_key(DATA_DIR)
DEBUG = env.flag("DEBUG", default=False)
ALLOWED_HOSTS = env.csv_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INTERCOOP_MAIL_DOMAIN = os.environ.get("INTERCOOP_MAIL_DOMAIN") or "lists.localhost"
INTERCOOP_SITE_URL = (os.environ.get("INTERCOOP_SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
# Where people write to reach the organisers: shown in the footer and wherever a page
# says "contact us".
INTERCOOP_CONTACT_EMAIL = (
    os.environ.get("INTERCOOP_CONTACT_EMAIL") or f"organisateurs@{INTERCOOP_MAIL_DOMAIN}"
)
INTERCOOP_EVENT_SLUG = os.environ.get("INTERCOOP_EVENT_SLUG") or "intercoop-2007"
CSRF_TRUSTED_ORIGINS = [INTERCOOP_SITE_URL]
CSRF_FAILURE_VIEW = "forum.views.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "channels",
    "forum.apps.ForumConfig",
    "mailbridge.apps.MailbridgeConfig",
    "realtime.apps.RealtimeConfig",
]

# Under ASGI every middleware here runs in the event loop, so that a request leaves it
# only for its view (when the view is sync) and for what may wait on I/O
# (config/middleware.py). A middleware added here should be async-capable too: one that
# is sync only sends every request to a thread and back at its place in the stack.
MIDDLEWARE = [
    "config.middleware.SecurityMiddleware",
    # Content-Security-Policy, Permissions-Policy, HSTS (config/security_headers.py).
    "config.security_headers.SecurityHeadersMiddleware",
    # Outside the static files', to give the files it serves an asynchronous iterator.
    "config.streaming.AsyncFileStreamingMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "config.middleware.SessionMiddleware",
    "config.middleware.LocaleMiddleware",
    "config.middleware.CommonMiddleware",
    "config.middleware.CsrfViewMiddleware",
    "config.middleware.AuthenticationMiddleware",
    "config.middleware.MessageMiddleware",
    "config.middleware.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A service's NotAllowed raised through a view becomes the 403 page (or the API's JSON).
    "forum.middleware.DomainRefusalMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "forum.context_processors.event",
                "mailbridge.context_processors.mailbox_health",
            ],
        },
    },
]

DATABASES = {"default": env.database(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, reading the signed-in account from the cache first.
    "forum.user_cache.ModelBackend",
    "forum.user_cache.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: French first, English second.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
# locale_overrides/: texts of the libraries reworded for the site (allauth says
# « courriel »); after locale/, which `make messages` writes to.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedStaticFilesStorage"},
    # "attachments", "inbound", "dkim": the data dir, or an object store (common/storage.py).
    **env.file_storages(),
}
# Serve from the app/static dirs directly, so `intercoop run` needs no collectstatic.
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

SITE_ID = 1
LOGIN_REDIRECT_URL = "forum:registration"
LOGIN_URL = "account_login"

# django-allauth: the email address is the login, verified before first use.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Intercoop] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if INTERCOOP_SITE_URL.startswith("https") else "http"
# The proxies whose X-Forwarded-For gives the client's address (common.client_ip;
# uvicorn's forwarded_allow_ips follows the same list): addresses or networks.
INTERCOOP_TRUSTED_PROXIES = env.csv_list("INTERCOOP_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
ACCOUNT_ADAPTER = "forum.accounts.AccountAdapter"
# login_failed: "key" is an account and an address together (forum.accounts, which
# also makes each pair wait longer after each failure): failures from one address
# slow that address, and never lock the person out from theirs. The per-address
# rate is a flood guard, generous enough for a few people behind one NAT.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "30/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_SIGNUP_FORM_CLASS = "forum.forms.SignupForm"
# allauth's mails and pages name the person by the name they chose, not the username
# generated from their address.
ACCOUNT_USER_DISPLAY = "forum.templatetags.forum_extras.display_name"

# Mail: EMAIL_URL or .eml files under <data dir>/outbox/.
_email = env.email(DATA_DIR)
EMAIL_BACKEND = _email.backend
EMAIL_HOST = _email.host
EMAIL_PORT = _email.port
EMAIL_HOST_USER = _email.user
EMAIL_HOST_PASSWORD = _email.password
EMAIL_USE_TLS = _email.use_tls
EMAIL_USE_SSL = _email.use_ssl
EMAIL_FILE_PATH = _email.file_path or str(DATA_DIR / "outbox")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = (
    os.environ.get("DEFAULT_FROM_EMAIL") or f"Intercoop <noreply@{INTERCOOP_MAIL_DOMAIN}>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Redis (Celery broker + channel layer) or the embedded in-process equivalents.
REDIS_URL = env.redis_url()
if REDIS_URL:
    from urllib.parse import urlsplit

    _REDIS_DB = urlsplit(REDIS_URL).path.strip("/") or "0"
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: a group message crosses Redis once per web process, which fans
            # it out to its own consumers (however many read a thread: one PUBLISH, not
            # a list push per reader; docs/architecture.md, "Layers, and the embedded
            # run"). At most once: the live pages' catch-up store (realtime.store)
            # fills any gap.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Redis pub/sub channels ignore the database number: the prefix keeps
            # installations (and test runs) on other databases of one Redis apart.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"intercoop.{_REDIS_DB}"},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "config.redis_cache.PooledClientRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Pages (one per anonymous page, one per signed-in reader's) and post
            # fragments (one per post shown) of forum/page_cache.py and
            # post_fragments.py; their sizes: docs/benchmarks.md, "Costs behind the code".
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Outbox tasks run for a while (they loop over batches): a worker takes one task per
# process at a time, so that a fan-out's tasks spread over every worker.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

SESSION_ENGINE = "config.sessions"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if INTERCOOP_SITE_URL.startswith("https"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # A line repeated by a loop (a flood of connections, a failing accept) is written
    # once per interval, then counted (config/log_repeats.py).
    "filters": {"repeats": {"()": "config.log_repeats.RepeatFilter", "interval": 60}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["repeats"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "uvicorn.access": {"level": "WARNING"},
    },
}

# The apps' settings are read here; whether each value suits its app is checked by the
# app's system checks (forum/checks.py, mailbridge/checks.py, realtime/checks.py), which
# `intercoop` runs when a part starts.

# Forum limits.
INTERCOOP_POST_MAX_CHARS = env.integer("INTERCOOP_POST_MAX_CHARS", 50_000)
INTERCOOP_EDIT_WINDOW_MINUTES = env.integer("INTERCOOP_EDIT_WINDOW_MINUTES", 60)
INTERCOOP_POSTS_PER_PAGE = 50
# Largest file a library entry may carry (forum/services/library.py).
INTERCOOP_LIBRARY_FILE_MAX_BYTES = 10 * 1024 * 1024
# Thread and board pages are cached this long at most, for readers signed in or not
# (forum/page_cache.py); 0 turns the page cache off.
INTERCOOP_PAGE_CACHE_SECONDS = env.integer("INTERCOOP_PAGE_CACHE_SECONDS", 300)
# PostgreSQL connections a web process keeps open for its requests (config/asgi.py).
INTERCOOP_WEB_DB_POOL = env.integer("INTERCOOP_WEB_DB_POOL", 16, minimum=2)

# Outgoing mail beyond single posts: digests, bounces, DKIM (mailbridge).
INTERCOOP_DIGEST_HOUR = env.integer("INTERCOOP_DIGEST_HOUR", 7)
INTERCOOP_BOUNCE_THRESHOLD = env.integer("INTERCOOP_BOUNCE_THRESHOLD", 5)
INTERCOOP_DKIM_SELECTOR = os.environ.get("INTERCOOP_DKIM_SELECTOR") or ""
INTERCOOP_DKIM_PRIVATE_KEY_PATH = os.environ.get("INTERCOOP_DKIM_PRIVATE_KEY_PATH") or ""
# A second signature, Ed25519 (RFC 8463), beside the RSA one: its selector's key.
INTERCOOP_DKIM_ED25519_SELECTOR = os.environ.get("INTERCOOP_DKIM_ED25519_SELECTOR") or ""

# The outbound outbox (mailbridge.outbound.sender): rows claimed per batch (also the
# most messages a killed worker can send twice), sending tasks woken per fan-out,
# attempts on 4xx before giving up, backoff bounds, and after how long a claimed
# batch whose worker died goes back to pending.
INTERCOOP_OUTBOX_BATCH_SIZE = env.integer("INTERCOOP_OUTBOX_BATCH_SIZE", 50)
INTERCOOP_OUTBOX_PARALLEL_SENDERS = env.integer("INTERCOOP_OUTBOX_PARALLEL_SENDERS", 4)
INTERCOOP_OUTBOX_MAX_ATTEMPTS = env.integer("INTERCOOP_OUTBOX_MAX_ATTEMPTS", 10)
INTERCOOP_OUTBOX_RETRY_BASE_SECONDS = 60
INTERCOOP_OUTBOX_RETRY_CAP_SECONDS = 3600
INTERCOOP_OUTBOX_RELAY_DOWN_SECONDS = 30
# A claim's lease, inbound and outbound (mailbridge.leases): renewed every third of it
# while its worker lives; a dead worker's claims go back to the queue after it.
INTERCOOP_CLAIM_LEASE_SECONDS = env.integer("INTERCOOP_CLAIM_LEASE_SECONDS", 30)

# The SMTP gateway and inbound mail (mailbridge.smtp, mailbridge.inbound).
INTERCOOP_SMTP_MAX_BYTES = env.integer("INTERCOOP_SMTP_MAX_BYTES", 25 * 1024 * 1024)
INTERCOOP_SMTP_MAX_RECIPIENTS = env.integer("INTERCOOP_SMTP_MAX_RECIPIENTS", 20)
# Open connections in all and per client address (trusted peers exempt): 421 4.7.0 beyond.
INTERCOOP_SMTP_MAX_CONNECTIONS = env.integer("INTERCOOP_SMTP_MAX_CONNECTIONS", 500)
INTERCOOP_SMTP_MAX_CONNECTIONS_PER_CLIENT = env.integer(
    "INTERCOOP_SMTP_MAX_CONNECTIONS_PER_CLIENT", 20
)
# Moving windows per envelope sender and per client address ("" or 0: no limit);
# clients in INTERCOOP_SMTP_TRUSTED_PEERS (the MTA in front) are not limited per client.
INTERCOOP_SMTP_RATE_LIMIT = os.environ.get("INTERCOOP_SMTP_RATE_LIMIT", "30/10 minutes")
INTERCOOP_SMTP_PEER_RATE_LIMIT = os.environ.get("INTERCOOP_SMTP_PEER_RATE_LIMIT", "30/10 minutes")
# What a bridged list may send to `bridge+<network-slug>@`, per bridge (not per list
# sender nor per client: a list relays everyone's mail from one server).
INTERCOOP_SMTP_BRIDGE_RATE_LIMIT = os.environ.get(
    "INTERCOOP_SMTP_BRIDGE_RATE_LIMIT", "300/10 minutes"
)
INTERCOOP_SMTP_TRUSTED_PEERS = env.csv_list("INTERCOOP_SMTP_TRUSTED_PEERS", [])
INTERCOOP_SMTP_TLS_CERT = os.environ.get("INTERCOOP_SMTP_TLS_CERT") or ""
INTERCOOP_SMTP_TLS_KEY = os.environ.get("INTERCOOP_SMTP_TLS_KEY") or ""
# authserv-ids of the upstream MTAs whose Authentication-Results (RFC 8601) are believed.
INTERCOOP_TRUSTED_AUTHSERV_IDS = env.csv_list("INTERCOOP_TRUSTED_AUTHSERV_IDS", [])
INTERCOOP_INBOUND_MAX_RECEIVED = env.integer("INTERCOOP_INBOUND_MAX_RECEIVED", 30)
INTERCOOP_ATTACHMENTS_DIR = DATA_DIR / "attachments"
# Bytes of DATA held at once by the gateway (451 4.3.1 beyond: mailbridge/smtp/data_budget.py).
INTERCOOP_SMTP_DATA_BUDGET_BYTES = env.integer(
    "INTERCOOP_SMTP_DATA_BUDGET_BYTES", 4 * INTERCOOP_SMTP_MAX_BYTES
)
# Raw messages over this size are kept as files under INTERCOOP_INBOUND_DIR, not in
# their row (mailbridge/raw_files.py).
INTERCOOP_INBOUND_FILE_BYTES = env.integer("INTERCOOP_INBOUND_FILE_BYTES", 1024 * 1024)
INTERCOOP_INBOUND_DIR = DATA_DIR / "inbound"

# Live pages (realtime.consumers): a connection that sends nothing (not even the
# heartbeat live.js sends every 30 s) for this long is closed; a browser may send this
# many messages in this many seconds (token bucket), more and it is closed.
INTERCOOP_LIVE_IDLE_SECONDS = 90
INTERCOOP_LIVE_RATE_MESSAGES = 20
INTERCOOP_LIVE_RATE_SECONDS = 10
# The synthesis page's live figures are re-rendered at most once per this many
# milliseconds per questionnaire and process, the last answer's state always pushed
# (realtime.coalesce); 0 renders them for each answer.
INTERCOOP_LIVE_SYNTHESIS_MS = env.integer(
    "INTERCOOP_LIVE_SYNTHESIS_MS", 1000, minimum=0, maximum=60_000
)
