"""The impact report (who the cooperatives are, what they sold, what reached their members) and a cooperative's
dashboard. Amounts are MAD minor units; shares are fractions rounded to 4 places."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select

from catalog.models import Category, Product, ProductVariant
from catalog.stock import available_by_variant
from cooperatives.models import Certification, CertificationStatus, Cooperative, CooperativeStatus, Member
from cooperatives.services import manages
from marketplace import clock
from marketplace.auth.models import Role, User
from marketplace.auth.permissions import found
from marketplace.extensions import db
from orders.models import CoopOrder, Order, OrderLine, ParcelStatus
from orders.settlement.payouts import mad
from orders.settlement.run_models import Payout, PayoutStatus, SettledShare, SettlementRun

MIN_PUBLIC_GROUP = 3  # a public group of fewer cooperatives is folded into `other`
OTHER = "other"
LOW_STOCK_UNITS = 5
UNDER_AGE = 35


def share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _fold(groups: dict[str, dict], key: str, public: bool, fields: tuple[str, ...]) -> list[dict]:
    """Groups as rows sorted by key; in public, groups of fewer than 3 cooperatives are summed into `other`."""
    rows, other, other_cooperatives = [], dict.fromkeys(fields, 0), set()
    for name in sorted(groups):
        group = groups[name]
        if public and len(group["cooperatives"]) < MIN_PUBLIC_GROUP:
            other_cooperatives |= group["cooperatives"]
            for field in fields:
                other[field] += group[field]
        else:
            rows.append({key: name, **{field: group[field] for field in fields}})
    if other_cooperatives:
        rows.append({key: OTHER, **other})
    return rows


def _group() -> dict:
    return {"cooperatives": set(), "total": 0, "verified": 0, "amount": 0}


def impact(*, from_: date | None, to: date | None, region: str | None, public: bool) -> dict:
    """The impact report of API.md for the days `from_`..`to` (default: the 30 days up to today)."""
    to = to or clock.today()
    from_ = from_ or to - timedelta(days=29)
    in_region = [Cooperative.region == region] if region else []

    by_region, by_sector = defaultdict(_group), defaultdict(_group)
    total = verified = 0
    for cooperative_id, coop_region, sector, status in db.session.execute(
            select(Cooperative.id, Cooperative.region, Cooperative.sector, Cooperative.status).where(*in_region)):
        is_verified = status == CooperativeStatus.VERIFIED
        total, verified = total + 1, verified + is_verified
        for groups, name in ((by_region, coop_region), (by_sector, sector)):
            groups[name]["cooperatives"].add(cooperative_id)
            groups[name]["total"] += 1
            groups[name]["verified"] += is_verified

    active = and_(Member.joined_on <= to, or_(Member.left_on.is_(None), Member.left_on > to))
    members_total, women, young = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((Member.gender == "female", 1), else_=0)), 0),
               func.coalesce(func.sum(case((Member.birth_year > to.year - UNDER_AGE, 1), else_=0)), 0))
        .join(Cooperative, Cooperative.id == Member.cooperative_id).where(active, *in_region)).one()

    delivered = [CoopOrder.status == ParcelStatus.DELIVERED, CoopOrder.delivered_at >= _start(from_),
                 CoopOrder.delivered_at < _start(to + timedelta(days=1)), *in_region]
    goods = func.sum(OrderLine.unit_price_mad * (OrderLine.quantity - OrderLine.refunded_quantity))
    sales_region, sales_category, sales_country = defaultdict(_group), defaultdict(_group), defaultdict(_group)
    orders, parcels, amount = set(), set(), 0
    for order_id, parcel_id, cooperative_id, coop_region, category, country, value in db.session.execute(
            select(CoopOrder.order_id, CoopOrder.id, CoopOrder.cooperative_id, Cooperative.region, Category.slug,
                   Order.country, goods)
            .join(Cooperative, Cooperative.id == CoopOrder.cooperative_id).join(Order, Order.id == CoopOrder.order_id)
            .join(OrderLine, OrderLine.coop_order_id == CoopOrder.id).join(Product, Product.id == OrderLine.product_id)
            .join(Category, Category.id == Product.category_id).where(*delivered)
            .group_by(CoopOrder.order_id, CoopOrder.id, CoopOrder.cooperative_id, Cooperative.region, Category.slug,
                      Order.country)):
        value = int(value or 0)
        orders.add(order_id)
        parcels.add(parcel_id)
        amount += value
        for groups, name in ((sales_region, coop_region), (sales_category, category), (sales_country, country)):
            groups[name]["cooperatives"].add(cooperative_id)
            groups[name]["amount"] += value

    to_members, to_women = (int(x) for x in db.session.execute(
        select(func.coalesce(func.sum(SettledShare.amount), 0),
               func.coalesce(func.sum(case((Member.gender == "female", SettledShare.amount), else_=0)), 0))
        .join(SettlementRun, SettlementRun.id == SettledShare.run_id).join(Member, Member.id == SettledShare.member_id)
        .join(Cooperative, Cooperative.id == Member.cooperative_id)
        .where(SettlementRun.created_at >= _start(from_), SettlementRun.created_at < _start(to + timedelta(days=1)),
               *in_region)).one())

    certified = [Certification.status == CertificationStatus.VERIFIED, *in_region]
    cert_verified, expiring = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((and_(
            Certification.expires_on >= clock.today(),
            Certification.expires_on <= clock.today() + timedelta(days=30)), 1), else_=0)), 0))
        .join(Cooperative, Cooperative.id == Certification.cooperative_id).where(*certified)).one()

    return {
        "from": from_, "to": to, "region": region,
        "cooperatives": {"total": total, "verified": verified,
                         "by_region": [{"region": r["region"], "total": r["total"], "verified": r["verified"]}
                                       for r in _fold(by_region, "region", public, ("total", "verified"))],
                         "by_sector": [{"sector": r["sector"], "total": r["total"]}
                                       for r in _fold(by_sector, "sector", public, ("total",))]},
        "members": {"total": members_total, "women": int(women), "under_35": int(young),
                    "women_share": share(int(women), members_total),
                    "under_35_share": share(int(young), members_total)},
        "sales": {"orders": len(orders), "parcels": len(parcels), "amount": mad(amount),
                  "by_region": [{"region": r["region"], "amount": mad(r["amount"])}
                                for r in _fold(sales_region, "region", public, ("amount",))],
                  "by_category": [{"category": r["category"], "amount": mad(r["amount"])}
                                  for r in _fold(sales_category, "category", public, ("amount",))],
                  "by_buyer_country": [{"country": r["country"], "amount": mad(r["amount"])}
                                       for r in _fold(sales_country, "country", public, ("amount",))]},
        "distributed": {"to_members": mad(to_members), "to_women": mad(to_women),
                        "women_share": share(to_women, to_members)},
        "certifications": {"verified": cert_verified, "expiring_30_days": int(expiring)},
    }


def dashboard(user: User, cooperative_id: int) -> dict:
    """What a cooperative's managers look at first: recent sales, parcels to ship, low stock, expiring
    certifications and what its next payouts will pay."""
    cooperative = db.session.get(Cooperative, cooperative_id)
    found(cooperative, visible=user.role == Role.ADMIN or manages(user, cooperative_id), what="cooperative")
    today = clock.today()
    since = _start(today - timedelta(days=29))
    parcels, amount = db.session.execute(
        select(func.count(func.distinct(CoopOrder.id)),
               func.coalesce(func.sum(OrderLine.unit_price_mad * (OrderLine.quantity - OrderLine.refunded_quantity)),
                             0))
        .join(OrderLine, OrderLine.coop_order_id == CoopOrder.id)
        .where(CoopOrder.cooperative_id == cooperative_id, CoopOrder.status == ParcelStatus.DELIVERED,
               CoopOrder.delivered_at >= since)).one()
    to_ship = []
    for parcel in db.session.scalars(select(CoopOrder).where(CoopOrder.cooperative_id == cooperative_id,
                                                             CoopOrder.status == ParcelStatus.TO_SHIP)
                                     .order_by(CoopOrder.id)):
        to_ship.append({"coop_order_id": parcel.id, "order_number": parcel.order.number,
                        "placed_at": parcel.order.created_at,
                        "lines": [{"variant_id": line.variant_id, "label": line.label, "quantity": line.quantity}
                                  for line in parcel.lines]})
    variants = list(db.session.scalars(select(ProductVariant).join(Product)
                                       .where(Product.cooperative_id == cooperative_id,
                                              ProductVariant.archived_at.is_(None)).order_by(ProductVariant.id)))
    available = available_by_variant(variants, today)
    low = [{"variant_id": v.id, "sku": v.sku, "stock_available": available[v.id]} for v in variants
           if available[v.id] <= LOW_STOCK_UNITS]
    expiring = db.session.scalars(select(Certification).where(
        Certification.cooperative_id == cooperative_id, Certification.status == CertificationStatus.VERIFIED,
        Certification.expires_on >= today, Certification.expires_on <= today + timedelta(days=30))
        .order_by(Certification.expires_on))
    pending = db.session.scalar(select(func.coalesce(func.sum(Payout.amount), 0)).where(
        Payout.cooperative_id == cooperative_id, Payout.status == PayoutStatus.PENDING))
    return {"cooperative_id": cooperative_id, "sales_30_days": {"parcels": parcels, "amount": mad(int(amount))},
            "to_ship": to_ship, "low_stock": low,
            "certifications_expiring": [{"id": c.id, "kind": c.kind, "number": c.number, "expires_on": c.expires_on}
                                        for c in expiring],
            "next_payout": {"amount": mad(int(pending))}}
