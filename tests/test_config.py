import pytest

from marketplace.config import ConfigurationError, load_config


def test_a_laptop_needs_no_settings():
    config = load_config({})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["RESERVATION_MINUTES"] == 30 and config["RETURN_WINDOW_DAYS"] == 7


def test_production_refuses_to_boot_without_its_secrets():
    with pytest.raises(ConfigurationError, match="SECRET_KEY.*DATABASE_URL.*STRIPE_SECRET_KEY"):
        load_config({"APP_ENV": "production"})


def test_production_boots_with_its_secrets():
    env = {"APP_ENV": "production", "SECRET_KEY": "s", "DATABASE_URL": "postgresql+psycopg://x/y",
           "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}
    assert load_config(env)["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://x/y"


def test_a_non_integer_setting_is_a_clear_error():
    with pytest.raises(ConfigurationError, match="RESERVATION_MINUTES"):
        load_config({"RESERVATION_MINUTES": "half an hour"})


def test_a_rebuild_memory_too_small_to_sort_in_is_a_clear_error():
    with pytest.raises(ConfigurationError, match="SEARCH_REBUILD_MEMORY_MB must be at least 16, got '0'"):
        load_config({"SEARCH_REBUILD_MEMORY_MB": "0"})
    assert load_config({"SEARCH_REBUILD_MEMORY_MB": "16"})["SEARCH_REBUILD_MEMORY_MB"] == 16


def test_the_readme_documents_every_setting():
    from pathlib import Path

    from marketplace.config import BASE_DIR, SETTINGS

    readme = Path(BASE_DIR / "README.md").read_text()
    assert [name for name in SETTINGS if f"| `{name}` |" not in readme] == []


def test_a_redis_url_shares_the_cache_between_servers():
    assert load_config({})["CACHE_TYPE"] == "SimpleCache"
    assert load_config({"CACHE_REDIS_URL": "redis://cache:6379/0"})["CACHE_TYPE"] == "RedisCache"
    assert load_config({"CACHE_REDIS_URL": "redis://cache:6379/0", "CACHE_TYPE": "NullCache"})["CACHE_TYPE"] == "NullCache"
