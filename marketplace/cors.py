"""Cross-origin requests from the browser clients named in CORS_ORIGINS (none by default)."""
from __future__ import annotations

from flask import Flask
from flask_cors import CORS


def allowed_origins(setting: str) -> list[str]:
    """`https://souk.ma, https://admin.souk.ma` → the list of origins; empty means no cross-origin access."""
    return [origin.strip().rstrip("/") for origin in setting.split(",") if origin.strip()]


def register(app: Flask) -> None:
    origins = allowed_origins(app.config["CORS_ORIGINS"])
    if origins:
        # Bearer tokens travel in the Authorization header, never in cookies: no credentials mode.
        CORS(app, resources={r"/api/*": {"origins": origins}}, allow_headers=["Authorization", "Content-Type",
             "Accept-Language"], expose_headers=["Retry-After", "Location"], max_age=600)
