"""One clock: tokens, timestamps and date rules all read marketplace.clock, so moving it moves all of them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from marketplace import clock
from marketplace.exchange_rates import ExchangeRate, set_rates
from marketplace.extensions import db


def test_the_clock_is_aware_utc_and_today_is_its_date(time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), tick=False)
    assert clock.now() == datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert clock.today().isoformat() == "2026-03-01"


def test_a_token_lives_exactly_token_ttl_hours_on_the_clock(app, client, users, time_machine):
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    buyer = users.buyer()
    ttl = timedelta(hours=app.config["TOKEN_TTL_HOURS"])

    time_machine.move_to(start + ttl - timedelta(seconds=1), tick=False)
    assert client.get("/api/v1/me", headers=buyer.headers).status_code == 200
    time_machine.move_to(start + ttl, tick=False)
    response = client.get("/api/v1/me", headers=buyer.headers)
    assert response.status_code == 401 and response.json["error"]["code"] == "invalid_token"


def test_stored_timestamps_come_from_the_clock(app, time_machine):
    moment = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    time_machine.move_to(moment, tick=False)
    with app.app_context():
        set_rates({"EUR": Decimal("0.0921")}, actor_id=None)
        db.session.expire_all()
        assert db.session.get(ExchangeRate, "EUR").updated_at == moment
