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
    "STRIPE_SECRET_KEY": ("", "Stripe secret key (`sk_…`)"),
    "STRIPE_WEBHOOK_SECRET": ("", "Stripe webhook endpoint secret (`whsec_…`)"),
    "STRIPE_API_BASE": ("", "point the stripe library at another server (localstripe in tests)"),
    "RESERVATION_MINUTES": ("30", "minutes an unpaid card order holds its stock"),
    "RETURN_WINDOW_DAYS": ("7", "days after delivery before a parcel can be settled"),
    "PLATFORM_COMMISSION_BPS": ("500", "default platform commission in basis points"),
    "PAYMENT_FEE_BPS": ("290", "card payment fee assumed at settlement when the provider's fee is unknown, in basis points"),
    "PAYMENT_FEE_FIXED": ("300", "plus this fixed amount per card payment, in MAD minor units"),
    "TOKEN_TTL_HOURS": ("720", "lifetime of an API token"),
    "ARGON2_TIME_COST": ("3", "argon2 passes per password hash"),
    "ARGON2_MEMORY_KIB": ("65536", "argon2 memory per password hash, in KiB"),
    "LOGIN_FAILURES_PER_ACCOUNT_ADDRESS": ("10", "failed sign-ins a minute for one e-mail from one address before 429"),
    "LOGIN_FAILURES_PER_ADDRESS": ("300", "failed sign-ins a minute from one address, any e-mails, before 429"),
    "LOGIN_FAILURES_PER_ACCOUNT": ("50", "failed sign-ins an hour for one e-mail, any addresses, before growing delays"),
    "CORS_ORIGINS": ("", "comma-separated origins of browser clients allowed to call the API (none by default)"),
    "MAX_CONTENT_LENGTH": (str(11 * 1024 * 1024), "largest request body in bytes (uploads are ≤ 10 MB)"),
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
             "LOGIN_FAILURES_PER_ADDRESS", "LOGIN_FAILURES_PER_ACCOUNT", "CACHE_DEFAULT_TIMEOUT",
             "RESPONSE_CACHE_SECONDS", "HTTP_MAX_AGE"}


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
        except ValueError:
            raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
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
