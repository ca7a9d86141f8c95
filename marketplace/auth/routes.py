from datetime import timedelta

from flask import current_app, request
from flask_smorest import Blueprint

from marketplace.auth import services
from marketplace.auth.permissions import auth_required, current_token, require_user
from marketplace.auth.schemas import CredentialsSchema, MeSchema, RegisterSchema, TokenSchema, UserSchema
from marketplace.extensions import limiter

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and tokens")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_email() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return f"login-email:{services.normalize_email(email) if isinstance(email, str) else '-'}"


def _failed(response) -> bool:
    return response.status_code == 401


def _with_profile(user) -> dict:
    return {**{name: getattr(user, name) for name in UserSchema._declared_fields}, **services.profile(user)}


@blp.route("/auth/register", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@blp.arguments(RegisterSchema)
@blp.response(201, MeSchema)
def register(body):
    """Create a buyer or cooperative account (admins are created from the command line)."""
    return _with_profile(services.register_user(**body))


@blp.route("/auth/tokens", methods=["POST"])
@limiter.limit(_login_limit, deduct_when=_failed)
@limiter.limit(_login_limit, key_func=_login_email, deduct_when=_failed)
@blp.arguments(CredentialsSchema)
@blp.response(201, TokenSchema)
def create_token(body):
    """Sign in: exchange an e-mail and password for a bearer token."""
    user = services.authenticate(**body)
    issued = services.issue_token(user, ttl=timedelta(hours=current_app.config["TOKEN_TTL_HOURS"]))
    return {"token": issued.token, "expires_at": issued.expires_at, "user": _with_profile(user)}


@blp.route("/auth/tokens/current", methods=["DELETE"])
@auth_required()
@blp.response(204)
def revoke_current_token():
    """Sign out: revoke the token used for this request."""
    services.revoke_token(current_token())


@blp.route("/me", methods=["GET"])
@auth_required()
@blp.response(200, MeSchema)
def me():
    """The signed-in user, with role and the ids of the cooperatives they manage."""
    return _with_profile(require_user())
