from datetime import timedelta

from flask import current_app, request
from flask_smorest import Blueprint

from marketplace.auth import login_limits, services
from marketplace.auth.permissions import auth_required, current_token, require_user
from marketplace.auth.schemas import (CredentialsSchema, MeSchema, ProfileUpdateSchema, RegisterSchema, TokenSchema,
                                      UserSchema)
from marketplace.errors import ErrorSchema

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and tokens")
blp.register_error_handler(login_limits.TooManyAttempts, login_limits.too_many_attempts_response)


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
@blp.arguments(CredentialsSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Too many failed sign-ins for this account or from this address")
def create_token(body):
    """Sign in: exchange an e-mail and password for a bearer token (failed attempts are limited, see README)."""
    user = login_limits.sign_in(**body, address=request.remote_addr or "-")
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


@blp.route("/me", methods=["PATCH"])
@auth_required()
@blp.arguments(ProfileUpdateSchema)
@blp.response(200, MeSchema)
def update_me(body):
    """Set the language of the messages and documents sent to you (fr, ar, en), and your phone number."""
    return _with_profile(services.update_profile(require_user(), **body))
