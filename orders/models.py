"""Carts, orders split into one parcel per cooperative, their lines and the lots that supplied them, payments,
refunds and the shipping rate table. Money columns are integer minor units; `*_mad` columns are MAD centimes."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.audit import AuditEntry
from marketplace.audit import history as audit_history
from marketplace.dbtypes import UTCDateTime, utcnow
from marketplace.extensions import db
from marketplace.money import Money


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    CONFIRMED = "confirmed"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


O = OrderStatus
ORDER_TRANSITIONS: dict[str | None, set[str]] = {
    None: {O.PENDING_PAYMENT, O.CONFIRMED},
    O.PENDING_PAYMENT: {O.PAID, O.CANCELLED, O.EXPIRED},
    # a payment that succeeds after expiry: the stock is drawn again when it is still there
    O.EXPIRED: {O.PAID},
    O.PAID: {O.PARTIALLY_SHIPPED, O.SHIPPED, O.DELIVERED, O.CANCELLED},
    O.CONFIRMED: {O.PARTIALLY_SHIPPED, O.SHIPPED, O.DELIVERED, O.CANCELLED},
    O.PARTIALLY_SHIPPED: {O.SHIPPED, O.DELIVERED},
    O.SHIPPED: {O.DELIVERED},
    O.DELIVERED: {O.COMPLETED},
}
CANCELLABLE = {O.PENDING_PAYMENT, O.PAID, O.CONFIRMED}


class ParcelStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    TO_SHIP = "to_ship"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


P = ParcelStatus
PARCEL_TRANSITIONS: dict[str | None, set[str]] = {
    None: {P.AWAITING_PAYMENT, P.TO_SHIP},
    P.AWAITING_PAYMENT: {P.TO_SHIP, P.CANCELLED},
    P.TO_SHIP: {P.SHIPPED, P.CANCELLED},
    P.SHIPPED: {P.DELIVERED},
}


class PaymentMethod(StrEnum):
    CARD = "card"
    CASH_ON_DELIVERY = "cash_on_delivery"


class PaymentStatus(StrEnum):
    PENDING = "pending"  # card: waiting for the buyer; cash on delivery: due at the door
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


PS = PaymentStatus
PAYMENT_TRANSITIONS: dict[str | None, set[str]] = {
    None: {PS.PENDING},
    PS.PENDING: {PS.CAPTURED, PS.CANCELLED},
    # money that arrives for a cancelled order is captured, then refunded in full
    PS.CANCELLED: {PS.CAPTURED},
    PS.CAPTURED: {PS.PARTIALLY_REFUNDED, PS.REFUNDED},
    PS.PARTIALLY_REFUNDED: {PS.REFUNDED},
}


class RefundStatus(StrEnum):
    PENDING = "pending"  # asked of Stripe, waiting for charge.refunded
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    OWED = "owed"  # cash on delivery: the platform owes the buyer this amount


R = RefundStatus
REFUND_TRANSITIONS: dict[str | None, set[str]] = {
    None: {R.PENDING, R.OWED},
    R.PENDING: {R.SUCCEEDED, R.FAILED},
}


class ShippingZone(StrEnum):
    MA = "MA"
    AFRICA = "africa"
    WORLD = "world"


class ShippingRate(db.Model):
    __tablename__ = "shipping_rates"

    zone: Mapped[str] = mapped_column(String(10), primary_key=True)
    base_mad: Mapped[int] = mapped_column(Integer)
    per_kg_mad: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("base_mad >= 0 AND per_kg_mad >= 0", name="rates_not_negative"),)


class Cart(db.Model):
    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list[CartItem]] = relationship(back_populates="cart", order_by="CartItem.id",
                                                 cascade="all, delete-orphan")


class CartItem(db.Model):
    __tablename__ = "cart_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="items")

    __table_args__ = (UniqueConstraint("cart_id", "variant_id"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str | None] = mapped_column(String(20), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    # units of `currency` one MAD bought at checkout, as a decimal string (exact on SQLite too)
    exchange_rate: Mapped[str] = mapped_column(String(32))
    items_amount: Mapped[int] = mapped_column(Integer)
    shipping_amount: Mapped[int] = mapped_column(Integer)
    vat_amount: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[int] = mapped_column(Integer)
    total_mad: Mapped[int] = mapped_column(Integer)
    shipping_address: Mapped[dict] = mapped_column(JSON)
    country: Mapped[str] = mapped_column(String(2))
    payment_method: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    # whether the order's lines hold units drawn from lots (false once cancelled or expired)
    holds_stock: Mapped[bool] = mapped_column(Boolean, default=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    coop_orders: Mapped[list[CoopOrder]] = relationship(back_populates="order", order_by="CoopOrder.id")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id")
    payment: Mapped[Payment] = relationship(back_populates="order", uselist=False)
    refunds: Mapped[list[Refund]] = relationship(back_populates="order", order_by="Refund.id")

    __table_args__ = (
        UniqueConstraint("buyer_id", "idempotency_key", name="uq_orders_buyer_id_idempotency_key"),
        Index("ix_orders_status_expires_at", "status", "expires_at"),
        CheckConstraint("total_amount = items_amount + shipping_amount", name="total_adds_up"),
    )

    def money(self, amount: int) -> Money:
        return Money(amount, self.currency)

    @property
    def history(self) -> list[AuditEntry]:
        return audit_history(self.__tablename__, self.id)


class CoopOrder(db.Model):
    """The parcel one cooperative prepares and ships for an order."""

    __tablename__ = "coop_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    status: Mapped[str | None] = mapped_column(String(20))
    weight_grams: Mapped[int] = mapped_column(Integer)
    items_amount: Mapped[int] = mapped_column(Integer)
    shipping_amount: Mapped[int] = mapped_column(Integer)
    shipping_mad: Mapped[int] = mapped_column(Integer)
    carrier: Mapped[str | None] = mapped_column(String(60))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cash_collected: Mapped[int | None] = mapped_column(Integer)
    cash_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    shipping_refunded: Mapped[bool] = mapped_column(Boolean, default=False)

    order: Mapped[Order] = relationship(back_populates="coop_orders")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="coop_order", order_by="OrderLine.id")

    __table_args__ = (UniqueConstraint("order_id", "cooperative_id"),)


class OrderLine(db.Model):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    coop_order_id: Mapped[int] = mapped_column(ForeignKey("coop_orders.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    product_name: Mapped[dict] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)
    unit_price_mad: Mapped[int] = mapped_column(Integer)
    line_total: Mapped[int] = mapped_column(Integer)
    vat_rate_bps: Mapped[int] = mapped_column(Integer)
    vat_amount: Mapped[int] = mapped_column(Integer)
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0)
    refunded_amount: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")
    coop_order: Mapped[CoopOrder] = relationship(back_populates="lines")
    lots: Mapped[list[OrderLineLot]] = relationship(back_populates="line", order_by="OrderLineLot.id")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refunded_quantity_in_range"),
        CheckConstraint("refunded_amount >= 0 AND refunded_amount <= line_total", name="refunded_amount_in_range"),
    )

    @property
    def lot_codes(self) -> list[str]:
        return sorted({allocation.lot.lot_code for allocation in self.lots})


class OrderLineLot(db.Model):
    """Units of a line drawn from one lot (hence produced by one member); `returned` went back to the lot."""

    __tablename__ = "order_line_lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("stock_lots.id"), index=True)
    units: Mapped[int] = mapped_column(Integer)
    returned: Mapped[int] = mapped_column(Integer, default=0)

    line: Mapped[OrderLine] = relationship(back_populates="lots")
    lot = relationship("StockLot")

    __table_args__ = (CheckConstraint("units > 0 AND returned >= 0 AND returned <= units", name="units_in_range"),)

    @property
    def held(self) -> int:
        return self.units - self.returned


class Payment(db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    method: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    amount_due: Mapped[int] = mapped_column(Integer)
    amount_captured: Mapped[int] = mapped_column(Integer, default=0)
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # the fee the provider kept on the capture, in MAD minor units, from its balance transaction (None: unknown,
    # settlement then assumes the configured fee model)
    provider_fee_mad: Mapped[int | None] = mapped_column(Integer)
    client_secret: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    # something an admin must look at (an amount or currency mismatch, a payment after the stock was gone)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship(back_populates="payment")

    __table_args__ = (
        CheckConstraint("amount_refunded >= 0 AND amount_refunded <= amount_captured", name="refunds_within_captured"),
    )


class Refund(db.Model):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    shipping_amount: Mapped[int] = mapped_column(Integer, default=0)
    include_shipping: Mapped[bool] = mapped_column(Boolean, default=False)
    restock: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(20))
    provider_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="refunds")
    lines: Mapped[list[RefundLine]] = relationship(back_populates="refund", order_by="RefundLine.id")

    __table_args__ = (UniqueConstraint("order_id", "idempotency_key", name="uq_refunds_order_id_idempotency_key"),
                      CheckConstraint("amount > 0", name="amount_positive"))


class RefundLine(db.Model):
    __tablename__ = "refund_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)

    refund: Mapped[Refund] = relationship(back_populates="lines")
