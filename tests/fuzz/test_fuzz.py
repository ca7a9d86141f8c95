"""The schema-driven fuzzer: every operation of the OpenAPI document, as anonymous, buyer, cooperative manager and
administrator, first operation by operation and then in stateful sequences.

Every response must be below 500; a 2xx must match the document; every 4xx must have the one error shape.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from marketplace import create_app
from tests.fuzz.conftest import World, fresh_world

ROLES = ("anonymous", "buyer", "manager", "admin")
STATEFUL_EXAMPLES = 8
FUZZ_SETTINGS = settings(max_examples=10, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))


def success_matches_document(ctx, response, case):
    """Responses below 300 match their documented schema (error bodies are checked by `error_shape`)."""
    if response.status_code < 300:
        return response_schema_conformance(ctx, response, case)
    return None


def error_shape(ctx, response, case):
    """Every 4xx is {"error": {"code": str, "message": str, "details": object}} and nothing else."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["details"], dict), error
    return True


CHECKS = [not_a_server_error, success_matches_document, error_shape]


def role_headers(world: World, role: str) -> dict[str, str]:
    return {} if role == "anonymous" else getattr(world, role).headers


def openapi_document() -> dict:
    """The document the app serves; building it needs no database."""
    app = create_app({"DATABASE_URL": "sqlite://"})
    return app.test_client().get("/api/v1/openapi.json").json


# Signing out revokes the token the other cases use; tests/test_accounts.py covers it.
schema = schemathesis.openapi.from_dict(openapi_document()).exclude(path="/api/v1/auth/tokens/current",
                                                                    method="DELETE")


@schema.parametrize()
@FUZZ_SETTINGS
def test_operations(case, fuzz_app, fuzz_world):
    for role in ROLES:
        response = case.call(app=fuzz_app, headers=role_headers(fuzz_world, role))
        case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("role", ROLES)
def test_stateful_sequences(fuzz_app, fuzz_world, tmp_path_factory, role):
    """Sequences that feed one response's ids into the next request (links inferred from the document).

    Every scenario starts from the same fresh world, so that Hypothesis replaying a scenario sees the same answers.
    """

    class Workflow(schema.as_state_machine()):
        def setup(self):
            self.world = fresh_world(fuzz_app, tmp_path_factory.mktemp("index"))

        def get_call_kwargs(self, case):
            return {"app": fuzz_app, "headers": role_headers(self.world, role)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Workflow.run(settings=settings(FUZZ_SETTINGS, max_examples=STATEFUL_EXAMPLES, stateful_step_count=6))
