"""Order tests: Stripe offline (localstripe on loopback, signed webhook deliveries)."""
from tests.orders.stripe_server import (  # noqa: F401  (fixtures, found by pytest in this namespace)
    _localstripe_thread,
    localstripe,
    stripe_handlers,
    stripe_webhooks,
)
