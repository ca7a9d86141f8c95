"""Settlement fixtures: cooperatives and members are built through the HTTP API."""
from tests.cooperatives.conftest import coop_factory  # noqa: F401  (the fixture, re-exported)
