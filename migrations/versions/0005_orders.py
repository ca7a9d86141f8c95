"""carts, orders, parcels per cooperative, lines and their lots, payments, refunds, and the shipping rate table

Revision ID: 0005_orders
Revises: 0004_search
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import marketplace.dbtypes


revision = '0005_orders'
down_revision = '0004_search'
branch_labels = None
depends_on = None

SEEDED_RATES = [('MA', 3500, 1000), ('africa', 15000, 8000), ('world', 22000, 12000)]


def upgrade():
    op.create_table('shipping_rates',
    sa.Column('zone', sa.String(length=10), nullable=False),
    sa.Column('base_mad', sa.Integer(), nullable=False),
    sa.Column('per_kg_mad', sa.Integer(), nullable=False),
    sa.Column('updated_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('base_mad >= 0 AND per_kg_mad >= 0', name=op.f('ck_shipping_rates_rates_not_negative')),
    sa.PrimaryKeyConstraint('zone', name=op.f('pk_shipping_rates'))
    )
    # reference data: base + per started kilogram, MAD centimes (admins change it at /admin/shipping-rates)
    op.bulk_insert(sa.table('shipping_rates', sa.column('zone', sa.String), sa.column('base_mad', sa.Integer),
                            sa.column('per_kg_mad', sa.Integer), sa.column('updated_at', marketplace.dbtypes.UTCDateTime)),
                   [{'zone': zone, 'base_mad': base, 'per_kg_mad': per_kg, 'updated_at': datetime.now(UTC)}
                    for zone, base, per_kg in SEEDED_RATES])

    op.create_table('carts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_carts_buyer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carts')),
    sa.UniqueConstraint('buyer_id', name=op.f('uq_carts_buyer_id'))
    )
    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('exchange_rate', sa.String(length=32), nullable=False),
    sa.Column('items_amount', sa.Integer(), nullable=False),
    sa.Column('shipping_amount', sa.Integer(), nullable=False),
    sa.Column('vat_amount', sa.Integer(), nullable=False),
    sa.Column('total_amount', sa.Integer(), nullable=False),
    sa.Column('total_mad', sa.Integer(), nullable=False),
    sa.Column('shipping_address', sa.JSON(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('payment_method', sa.String(length=20), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('holds_stock', sa.Boolean(), nullable=False),
    sa.Column('expires_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('total_amount = items_amount + shipping_amount', name=op.f('ck_orders_total_adds_up')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_orders_buyer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('buyer_id', 'idempotency_key', name='uq_orders_buyer_id_idempotency_key'),
    sa.UniqueConstraint('number', name=op.f('uq_orders_number'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_status'), ['status'], unique=False)
        batch_op.create_index('ix_orders_status_expires_at', ['status', 'expires_at'], unique=False)

    op.create_table('coop_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('items_amount', sa.Integer(), nullable=False),
    sa.Column('shipping_amount', sa.Integer(), nullable=False),
    sa.Column('shipping_mad', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.String(length=60), nullable=True),
    sa.Column('tracking_number', sa.String(length=100), nullable=True),
    sa.Column('shipped_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cash_collected', sa.Integer(), nullable=True),
    sa.Column('cash_flagged', sa.Boolean(), nullable=False),
    sa.Column('shipping_refunded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_coop_orders_cooperative_id_cooperatives')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_coop_orders_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coop_orders')),
    sa.UniqueConstraint('order_id', 'cooperative_id', name=op.f('uq_coop_orders_order_id'))
    )
    with op.batch_alter_table('coop_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coop_orders_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coop_orders_order_id'), ['order_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_due', sa.Integer(), nullable=False),
    sa.Column('amount_captured', sa.Integer(), nullable=False),
    sa.Column('amount_refunded', sa.Integer(), nullable=False),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('client_secret', sa.String(length=255), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('flag_reason', sa.Text(), nullable=True),
    sa.Column('updated_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_refunded >= 0 AND amount_refunded <= amount_captured', name=op.f('ck_payments_refunds_within_captured')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payments_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('order_id', name=op.f('uq_payments_order_id')),
    sa.UniqueConstraint('payment_intent_id', name=op.f('uq_payments_payment_intent_id'))
    )
    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('shipping_amount', sa.Integer(), nullable=False),
    sa.Column('include_shipping', sa.Boolean(), nullable=False),
    sa.Column('restock', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('provider_refund_id', sa.String(length=255), nullable=True),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_refunds_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_refunds_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('order_id', 'idempotency_key', name='uq_refunds_order_id_idempotency_key'),
    sa.UniqueConstraint('provider_refund_id', name=op.f('uq_refunds_provider_refund_id'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_order_id'), ['order_id'], unique=False)

    op.create_table('cart_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cart_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_cart_items_quantity_positive')),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], name=op.f('fk_cart_items_cart_id_carts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_cart_items_variant_id_product_variants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_items')),
    sa.UniqueConstraint('cart_id', 'variant_id', name=op.f('uq_cart_items_cart_id'))
    )
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_items_variant_id'), ['variant_id'], unique=False)

    op.create_table('order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('coop_order_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('product_name', sa.JSON(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Integer(), nullable=False),
    sa.Column('unit_price_mad', sa.Integer(), nullable=False),
    sa.Column('line_total', sa.Integer(), nullable=False),
    sa.Column('vat_rate_bps', sa.Integer(), nullable=False),
    sa.Column('vat_amount', sa.Integer(), nullable=False),
    sa.Column('refunded_quantity', sa.Integer(), nullable=False),
    sa.Column('refunded_amount', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_lines_quantity_positive')),
    sa.CheckConstraint('refunded_amount >= 0 AND refunded_amount <= line_total', name=op.f('ck_order_lines_refunded_amount_in_range')),
    sa.CheckConstraint('refunded_quantity >= 0 AND refunded_quantity <= quantity', name=op.f('ck_order_lines_refunded_quantity_in_range')),
    sa.ForeignKeyConstraint(['coop_order_id'], ['coop_orders.id'], name=op.f('fk_order_lines_coop_order_id_coop_orders')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_order_lines_product_id_products')),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_order_lines_variant_id_product_variants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_lines_coop_order_id'), ['coop_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_lines_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_lines_variant_id'), ['variant_id'], unique=False)

    op.create_table('order_line_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('returned', sa.Integer(), nullable=False),
    sa.CheckConstraint('units > 0 AND returned >= 0 AND returned <= units', name=op.f('ck_order_line_lots_units_in_range')),
    sa.ForeignKeyConstraint(['line_id'], ['order_lines.id'], name=op.f('fk_order_line_lots_line_id_order_lines')),
    sa.ForeignKeyConstraint(['lot_id'], ['stock_lots.id'], name=op.f('fk_order_line_lots_lot_id_stock_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_line_lots'))
    )
    with op.batch_alter_table('order_line_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_line_lots_line_id'), ['line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_line_lots_lot_id'), ['lot_id'], unique=False)

    op.create_table('refund_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('refund_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_refund_lines_order_line_id_order_lines')),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_refund_lines_refund_id_refunds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund_lines'))
    )
    with op.batch_alter_table('refund_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_lines_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_lines_refund_id'), ['refund_id'], unique=False)



def downgrade():
    with op.batch_alter_table('refund_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_lines_refund_id'))
        batch_op.drop_index(batch_op.f('ix_refund_lines_order_line_id'))

    op.drop_table('refund_lines')
    with op.batch_alter_table('order_line_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_line_lots_lot_id'))
        batch_op.drop_index(batch_op.f('ix_order_line_lots_line_id'))

    op.drop_table('order_line_lots')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_variant_id'))
        batch_op.drop_index(batch_op.f('ix_order_lines_order_id'))
        batch_op.drop_index(batch_op.f('ix_order_lines_coop_order_id'))

    op.drop_table('order_lines')
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_items_variant_id'))

    op.drop_table('cart_items')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_order_id'))

    op.drop_table('refunds')
    op.drop_table('payments')
    with op.batch_alter_table('coop_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coop_orders_order_id'))
        batch_op.drop_index(batch_op.f('ix_coop_orders_cooperative_id'))

    op.drop_table('coop_orders')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_status_expires_at')
        batch_op.drop_index(batch_op.f('ix_orders_status'))
        batch_op.drop_index(batch_op.f('ix_orders_buyer_id'))

    op.drop_table('orders')
    op.drop_table('carts')
    op.drop_table('shipping_rates')
