"""Settlement benchmark on PostgreSQL: delivered parcels across 1,000 cooperatives and 20,000 members settled in
one run by the service `POST /admin/settlements` and `flask settlement run` call (`runs.run_settlement`).

    .venv/bin/python bench/settlement.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test \
        --parcels 10000 20000 100000

Each size gets a schema of its own, dropped at the end. The seed is bulk-inserted with Core `insert()` (it is not
what is measured) and holds the rows checkout, payment and delivery leave: cooperatives with each distribution
policy (contribution, equal, shares) and members who joined, left or hold no capital share; products whose lots
several members produced; orders of 1–3 parcels in MAD, EUR and XOF paid by card (half of them with the
provider's fee known, as its balance transaction gives it, the others settled with the fee model) or cash on
delivery; the ledger entries of each capture and cash collection. Refunds go through the refund service: some
before settlement, some after an earlier run (the measured run deducts them). Parcel invoices are not seeded
(settlement does not read them); the provider's side of card refunds is not called (a pending refund counts at
settlement like a confirmed one).

The run itself happens in a fresh process that only loads the app and settles; its peak resident memory is
measured from the start of the run (Linux `clear_refs` resets VmHWM), beside what the loaded app takes. SQL
statements are counted there with a `before_cursor_execute` listener, and each COPY besides. Then every journal entry must balance (the `ledger check` query), every
settled parcel must reconcile (members + reserve + commission + fees + refunds = captured, its members' shares
adding up), the buyer-payments and refunds accounts must be back to zero once every parcel is settled, and each
payee's ledger balance must equal its pending payouts. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, time as day_time, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402

from bench.checkout import postgres_schema  # noqa: E402
from catalog.categories import ensure_categories  # noqa: E402
from catalog.models import Category, Product, ProductVariant, StockLot  # noqa: E402
from cooperatives.models import Cooperative, Member  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.auth import services as accounts  # noqa: E402
from marketplace.auth.models import Role, User  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.money import Money, convert  # noqa: E402
from orders import card_payments, refunds  # noqa: E402
from orders.models import CoopOrder, Order, OrderLine, OrderLineLot, Payment  # noqa: E402
from orders.settlement import runs  # noqa: E402
from orders.settlement.accounts import BUYER_PAYMENTS, REFUNDS, payment_lines  # noqa: E402
from orders.settlement.ledger import account_balance, unbalanced_entries  # noqa: E402
from orders.settlement.models import JournalEntry, JournalLine  # noqa: E402
from orders.settlement.postings import to_mad  # noqa: E402
from orders.settlement.run_models import (Payout, PayoutStatus, RunCooperative, SettledParcel, SettledShare,  # noqa: E402
                                          SettlementRun)

RATES = {"EUR": Decimal("0.0921"), "XOF": Decimal("60.41")}
POLICIES = ("contribution", "equal", "shares")
VARIANTS_PER_COOPERATIVE = 3
LOTS_PER_VARIANT = 3
CHUNK = 5_000  # orders generated and inserted at a time
ADDRESS = {"full_name": "Amina Tazi", "line1": "12 rue Oued Sebou", "city": "Rabat", "postal_code": "10000",
           "country": "MA", "phone": "+212 6 12 34 56 78"}
FOREIGN = {"EUR": ("FR", "world"), "XOF": ("SN", "africa")}
SHIPPING = {"MA": (3500, 1000), "africa": (15000, 8000), "world": (22000, 12000)}


def rib(n: int) -> str:
    first = f"0117800000{n:012d}"
    return first + f"{97 - int(first) * 100 % 97:02d}"


def in_currency(amount_mad: int, currency: str) -> int:
    return amount_mad if currency == "MAD" else convert(Money(amount_mad, "MAD"), currency, RATES).amount


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, day_time(hour), tzinfo=UTC)


def bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(model), rows[start:start + 10_000])


def reset_sequences(models) -> None:
    for model in models:
        table = model.__tablename__
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"COALESCE((SELECT max(id) FROM {table}), 1))"))


class Seed:
    """The cooperatives, members, catalogue and delivered orders, with explicit ids (sequences reset after)."""

    def __init__(self, *, cooperatives: int, members: int, buyers: int, rng: random.Random):
        self.rng, self.today = rng, date.today()
        self.cooperatives, self.members_per = cooperatives, members // cooperatives
        self.buyers = buyers
        self.ids = {name: 0 for name in ("order", "parcel", "line", "payment", "entry")}
        self.variants: dict[int, list[tuple[int, int, int, list[int]]]] = {}  # coop → (variant, product, price, lots)

    def next_id(self, name: str) -> int:
        self.ids[name] += 1
        return self.ids[name]

    def parties(self) -> None:
        now = datetime.now(UTC)
        bulk(User, [{"id": i, "email": f"buyer{i}@bench.test", "password_hash": "-", "full_name": f"Buyer {i}",
                     "role": Role.BUYER.value} for i in range(1, self.buyers + 1)])
        ensure_categories()
        honey = db.session.scalar(select(Category.id).where(Category.slug == "honey"))
        cooperatives, members, products, variants, lots = [], [], [], [], []
        member_id = variant_id = lot_id = 0
        for c in range(1, self.cooperatives + 1):
            cooperatives.append({
                "id": c, "name": f"Coopérative {c}", "registration_number": f"RC-{c}", "ice": f"{c:015d}",
                "region": ("souss-massa", "draa-tafilalet", "oriental", "fes-meknes")[c % 4], "province": "Agadir",
                "sector": ("agriculture", "crafts")[c % 2], "status": "verified", "description": {"fr": "Bench"},
                "verified_at": now, "commission_bps": 300 + c % 5 * 100, "reserve_bps": 500 + c % 4 * 500,
                "distribution_policy": POLICIES[c % 3], "bank_account": rib(c)})
            own = []
            for k in range(self.members_per):
                member_id += 1
                own.append(member_id)
                members.append({
                    "id": member_id, "cooperative_id": c, "full_name": f"Membre {member_id}",
                    "gender": ("female", "male")[k % 3 == 2], "birth_year": 1960 + k * 2,
                    "joined_on": date(2020, 1, 1) if k != 1 else self.today - timedelta(days=25),
                    "left_on": self.today - timedelta(days=30) if k == self.members_per - 1 else None,
                    "capital_shares": k % 4, "payout_method": ("bank_transfer", "cash", "mobile_wallet")[k % 3],
                    "payout_account": rib(10_000 + member_id) if k % 3 == 0 else
                    (f"+2126{member_id:08d}" if k % 3 == 2 else None)})
            self.variants[c] = []
            for v in range(VARIANTS_PER_COOPERATIVE):
                variant_id += 1
                price = self.rng.randrange(4_000, 40_000)
                products.append({"id": variant_id, "cooperative_id": c, "category_id": honey,
                                 "name": {"fr": f"Miel {c}-{v}"}, "description": {"fr": "Miel"},
                                 "origin_region": "souss-massa", "status": "published", "price_min": price})
                variants.append({"id": variant_id, "product_id": variant_id, "sku": f"S-{c}-{v}", "label": "500 g",
                                 "weight_grams": 500, "price_amount": price})
                own_lots = []
                for producer in self.rng.sample(own, LOTS_PER_VARIANT):
                    lot_id += 1
                    own_lots.append(lot_id)
                    lots.append({"id": lot_id, "lot_code": f"L-{lot_id}", "variant_id": variant_id,
                                 "member_id": producer, "quantity": 1_000_000, "quantity_remaining": 1_000_000,
                                 "produced_on": self.today - timedelta(days=200),
                                 "best_before": self.today + timedelta(days=365)})
                self.variants[c].append((variant_id, variant_id, price, own_lots))
        for model, rows in ((Cooperative, cooperatives), (Member, members), (Product, products),
                            (ProductVariant, variants), (StockLot, lots)):
            bulk(model, rows)
        db.session.commit()

    def orders(self, parcels: int, *, delivered_from: int, delivered_to: int) -> list[int]:
        """Delivered orders adding up to `parcels` parcels, delivered `delivered_from`–`delivered_to` days ago;
        their ids."""
        made, order_ids = 0, []
        while made < parcels:
            rows = {"orders": [], "parcels": [], "lines": [], "lots": [], "payments": [], "entries": [],
                    "entry_lines": []}
            for _ in range(CHUNK):
                if made >= parcels:
                    break
                count = min(parcels - made, self.rng.choices((1, 2, 3), (70, 20, 10))[0])
                order_ids.append(self._order(rows, count, self.today - timedelta(
                    days=self.rng.randint(delivered_from, delivered_to))))
                made += count
            for model, key in ((Order, "orders"), (CoopOrder, "parcels"), (OrderLine, "lines"),
                               (OrderLineLot, "lots"), (Payment, "payments"), (JournalEntry, "entries"),
                               (JournalLine, "entry_lines")):
                bulk(model, rows[key])
            db.session.commit()
        return order_ids

    def _order(self, rows: dict, parcels: int, delivered_on: date) -> int:
        rng = self.rng
        currency = rng.choices(("MAD", "EUR", "XOF"), (70, 20, 10))[0]
        method = "card" if currency != "MAD" or rng.random() < 0.4 else "cash_on_delivery"
        country, zone = FOREIGN.get(currency, ("MA", "MA"))
        rate = "1" if currency == "MAD" else str(RATES[currency])
        order_id, placed = self.next_id("order"), at(delivered_on - timedelta(days=3), 9)
        delivered = at(delivered_on, rng.randint(8, 19))
        totals = {"items": 0, "shipping": 0, "vat": 0, "mad": 0}
        own_parcels = []
        for cooperative_id in rng.sample(range(1, self.cooperatives + 1), parcels):
            parcel_id, items, weight = self.next_id("parcel"), 0, 0
            for variant_id, product_id, price, lots in rng.sample(self.variants[cooperative_id], rng.randint(1, 3)):
                line_id, quantity = self.next_id("line"), rng.randint(1, 3)
                unit_price = in_currency(price, currency)
                line_total = unit_price * quantity
                vat = line_total * 2000 // 12000
                rows["lines"].append({
                    "id": line_id, "order_id": order_id, "coop_order_id": parcel_id, "variant_id": variant_id,
                    "product_id": product_id, "product_name": {"fr": "Miel"}, "label": "500 g",
                    "quantity": quantity, "unit_price": unit_price, "unit_price_mad": price,
                    "line_total": line_total, "vat_rate_bps": 2000, "vat_amount": vat})
                first = rng.randint(1, quantity)  # units from the first lot; the rest from a second producer's
                drawn = [(lots[0], first)] + ([(lots[1], quantity - first)] if quantity > first else [])
                rows["lots"] += [{"line_id": line_id, "lot_id": lot, "units": units} for lot, units in drawn]
                items, weight = items + line_total, weight + 500 * quantity
                totals["vat"] += vat
                totals["mad"] += price * quantity
            base, per_kg = SHIPPING[zone]
            shipping_mad = base + per_kg * -(-weight // 1000)
            shipping = in_currency(shipping_mad, currency)
            totals["items"] += items
            totals["shipping"] += shipping
            totals["mad"] += shipping_mad
            cash = items + shipping if method == "cash_on_delivery" else None
            rows["parcels"].append({
                "id": parcel_id, "order_id": order_id, "cooperative_id": cooperative_id, "status": "delivered",
                "weight_grams": weight, "items_amount": items, "shipping_amount": shipping,
                "shipping_mad": shipping_mad, "carrier": "Amana", "tracking_number": f"AM{parcel_id:09d}MA",
                "shipped_at": delivered - timedelta(days=2), "delivered_at": delivered, "cash_collected": cash})
            own_parcels.append((parcel_id, cash))
        total = totals["items"] + totals["shipping"]
        rows["orders"].append({
            "id": order_id, "number": f"SC-{order_id:07d}", "buyer_id": rng.randint(1, self.buyers),
            "status": "delivered", "currency": currency, "exchange_rate": rate, "items_amount": totals["items"],
            "shipping_amount": totals["shipping"], "vat_amount": totals["vat"], "total_amount": total,
            "total_mad": totals["mad"], "shipping_address": {**ADDRESS, "country": country}, "country": country,
            "payment_method": method, "idempotency_key": uuid.uuid4().hex, "request_hash": "0" * 64,
            "holds_stock": True, "created_at": placed, "updated_at": delivered})
        payment_id = self.next_id("payment")
        card = method == "card"
        rows["payments"].append({
            "id": payment_id, "order_id": order_id, "method": method, "provider": "stripe" if card else None,
            "status": "captured", "currency": currency, "amount_due": total, "amount_captured": total,
            "payment_intent_id": f"pi_bench{order_id:016d}" if card else None, "provider_fee_mad": None,
            "updated_at": delivered})
        number = f"SC-{order_id:07d}"
        if card:
            captured = to_mad(currency, rate, total)
            fee = captured * 25 // 1000 + 250 if rng.random() < 0.5 else None  # the provider's, when it said
            rows["payments"][-1]["provider_fee_mad"] = fee
            self._entry(rows, f"payment:{payment_id}", f"Order {number} paid by card", placed,
                        payment_lines(captured, provider_fee=fee or 0))
        else:
            for parcel_id, cash in own_parcels:
                self._entry(rows, f"cash:{parcel_id}", f"Order {number} parcel {parcel_id} cash collected",
                            delivered, payment_lines(to_mad(currency, rate, cash)))
        return order_id

    def _entry(self, rows: dict, key: str, reference: str, when: datetime, lines) -> None:
        entry_id = self.next_id("entry")
        rows["entries"].append({"id": entry_id, "kind": "payment", "source_key": key, "reference": reference,
                                "at": when})
        rows["entry_lines"] += [{"entry_id": entry_id, "position": n, "account": line.account, "debit": line.debit,
                                 "credit": line.credit} for n, line in enumerate(lines, start=1)]


def refund_some(admin_id: int, order_ids: list[int], count: int, rng: random.Random) -> int:
    """Refund one unit of a line (sometimes with the shipping) of `count` of these orders, through the service."""
    done = 0
    for order_id in rng.sample(order_ids, min(count, len(order_ids))):
        line_id = db.session.scalar(select(func.min(OrderLine.id)).where(OrderLine.order_id == order_id))
        body = {"lines": [{"line_id": line_id, "quantity": 1}], "reason": "pot cassé", "restock": False,
                "include_shipping": rng.random() < 0.2}
        refunds.create_refund(db.session.get(User, admin_id), order_id, body, idempotency_key=uuid.uuid4().hex)
        db.session.remove()
        done += 1
    return done


def seed(url: str, parcels: int, args) -> dict:
    """Seed a schema; settle an earlier batch and refund some of it after; refund some of the parcels to settle."""
    app = create_app({"DATABASE_URL": url, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024,
                      "INVOICES_RENDER_ON_ISSUE": 0, "JOBS_URL": f"sqlite:///{tempfile.gettempdir()}/bench-settlement-jobs.db"})
    # the provider's answer to a card refund is not what is measured: the refund stays pending, and counts
    card_payments.send_refund = lambda refund_id: None
    rng = random.Random(9)
    began = time.perf_counter()
    with app.app_context():
        db.metadata.create_all(db.engine)
        data = Seed(cooperatives=args.cooperatives, members=args.members, buyers=args.buyers, rng=rng)
        data.parties()
        earlier = data.orders(max(parcels // 50, 100), delivered_from=60, delivered_to=90)
        measured = data.orders(parcels, delivered_from=10, delivered_to=40)
        reset_sequences((User, Cooperative, Member, Product, ProductVariant, StockLot, Order, CoopOrder, OrderLine,
                         Payment, JournalEntry))
        db.session.commit()
        admin = accounts.register_user(email="admin@bench.test", password="bench-password", full_name="Admin",
                                       role=Role.ADMIN)
        admin_id = admin.id
        earlier_run = runs.run_settlement(data.today - timedelta(days=50), actor_id=admin_id)
        after = refund_some(admin_id, earlier, max(len(earlier) // 4, 10), rng)
        before = refund_some(admin_id, measured, max(len(measured) // 100, 10), rng)
        eligible = runs.eligible_count(data.today)
    return {"seconds": time.perf_counter() - began, "earlier_run": earlier_run, "refunds_after": after,
            "refunds_before": before, "eligible": eligible, "up_to": data.today.isoformat()}


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status (VmRSS: resident now; VmHWM: its peak)."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1])


def settle_in_this_process(url: str, up_to: str) -> None:
    """The measured run: a process that loads the app and settles, nothing else; prints its figures as JSON."""
    app = create_app({"DATABASE_URL": url, "INVOICES_RENDER_ON_ISSUE": 0,
                      "JOBS_URL": f"sqlite:///{tempfile.gettempdir()}/bench-settlement-jobs.db"})
    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    copy = psycopg.Cursor.copy  # a COPY goes to the driver directly: SQLAlchemy's listener does not see it

    def counted_copy(cursor, *args, **kwargs):
        count()
        return copy(cursor, *args, **kwargs)

    psycopg.Cursor.copy = counted_copy
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        Path("/proc/self/clear_refs").write_text("5")  # Linux: the peak resident size restarts from now
        loaded = _status_kib("VmRSS")
        began = time.perf_counter()
        run_id = runs.run_settlement(date.fromisoformat(up_to), actor_id=None)
        wall = time.perf_counter() - began
        peak = _status_kib("VmHWM")
    print(json.dumps({"run_id": run_id, "wall": wall, "statements": statements[0], "loaded_kib": loaded,
                      "peak_kib": peak}))


def reconcile(url: str, run_id: int) -> dict:
    """The checks of the module docstring; each is a count of what does not reconcile (all must be 0)."""
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        s = db.session
        run = s.get(SettlementRun, run_id)
        shares = (select(SettledShare.settled_parcel_id, func.sum(SettledShare.amount).label("amount"))
                  .group_by(SettledShare.settled_parcel_id).subquery())
        owed = {account: -int(balance) for account, balance in s.execute(
            select(JournalLine.account, func.sum(JournalLine.debit - JournalLine.credit))
            .where(JournalLine.account.like("member:%") | JournalLine.account.like("cooperative:%:reserve"))
            .group_by(JournalLine.account)) if balance}
        pending = {(f"cooperative:{key[8:]}:reserve" if key.startswith("reserve:") else f"{key}:payable"): int(amount)
                   for key, amount in s.execute(select(Payout.payee_key, func.sum(Payout.amount))
                                                .where(Payout.status == PayoutStatus.PENDING).group_by(Payout.payee_key))}
        return {
            "entries": s.scalar(select(func.count()).select_from(JournalEntry)),
            "unbalanced": len(unbalanced_entries()),
            "parcels": run.parcels_count,
            "parcels_off": s.scalar(select(func.count()).select_from(SettledParcel).where(
                SettledParcel.captured != SettledParcel.members + SettledParcel.reserve + SettledParcel.commission
                + SettledParcel.fees + SettledParcel.refunds)),
            "shares_off": s.scalar(select(func.count()).select_from(SettledParcel).outerjoin(
                shares, shares.c.settled_parcel_id == SettledParcel.id).where(
                func.coalesce(shares.c.amount, 0) != SettledParcel.members)),
            "buyer_payments": account_balance(BUYER_PAYMENTS),
            "refunds_account": account_balance(REFUNDS),
            "payouts": int(s.scalar(select(func.coalesce(func.sum(Payout.amount), 0)).where(Payout.run_id == run_id))),
            "payable": run.payable,
            "cooperatives_off": s.scalar(select(func.count()).select_from(RunCooperative).where(
                RunCooperative.run_id == run_id,
                RunCooperative.payable != select(func.coalesce(func.sum(Payout.amount), 0)).where(
                    Payout.run_id == run_id, Payout.cooperative_id == RunCooperative.cooperative_id)
                .scalar_subquery())),
            "payees_off": sum(owed.get(account) != pending.get(account) for account in set(owed) | set(pending)),
            "payees": len(pending),
            "deductions": run.deductions,
            "policies": dict(s.execute(select(SettledParcel.basis, func.count()).where(SettledParcel.run_id == run_id)
                                       .group_by(SettledParcel.basis)).all()),
        }


def measure(base_url: str, parcels: int, args) -> dict:
    schema, url = postgres_schema(base_url)
    try:
        seeded = seed(url, parcels, args)
        child = subprocess.run([sys.executable, __file__, "--settle", url, seeded["up_to"]],
                               capture_output=True, text=True, cwd=ROOT)
        if child.returncode:
            raise RuntimeError(f"the run failed:\n{child.stderr}")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        return {"size": parcels, **seeded, **figures, **reconcile(url, figures["run_id"])}
    finally:
        engine = create_engine(base_url)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--settle":
        return settle_in_this_process(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL (a schema of its own per size)")
    parser.add_argument("--parcels", type=int, nargs="+", default=[100_000], help="run sizes, one run each")
    parser.add_argument("--cooperatives", type=int, default=1_000)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--buyers", type=int, default=5_000)
    args = parser.parse_args()
    results = []
    for size in args.parcels:
        result = measure(args.database_url, size, args)
        results.append(result)
        print(json.dumps(result, default=int), file=sys.stderr, flush=True)
    print(f"\nOne settlement run on PostgreSQL, {args.cooperatives} cooperatives, {args.members} members, "
          f"batches of {runs.BATCH_SIZE} parcels (target: 100,000 parcels in ≤ 60 s)\n")
    print("| parcels settled | wall s | parcels/s | SQL statements (COPY included) | per parcel | peak RSS MB (before the run) "
          "| entries unbalanced | parcels not reconciling | payouts = payable | payees ≠ ledger "
          "| buyer payments / refunds left | deductions MAD | bases |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        cents = r["payable"] - r["payouts"]
        print(f"| {r['parcels']:,} | {r['wall']:.1f} | {r['parcels'] / r['wall']:,.0f} | {r['statements']:,} | "
              f"{r['statements'] / r['parcels']:.3f} | {r['peak_kib'] / 1024:.0f} ({r['loaded_kib'] / 1024:.0f}) | "
              f"{r['unbalanced']} of {r['entries']:,} | {r['parcels_off'] + r['shares_off']} | "
              f"{'yes' if cents == 0 and r['cooperatives_off'] == 0 else f'no ({cents})'} | {r['payees_off']} | "
              f"{r['buyer_payments']} / {r['refunds_account']} | {r['deductions'] / 100:,.2f} | "
              f"{', '.join(f'{k} {v:,}' for k, v in sorted(r['policies'].items()))} |")


if __name__ == "__main__":
    main()
