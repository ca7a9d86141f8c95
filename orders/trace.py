"""Recall support: the order lines, orders and buyers' countries that drew from a stock lot."""
from __future__ import annotations

from sqlalchemy import select

from catalog.models import StockLot
from marketplace.extensions import db
from orders.models import Order, OrderLine, OrderLineLot
from orders.schemas import TraceLineSchema


def order_lines_of(lot: StockLot) -> list[dict]:
    """Every order line that drew units from `lot`, oldest first (registered with the catalog's lot trace)."""
    rows = db.session.execute(
        select(OrderLineLot, OrderLine, Order).join(OrderLine, OrderLineLot.line_id == OrderLine.id)
        .join(Order, OrderLine.order_id == Order.id).where(OrderLineLot.lot_id == lot.id)
        .order_by(OrderLineLot.id)).all()
    return TraceLineSchema(many=True).dump([
        {"line_id": line.id, "order_id": order.id, "order_number": order.number, "order_status": order.status,
         "buyer_country": order.country, "units": allocation.units, "returned": allocation.returned,
         "ordered_at": order.created_at} for allocation, line, order in rows])
