"""categories, products, variants, stock lots, images

Revision ID: 0003_catalog
Revises: 0002_cooperatives
"""
from alembic import op
import sqlalchemy as sa
import marketplace.dbtypes

revision = '0003_catalog'
down_revision = '0002_cooperatives'
branch_labels = None
depends_on = None


# The category tree as this revision seeds it: (slug, names, requires_food_safety, vat_rate_bps, children).
# Frozen here, not read from the application, so the migration upgrades an empty database whatever the code becomes.
_STANDARD_VAT, _EXEMPT = 2000, 0
_CATEGORY_TREE = [
    ("food", {"fr": "Alimentation", "ar": "مواد غذائية", "en": "Food"}, True, _STANDARD_VAT, [
        ("argan-oil", {"fr": "Huile d'argan alimentaire", "ar": "زيت أركان للطبخ", "en": "Culinary argan oil"},
         True, _STANDARD_VAT, []),
        ("honey", {"fr": "Miel", "ar": "عسل", "en": "Honey"}, True, _STANDARD_VAT, []),
        ("amlou", {"fr": "Amlou", "ar": "أملو", "en": "Amlou"}, True, _STANDARD_VAT, []),
        ("harissa-condiments", {"fr": "Harissa et condiments", "ar": "هريسة وتوابل محضرة",
                                "en": "Harissa and condiments"}, True, _STANDARD_VAT, []),
        ("spices-saffron", {"fr": "Épices et safran", "ar": "توابل وزعفران", "en": "Spices and saffron"},
         True, _STANDARD_VAT, []),
        ("couscous-cereals", {"fr": "Couscous et céréales", "ar": "كسكس وحبوب", "en": "Couscous and cereals"},
         True, _EXEMPT, []),
        ("dates-dried-fruit", {"fr": "Dattes et fruits secs", "ar": "تمور وفواكه جافة",
                               "en": "Dates and dried fruit"}, True, _EXEMPT, []),
        ("olive-oil", {"fr": "Huile d'olive", "ar": "زيت الزيتون", "en": "Olive oil"}, True, _EXEMPT, []),
    ]),
    ("cosmetics", {"fr": "Cosmétiques", "ar": "مستحضرات التجميل", "en": "Cosmetics"}, False, _STANDARD_VAT, [
        ("argan-cosmetics", {"fr": "Huile d'argan cosmétique", "ar": "زيت أركان تجميلي",
                             "en": "Cosmetic argan oil"}, False, _STANDARD_VAT, []),
    ]),
    ("crafts", {"fr": "Artisanat", "ar": "الصناعة التقليدية", "en": "Crafts"}, False, _STANDARD_VAT, [
        ("jewelry", {"fr": "Bijoux", "ar": "حلي ومجوهرات", "en": "Jewelry"}, False, _STANDARD_VAT, []),
        ("pottery", {"fr": "Poterie", "ar": "فخار", "en": "Pottery"}, False, _STANDARD_VAT, []),
        ("rugs-weaving", {"fr": "Tapis et tissage", "ar": "زرابي ونسيج", "en": "Rugs and weaving"},
         False, _EXEMPT, []),
        ("leather", {"fr": "Maroquinerie", "ar": "منتجات جلدية", "en": "Leather goods"}, False, _STANDARD_VAT, []),
        ("basketry", {"fr": "Vannerie", "ar": "سلال وحصائر", "en": "Basketry"}, False, _STANDARD_VAT, []),
    ]),
]


def _seed_categories(categories: sa.Table, nodes: list, parent_id: int | None = None) -> None:
    connection = op.get_bind()
    for position, (slug, name, food_safety, vat, children) in enumerate(nodes):
        inserted = connection.execute(sa.insert(categories).values(
            slug=slug, name=name, parent_id=parent_id, requires_food_safety=food_safety, vat_rate_bps=vat,
            position=position))
        _seed_categories(categories, children, inserted.inserted_primary_key[0])


def upgrade():
    categories = op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('requires_food_safety', sa.Boolean(), nullable=False),
    sa.Column('vat_rate_bps', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['categories.id'], name=op.f('fk_categories_parent_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_categories_slug'))
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_parent_id'), ['parent_id'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('origin_region', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('price_min', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_products_category_id_categories')),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_products_cooperative_id_cooperatives')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_origin_region'), ['origin_region'], unique=False)
        batch_op.create_index('ix_products_status_cooperative_id_category_id', ['status', 'cooperative_id', 'category_id'], unique=False)
        batch_op.create_index('ix_products_status_created_at', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_products_status_price_min', ['status', 'price_min'], unique=False)

    op.create_table('product_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('created_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_images_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_images')),
    sa.UniqueConstraint('key', name=op.f('uq_product_images_key'))
    )
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_images_product_id'), ['product_id'], unique=False)

    op.create_table('product_variants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('price_amount', sa.Integer(), nullable=False),
    sa.Column('price_currency', sa.String(length=3), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('archived_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price_amount > 0', name=op.f('ck_product_variants_price_positive')),
    sa.CheckConstraint('reserved >= 0', name=op.f('ck_product_variants_reserved_not_negative')),
    sa.CheckConstraint('weight_grams > 0', name=op.f('ck_product_variants_weight_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_variants_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_variants')),
    sa.UniqueConstraint('sku', name=op.f('uq_product_variants_sku'))
    )
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_variants_product_id'), ['product_id'], unique=False)

    op.create_table('stock_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_code', sa.String(length=64), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('quantity_remaining', sa.Integer(), nullable=False),
    sa.Column('produced_on', sa.Date(), nullable=False),
    sa.Column('best_before', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('best_before > produced_on', name=op.f('ck_stock_lots_best_before_after_production')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_stock_lots_quantity_positive')),
    sa.CheckConstraint('quantity_remaining >= 0 AND quantity_remaining <= quantity', name=op.f('ck_stock_lots_remaining_in_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_stock_lots_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_stock_lots_member_id_members')),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_stock_lots_variant_id_product_variants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_lots')),
    sa.UniqueConstraint('lot_code', name=op.f('uq_stock_lots_lot_code'))
    )
    with op.batch_alter_table('stock_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_lots_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_stock_lots_variant_id_best_before', ['variant_id', 'best_before'], unique=False)

    # The category tree is reference data every installation needs, not demo data.
    _seed_categories(categories, _CATEGORY_TREE)


def downgrade():
    with op.batch_alter_table('stock_lots', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_lots_variant_id_best_before')
        batch_op.drop_index(batch_op.f('ix_stock_lots_member_id'))

    op.drop_table('stock_lots')

    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_variants_product_id'))

    op.drop_table('product_variants')

    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_images_product_id'))

    op.drop_table('product_images')

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_status_price_min')
        batch_op.drop_index('ix_products_status_created_at')
        batch_op.drop_index('ix_products_status_cooperative_id_category_id')
        batch_op.drop_index(batch_op.f('ix_products_origin_region'))
        batch_op.drop_index(batch_op.f('ix_products_cooperative_id'))
        batch_op.drop_index(batch_op.f('ix_products_category_id'))

    op.drop_table('products')

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_categories_parent_id'))

    op.drop_table('categories')
