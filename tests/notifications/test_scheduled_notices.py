"""The periodic notices: certification reminders (each stage once), products that left the shop with their
certificate, low-stock alerts (once per shortage)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.clock import now, today


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_reminders_come_30_and_7_days_before_expiry_and_the_day_it_lapses_each_once(
        app, shop, users, messages, runner, time_machine):
    manager = users.cooperative()
    cooperative_id = shop.cooperative(manager, name="Miel du Souss")
    start = now()
    shop.certification(cooperative_id, expires_on=today() + timedelta(days=40))
    product = shop.published(manager, cooperative_id, certify=False)

    def remind(day: int) -> str:
        time_machine.move_to(start + timedelta(days=day))
        return runner.invoke(args=["certifications", "remind"]).output

    sent = [remind(day) for day in (5, 10, 11, 33, 34, 40, 41, 42)]

    assert sent == [f"{n} reminders sent.\n" for n in (0, 1, 0, 1, 0, 0, 1, 0)]
    assert messages.events_for(manager.email) == ["certification_expired", "certification_expiring",
                                                  "certification_expiring", "product_delisted"]
    thirty, seven = [m for m in messages.emails_to(manager.email) if " expire le " in m.subject]
    assert "dans 30 jours" in thirty.body and "dans 7 jours" in seven.body
    expiry = (start + timedelta(days=40)).date()
    assert f"{expiry.day} " in thirty.subject and str(expiry.year) in thirty.subject
    [delisted] = [m for m in messages.emails_to(manager.email) if "plus en vente" in m.subject]
    assert product["name"]["fr"] in delisted.subject and "a expiré" in delisted.body


def test_a_reminder_found_late_sends_only_the_latest_stage(app, shop, users, messages, runner):
    manager = users.cooperative()
    cooperative_id = shop.cooperative(manager)
    shop.certification(cooperative_id, expires_on=today() + timedelta(days=3))

    assert runner.invoke(args=["certifications", "remind"]).output == "1 reminders sent.\n"
    [reminder] = messages.emails_to(manager.email)
    assert "dans 3 jours" in reminder.body


def test_revoking_a_certificate_tells_the_manager_which_products_left_the_shop_and_why(
        client, coop_factory, shop, messages):
    cooperative, manager = coop_factory.verified()
    certification = coop_factory.verified_certification(manager, cooperative["id"])
    product = shop.published(manager, cooperative["id"], certify=False)

    coop_factory.decide_certification(certification["id"], "revoke", "fraude documentaire")

    [delisted] = [m for m in messages.emails_to(manager.email) if "plus en vente" in m.subject]
    assert product["name"]["fr"] in delisted.body and "révoqué" in delisted.body
    assert "fraude documentaire" in delisted.body


def test_low_stock_is_announced_once_per_shortage(app, app_config, shop, users, messages, runner):
    manager = users.cooperative()
    cooperative_id = shop.cooperative(manager)
    member_id = shop.member(cooperative_id)
    low = shop.published(manager, cooperative_id)
    plenty = shop.published(manager, cooperative_id)
    assert shop.lot(manager, low, member_id, quantity=4).status_code == 201
    assert shop.lot(manager, plenty, member_id, quantity=50).status_code == 201

    first = runner.invoke(args=["stock", "alerts"]).output
    second = runner.invoke(args=["stock", "alerts"]).output
    assert shop.lot(manager, low, member_id, quantity=10).status_code == 201
    restocked = runner.invoke(args=["stock", "alerts"]).output
    app_config(LOW_STOCK_THRESHOLD=20)
    short_again = runner.invoke(args=["stock", "alerts"]).output

    assert [first, second, restocked, short_again] == [
        f"{n} variants announced as low on stock.\n" for n in (1, 0, 0, 1)]
    alerts = [m for m in messages.emails_to(manager.email) if m.subject.startswith("Stock bas")]
    assert len(alerts) == 2
    assert low["variants"][0]["sku"] in alerts[0].body and ": 4" in alerts[0].body
    assert plenty["variants"][0]["sku"] not in alerts[0].body
    assert low["variants"][0]["sku"] in alerts[1].body and ": 14" in alerts[1].body
