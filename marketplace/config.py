"""Configuration from the environment, with working defaults for a laptop (12-factor)."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"

# Name -> (default, meaning). The README's configuration table is written from this list.
SETTINGS: dict[str, tuple[str, str]] = {
    "APP_ENV": ("development", "`production` refuses to boot without SECRET_KEY, DATABASE_URL and the Stripe secrets"),
    "DATABASE_URL": (f"sqlite:///{INSTANCE_DIR / 'souk.db'}", "SQLAlchemy URL; `postgresql+psycopg://…` for PostgreSQL"),
    "SECRET_KEY": ("dev-only-not-secret", "signing key; must be set in production"),
    "MEDIA_ROOT": (str(BASE_DIR / "static" / "media"), "where uploaded images are stored"),
    "PRIVATE_MEDIA_ROOT": (str(INSTANCE_DIR / "private"), "certification documents (never served statically)"),
    "SEARCH_BACKEND": ("whoosh", "`whoosh` (one machine) or `postgres` (several app servers)"),
    "SEARCH_INDEX_DIR": (str(INSTANCE_DIR / "search-index"), "Whoosh index directory"),
    "SEARCH_REBUILD_MEMORY_MB": ("1024", "postings each Whoosh rebuild writer (one per core, up to 4) sorts in memory before spilling to disk; ~900 MB resident each at 100,000 products, lower on a small machine (at least 16; a spilling rebuild takes about twice as long)"),
    "STRIPE_SECRET_KEY": ("", "Stripe secret key (`sk_…`)"),
    "STRIPE_WEBHOOK_SECRET": ("", "Stripe webhook endpoint secret (`whsec_…`)"),
    "STRIPE_API_BASE": ("", "point the stripe library at another server (localstripe in tests)"),
    "RESERVATION_MINUTES": ("30", "minutes an unpaid card order holds its stock"),
    "RETURN_WINDOW_DAYS": ("7", "days after delivery before a parcel can be settled"),
    "PLATFORM_COMMISSION_BPS": ("500", "default platform commission in basis points"),
    "PAYMENT_FEE_BPS": ("290", "card payment fee assumed at settlement when the provider's fee is unknown, in basis points"),
    "PAYMENT_FEE_FIXED": ("300", "plus this fixed amount per card payment, in MAD minor units"),
    "PAYMENT_FEE_FROM_PROVIDER": ("1", "`1`: after a card capture, ask Stripe for the charge's balance transaction and settle with its fee"),
    "PLATFORM_VAT_BPS": ("2000", "VAT on the platform's commission, in basis points (included in the commission)"),
    "PLATFORM_LEGAL_NAME": ("Souk Coop SARL", "the platform's legal name on its commission invoices"),
    "PLATFORM_ICE": ("001561191000066", "the platform's ICE on its commission invoices"),
    "PLATFORM_ADDRESS": ("Rabat, Maroc", "the platform's address on its commission invoices"),
    "INVOICES_RENDER_ON_ISSUE": ("1", "render an invoice's French PDF right after it is issued (0: on first request)"),
    "TOKEN_TTL_HOURS": ("720", "lifetime of an API token"),
    "ARGON2_TIME_COST": ("3", "argon2 passes per password hash"),
    "ARGON2_MEMORY_KIB": ("65536", "argon2 memory per password hash, in KiB"),
    "LOGIN_FAILURES_PER_ACCOUNT_ADDRESS": ("10", "failed sign-ins a minute for one e-mail from one address before 429"),
    "LOGIN_FAILURES_PER_ADDRESS": ("300", "failed sign-ins a minute from one address, any e-mails, before 429"),
    "LOGIN_FAILURES_PER_ACCOUNT": ("50", "failed sign-ins an hour for one e-mail, any addresses, before growing delays"),
    "CORS_ORIGINS": ("", "comma-separated origins of browser clients allowed to call the API (none by default)"),
    "MAX_CONTENT_LENGTH": (str(11 * 1024 * 1024), "largest request body in bytes (uploads are ≤ 10 MB)"),
    "JOBS_URL": (f"sqlite:///{INSTANCE_DIR / 'jobs.db'}", "job queue: `sqlite:///file` (one machine) or `redis://host:6379/0` (several)"),
    "JOBS_NAME": ("souk", "queue name (keys in Redis, rows in the SQLite queue)"),
    "JOBS_IMMEDIATE": ("0", "`1` runs jobs in-process as they are enqueued (the test suite)"),
    "EXPIRE_ORDERS_SCHEDULE": ("* * * * *", "cron (UTC) of the unpaid-order expiry; empty turns it off"),
    "CERTIFICATION_REMINDERS_SCHEDULE": ("0 8 * * *", "cron (UTC) of the certification reminders; empty turns them off"),
    "LOW_STOCK_SCHEDULE": ("0 7 * * *", "cron (UTC) of the low-stock alerts; empty turns them off"),
    "SETTLEMENT_SCHEDULE": ("", "cron (UTC) of an automatic settlement run up to today; empty (default): runs are started by hand"),
    "NOTIFICATIONS_RETRY_SCHEDULE": ("* * * * *", "cron (UTC) of the sweep that sends due retries"),
    "LOW_STOCK_THRESHOLD": ("5", "a published variant with this many units available or fewer is reported to its managers"),
    "NOTIFICATION_MAX_ATTEMPTS": ("8", "sending attempts before a message stays `failed`"),
    "NOTIFICATION_RETRY_SECONDS": ("60", "wait before the first retry; doubles after each failure"),
    "MAIL_BACKEND": ("console", "`console` (prints), `smtp`, `locmem` (tests) or `file`"),
    "MAIL_SERVER": ("localhost", "SMTP host"),
    "MAIL_PORT": ("25", "SMTP port"),
    "MAIL_USERNAME": ("", "SMTP user (none: no login)"),
    "MAIL_PASSWORD": ("", "SMTP password"),
    "MAIL_USE_TLS": ("0", "`1`: STARTTLS"),
    "MAIL_USE_SSL": ("0", "`1`: SMTP over TLS"),
    "MAIL_TIMEOUT": ("10", "seconds before an SMTP attempt fails"),
    "MAIL_DEFAULT_SENDER": ("Souk Coop <no-reply@souk.test>", "From: of every e-mail"),
    "SMS_BACKEND": ("console", "`console` (logs and keeps an outbox) or `http` (JSON POST to SMS_URL)"),
    "SMS_URL": ("", "the SMS provider's endpoint (SMS_BACKEND=http)"),
    "SMS_TOKEN": ("", "bearer token sent to SMS_URL"),
    "SMS_SENDER": ("SoukCoop", "sender id shown on the phone"),
    "CACHE_TYPE": ("SimpleCache", "where listing totals and anonymous catalog responses are kept: `SimpleCache` (each worker), `FileSystemCache` (one machine, in CACHE_DIR), `RedisCache` (several servers; implied by CACHE_REDIS_URL), `NullCache` (nothing kept)"),
    "CACHE_REDIS_URL": ("", "`redis://…`: a cache shared by several app servers"),
    "CACHE_DIR": (str(INSTANCE_DIR / "cache"), "FileSystemCache directory"),
    "CACHE_DEFAULT_TIMEOUT": ("300", "seconds a cached total or response is kept at most (a catalog change makes it unreachable at once)"),
    "RESPONSE_CACHE_SECONDS": ("300", "seconds an anonymous catalog response is kept server-side; 0 keeps none (totals are still cached)"),
    "HTTP_MAX_AGE": ("30", "`Cache-Control: public, max-age` of anonymous catalog responses, in seconds"),
}

REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DATABASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")

_INTEGERS = {"ARGON2_TIME_COST", "ARGON2_MEMORY_KIB", "RESERVATION_MINUTES", "RETURN_WINDOW_DAYS", "PLATFORM_COMMISSION_BPS", "TOKEN_TTL_HOURS",
             "PAYMENT_FEE_BPS", "PAYMENT_FEE_FIXED", "MAX_CONTENT_LENGTH", "LOGIN_FAILURES_PER_ACCOUNT_ADDRESS",
             "LOGIN_FAILURES_PER_ADDRESS", "LOGIN_FAILURES_PER_ACCOUNT", "PLATFORM_VAT_BPS", "INVOICES_RENDER_ON_ISSUE",
             "LOW_STOCK_THRESHOLD", "NOTIFICATION_MAX_ATTEMPTS", "NOTIFICATION_RETRY_SECONDS", "MAIL_PORT", "MAIL_TIMEOUT",
             "CACHE_DEFAULT_TIMEOUT", "RESPONSE_CACHE_SECONDS", "HTTP_MAX_AGE", "SEARCH_REBUILD_MEMORY_MB"}
_MINIMUMS = {"SEARCH_REBUILD_MEMORY_MB": 16}  # below it a rebuild spills nearly every posting to disk
_FLAGS = {"JOBS_IMMEDIATE", "PAYMENT_FEE_FROM_PROVIDER", "MAIL_USE_TLS", "MAIL_USE_SSL"}


class ConfigurationError(RuntimeError):
    pass


def load_config(environ: dict[str, str] | None = None) -> dict[str, object]:
    """Read every setting from the environment, falling back to the laptop defaults."""
    environ = os.environ if environ is None else environ
    if environ.get("APP_ENV") == "production":
        missing = [name for name in REQUIRED_IN_PRODUCTION if not environ.get(name)]
        if missing:
            raise ConfigurationError(f"APP_ENV=production needs these environment variables: {', '.join(missing)}")
    config: dict[str, object] = {}
    for name, (default, _meaning) in SETTINGS.items():
        raw = environ.get(name, default)
        try:
            config[name] = int(raw) if name in _INTEGERS else raw
            if name in _FLAGS:
                config[name] = raw.strip().lower() in ("1", "true", "yes")
        except ValueError:
            raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
        if name in _MINIMUMS and config[name] < _MINIMUMS[name]:
            raise ConfigurationError(f"{name} must be at least {_MINIMUMS[name]}, got {raw!r}")
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    if config["CACHE_REDIS_URL"] and "CACHE_TYPE" not in environ:
        config["CACHE_TYPE"] = "RedisCache"
    config["CACHE_KEY_PREFIX"] = "souk:"  # a shared Redis: clearing the cache deletes these keys only
    config.update(API_SETTINGS)
    return config


API_SETTINGS = {
    "API_TITLE": "Souk Coop API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "v1/openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
    "API_SPEC_OPTIONS": {
        "info": {"description": "Marketplace for Moroccan solidarity-economy cooperatives."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    },
}
