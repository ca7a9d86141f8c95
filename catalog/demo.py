"""Demo catalog for a laptop: the categories, and products of each verified demo cooperative (named in French
and Arabic), with generated pictures and stock lots produced by their members. Safe to run twice."""
from __future__ import annotations

import io
import random
import zlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from catalog import services
from catalog.categories import ensure_categories
from catalog.demo_images import draw_product_image
from catalog.errors import CatalogError
from catalog.models import Category, ProductVariant
from cooperatives.demo import demo_cooperative_ids
from cooperatives.models import Cooperative
from marketplace.clock import today
from marketplace.errors import AppError
from marketplace.extensions import db


@dataclass(frozen=True)
class Item:
    key: str
    category: str
    name: dict[str, str]
    description: dict[str, str]
    variants: tuple[tuple[str, int, int], ...]  # (label, weight in grams, price in centimes)


def item(key, category, fr, ar, en, description_fr, description_ar, *variants) -> Item:
    return Item(key, category, {"fr": fr, "ar": ar, "en": en}, {"fr": description_fr, "ar": description_ar}, variants)


ITEMS = {i.key: i for i in (
    item("argan-culinary", "argan-oil", "Huile d'argan alimentaire", "زيت أركان غذائي", "Culinary argan oil",
         "Amandons torréfiés puis pressés à froid : goût de noisette, pour le pain, l'amlou et les salades.",
         "لوز أركان محمص ومعصور على البارد، بنكهة البندق، للخبز والأملو والسلطات.",
         ("250 ml", 450, 12000), ("500 ml", 800, 22000)),
    item("argan-cosmetic", "argan-cosmetics", "Huile d'argan cosmétique pure", "زيت أركان تجميلي خالص",
         "Pure cosmetic argan oil", "Pressée à froid sans torréfaction, pour la peau et les cheveux.",
         "معصور على البارد دون تحميص، للبشرة والشعر.", ("50 ml", 150, 9000), ("100 ml", 250, 16000)),
    item("argan-hair", "argan-cosmetics", "Huile d'argan pour cheveux à la rose", "زيت أركان للشعر بماء الورد",
         "Argan and rose hair oil", "Argan et extrait de rose de Kelâat M'Gouna, en flacon pipette.",
         "أركان ومستخلص ورد قلعة مكونة في قارورة بقطارة.", ("30 ml", 100, 8500)),
    item("argan-gift", "argan-cosmetics", "Coffret découverte argan", "علبة اكتشاف الأركان", "Argan discovery box",
         "Trois flacons : huile pure, huile parfumée à la fleur d'oranger et huile pour les mains.",
         "ثلاث قوارير: زيت خالص، زيت بماء الزهر وزيت لليدين.", ("3 × 30 ml", 350, 24000)),
    item("amlou", "amlou", "Amlou aux amandes et au miel", "أملو باللوز والعسل", "Almond and honey amlou",
         "Amandes grillées, huile d'argan et miel, broyés à la meule de pierre.",
         "لوز محمص وزيت أركان وعسل مطحونة بالرحى الحجرية.", ("250 g", 350, 7500), ("500 g", 650, 13500)),
    item("amlou-peanut", "amlou", "Amlou aux cacahuètes", "أملو بالكاوكاو", "Peanut amlou",
         "La version familiale de l'amlou, aux cacahuètes grillées et à l'huile d'argan.",
         "أملو عائلي بالكاوكاو المحمص وزيت أركان.", ("350 g", 450, 5500)),
    item("honey-thyme", "honey", "Miel de thym", "عسل الزعتر", "Thyme honey",
         "Miel ambré des ruchers de montagne, arôme puissant de thym sauvage.",
         "عسل عنبري من مناحل الجبل بنكهة الزعتر البري.", ("250 g", 350, 9000), ("500 g", 650, 16000),
         ("1 kg", 1200, 30000)),
    item("honey-euphorbia", "honey", "Miel d'euphorbe", "عسل الدغموس", "Euphorbia honey",
         "Miel rare de l'euphorbe résinifère, goût poivré ; IGP Miel d'Euphorbe.",
         "عسل نادر من نبتة الدغموس بطعم حار؛ بيان جغرافي محمي.", ("250 g", 350, 11000), ("500 g", 650, 20000)),
    item("honey-jujube", "honey", "Miel de jujubier (sidr)", "عسل السدر", "Jujube (sidr) honey",
         "Miel doux et crémeux du jujubier sauvage de l'Anti-Atlas.", "عسل حلو وكريمي من السدر البري بالأطلس الصغير.",
         ("250 g", 350, 14000), ("500 g", 650, 26000)),
    item("honey-orange", "honey", "Miel de fleur d'oranger", "عسل زهر البرتقال", "Orange blossom honey",
         "Miel clair et parfumé des vergers d'agrumes du Souss.", "عسل فاتح معطر من بساتين الحوامض بسوس.",
         ("500 g", 650, 12000)),
    item("honey-carob", "honey", "Miel de caroubier", "عسل الخروب", "Carob honey",
         "Miel sombre et malté, récolté en automne.", "عسل داكن بطعم الشعير يجنى في الخريف.", ("500 g", 650, 15000)),
    item("harissa", "harissa-condiments", "Harissa traditionnelle au piment séché", "هريسة تقليدية بالفلفل المجفف",
         "Traditional sun-dried chilli harissa", "Piments séchés au soleil, ail et huile d'olive, pilés à la main.",
         "فلفل مجفف تحت الشمس وثوم وزيت زيتون، مدقوقة باليد.", ("200 g", 300, 3500), ("400 g", 550, 6000)),
    item("harissa-mild", "harissa-condiments", "Harissa douce aux poivrons grillés", "هريسة حلوة بالفلفل المشوي",
         "Mild roasted pepper harissa", "Pour les palais sensibles : poivrons grillés, cumin et coriandre.",
         "للأذواق الهادئة: فلفل مشوي وكمون وقزبر.", ("200 g", 300, 3500)),
    item("lemons", "harissa-condiments", "Citrons confits au sel", "حامض مرقد", "Salt-preserved lemons",
         "Citrons beldi confits trois mois dans le sel, pour tajines et salades.",
         "حامض بلدي مرقد في الملح ثلاثة أشهر للطواجن والسلطات.", ("500 g", 800, 4500)),
    item("olives", "harissa-condiments", "Olives noires beldi", "زيتون أسود بلدي", "Beldi black olives",
         "Olives ridées séchées au sel, à l'ancienne.", "زيتون مجعد مملح ومجفف على الطريقة التقليدية.",
         ("500 g", 550, 3000)),
    item("saffron", "spices-saffron", "Safran de Taliouine", "زعفران تالوين", "Taliouine saffron",
         "Pistils rouges cueillis à l'aube et séchés à l'ombre ; AOP Safran de Taliouine.",
         "مياسم حمراء تقطف فجرا وتجفف في الظل؛ تسمية منشأ محمية.", ("1 g", 60, 4500), ("5 g", 80, 20000)),
    item("saffron-tea", "spices-saffron", "Thé vert au safran", "شاي أخضر بالزعفران", "Saffron green tea",
         "Thé vert gunpowder parfumé aux pistils de safran de Taliouine.", "شاي أخضر معطر بمياسم زعفران تالوين.",
         ("100 g", 150, 6500)),
    item("ras-el-hanout", "spices-saffron", "Ras el hanout", "رأس الحانوت", "Ras el hanout",
         "Mélange de vingt-sept épices moulues à la demande.", "خليط من سبعة وعشرين نوعا من التوابل المطحونة.",
         ("100 g", 150, 3500)),
    item("cumin", "spices-saffron", "Cumin d'Alnif", "كمون ألنيف", "Alnif cumin",
         "Cumin des oasis d'Alnif, réputé pour son parfum intense.", "كمون واحات ألنيف المعروف بعطره القوي.",
         ("100 g", 150, 2500), ("250 g", 300, 5500)),
    item("couscous-barley", "couscous-cereals", "Couscous d'orge roulé main", "كسكس الشعير المفتول باليد",
         "Hand-rolled barley couscous", "Orge du pays Zemmour roulée à la main et séchée au soleil.",
         "شعير زمور مفتول باليد ومجفف تحت الشمس.", ("1 kg", 1050, 4500)),
    item("couscous-wheat", "couscous-cereals", "Couscous de blé dur", "كسكس القمح الصلب", "Durum wheat couscous",
         "Grain moyen, roulé et cuit à la vapeur trois fois.", "حبة متوسطة مفتولة ومطهوة بالبخار ثلاث مرات.",
         ("1 kg", 1050, 3800), ("5 kg", 5100, 17000)),
    item("berkoukes", "couscous-cereals", "Berkoukes (plombs)", "بركوكش", "Berkoukes pearl couscous",
         "Gros grains roulés à la main pour les soupes d'hiver.", "حبات كبيرة مفتولة باليد لحساء الشتاء.",
         ("1 kg", 1050, 4200)),
    item("belboula", "couscous-cereals", "Belboula (semoule d'orge)", "بلبولة", "Belboula barley grits",
         "Orge concassée pour la soupe et le couscous du vendredi.", "شعير مكسر للحساء وكسكس الجمعة.",
         ("1 kg", 1050, 3200)),
    item("dates-majhoul", "dates-dried-fruit", "Dattes Majhoul", "تمر المجهول", "Majhoul dates",
         "Grosses dattes moelleuses des oasis du Tafilalet ; IGP Dattes Majhoul.",
         "تمر كبير طري من واحات تافيلالت؛ بيان جغرافي محمي.", ("500 g", 600, 9000), ("1 kg", 1100, 16000),
         ("5 kg", 5300, 70000)),
    item("dates-boufeggous", "dates-dried-fruit", "Dattes Boufeggous", "تمر بوفقوس", "Boufeggous dates",
         "Dattes demi-sèches à la peau fine, idéales avec le lait.", "تمر نصف جاف رقيق القشرة، مثالي مع الحليب.",
         ("1 kg", 1100, 6500)),
    item("dates-jihel", "dates-dried-fruit", "Dattes Jihel", "تمر الجيهل", "Jihel dates",
         "Dattes sèches qui se conservent tout l'hiver.", "تمر جاف يحفظ طوال فصل الشتاء.", ("1 kg", 1100, 4500)),
    item("dried-figs", "dates-dried-fruit", "Figues sèches du Tafilalet", "كرموس يابس من تافيلالت",
         "Tafilalet dried figs", "Figues séchées au soleil et enfilées en chapelet.",
         "تين مجفف تحت الشمس ومنظوم في عقد.", ("500 g", 600, 5500)),
    item("prickly-pear", "dates-dried-fruit", "Figues de Barbarie séchées", "هندية مجففة", "Dried prickly pears",
         "Figues de Barbarie d'Aït Baamrane tranchées et séchées au soleil.",
         "تين شوكي من آيت باعمران مقطع ومجفف تحت الشمس.", ("250 g", 300, 5000)),
    item("olive-oil", "olive-oil", "Huile d'olive vierge extra", "زيت زيتون بكر ممتاز", "Extra virgin olive oil",
         "Picholine marocaine pressée à froid dans les 24 heures suivant la récolte.",
         "زيتون البيشولين المغربي المعصور على البارد خلال 24 ساعة من الجني.", ("1 l", 1100, 9000),
         ("5 l", 5200, 40000)),
    item("olive-oil-early", "olive-oil", "Huile d'olive de première récolte", "زيت زيتون الجنية الأولى",
         "Early-harvest olive oil", "Olives vertes d'octobre : une huile ardente et fruitée.",
         "زيتون أخضر من أكتوبر: زيت حار وفاكهي.", ("500 ml", 650, 7500)),
    item("silver-bracelet", "jewelry", "Bracelet berbère en argent", "سوار أمازيغي من الفضة", "Berber silver bracelet",
         "Argent 925 gravé au burin de motifs de l'Anti-Atlas.", "فضة 925 منقوشة بزخارف الأطلس الصغير.",
         ("taille unique", 60, 45000)),
    item("filigree-earrings", "jewelry", "Boucles d'oreilles en filigrane d'argent", "أقراط من الفضة المخرمة",
         "Silver filigree earrings", "Filigrane tissé à la main, fermoir en argent massif.",
         "تخريم منسوج يدويا بمشبك من الفضة الخالصة.", ("paire", 20, 28000)),
    item("fibula-necklace", "jewelry", "Collier à fibules (tizerzai)", "قلادة بالخلالات (تيزرزاي)",
         "Fibula necklace (tizerzai)", "Deux fibules triangulaires reliées par une chaîne d'argent et d'ambre.",
         "خلالتان مثلثتان تربطهما سلسلة من الفضة والعنبر.", ("unique", 80, 65000)),
    item("silver-ring", "jewelry", "Bague en argent et corail", "خاتم من الفضة والمرجان", "Silver and coral ring",
         "Chaton en corail serti d'argent, dessiné en 3D puis fondu à la cire perdue.",
         "فص مرجاني مرصع بالفضة، مصمم ثلاثي الأبعاد ومصبوب بالشمع المفقود.", ("taille 52", 15, 22000),
         ("taille 56", 16, 22000)),
    item("tagine", "pottery", "Tajine émaillé de Safi", "طاجين مزجج من آسفي", "Glazed Safi tagine",
         "Terre de Safi tournée et émaillée, passe au four et sur le feu doux.",
         "طين آسفي مخروط ومزجج، صالح للفرن والنار الهادئة.", ("26 cm", 2500, 25000), ("32 cm", 3800, 38000)),
    item("blue-bowl", "pottery", "Plat creux bleu de Safi", "صحن مقعر أزرق من آسفي", "Safi blue bowl",
         "Décor bleu cobalt peint au pinceau de poil de chèvre.", "زخرفة بالأزرق الكوبالتي بفرشاة من شعر الماعز.",
         ("30 cm", 1200, 18000)),
    item("vase", "pottery", "Vase en céramique peinte", "مزهرية من الخزف المرسوم", "Painted ceramic vase",
         "Vase à motifs floraux, émail craquelé.", "مزهرية بزخارف نباتية وطلاء متشقق.", ("40 cm", 1500, 32000)),
    item("plates", "pottery", "Assiettes plates (lot de 6)", "صحون مسطحة (6 قطع)", "Dinner plates (set of 6)",
         "Six assiettes assorties pour un service complet.", "ست صحون متناسقة لطقم كامل.", ("6 × 26 cm", 4200, 42000)),
    item("azilal-rug", "rugs-weaving", "Tapis d'Azilal en laine", "زربية أزيلال من الصوف", "Azilal wool rug",
         "Laine naturelle nouée à la main, motifs colorés sur fond écru.",
         "صوف طبيعي معقود يدويا بزخارف ملونة على أرضية بيضاء.", ("120 × 180 cm", 6000, 220000),
         ("160 × 230 cm", 9500, 380000)),
    item("boucherouite", "rugs-weaving", "Tapis boucherouite", "زربية البوشرويط", "Boucherouite rag rug",
         "Tissé avec des chutes de tissus recyclés, chaque pièce est unique.",
         "منسوجة من بقايا الأثواب المعاد تدويرها، كل قطعة فريدة.", ("90 × 150 cm", 3000, 90000)),
    item("kilim-cushion", "rugs-weaving", "Coussin kilim tissé main", "وسادة من الحنبل منسوجة يدويا",
         "Hand-woven kilim cushion", "Housse en kilim de laine, fermeture à boutons en cuir.",
         "غلاف من حنبل الصوف بأزرار جلدية.", ("45 × 45 cm", 600, 35000)),
    item("runner", "rugs-weaving", "Tapis de couloir berbère", "زربية ممر أمازيغية", "Berber runner rug",
         "Long tapis étroit aux losanges du Haut Atlas.", "زربية طويلة ضيقة بمعينات الأطلس الكبير.",
         ("70 × 250 cm", 3500, 150000)),
    item("tote", "leather", "Sac cabas en cuir tanné végétal", "حقيبة من الجلد المدبوغ نباتيا",
         "Vegetable-tanned leather tote", "Cuir de chèvre tanné à la chaux et aux végétaux à la tannerie Chouara.",
         "جلد ماعز مدبوغ بالجير والنباتات في دار الدباغة شوارة.", ("grand", 900, 55000)),
    item("babouches", "leather", "Babouches en cuir de Fès", "بلغة من جلد فاس", "Fez leather babouches",
         "Babouches cousues main, semelle en cuir.", "بلغة مخيطة يدويا بنعل من الجلد.", ("38", 400, 18000),
         ("40", 420, 18000), ("42", 440, 18000)),
    item("pouf", "leather", "Pouf en cuir brodé", "بوف من الجلد المطرز", "Embroidered leather pouf",
         "Pouf rond brodé au fil de soie, livré vide.", "بوف دائري مطرز بخيط الحرير، يسلم فارغا.",
         ("50 cm", 2500, 48000)),
    item("wallet", "leather", "Portefeuille en cuir", "محفظة من الجلد", "Leather wallet",
         "Portefeuille à six cartes, cuir pleine fleur.", "محفظة بستة أماكن للبطاقات من الجلد الكامل.",
         ("unique", 120, 15000)),
    item("doum-basket", "basketry", "Panier en doum tressé", "سلة من الدوم المضفور", "Woven doum basket",
         "Feuilles de palmier doum tressées à la main, anses en cuir.", "سعف الدوم مضفور يدويا بمقابض جلدية.",
         ("moyen", 500, 12000), ("grand", 700, 16000)),
    item("straw-hat", "basketry", "Chapeau de paille du Rif", "قبعة قش ريفية", "Rif straw hat",
         "Chapeau à larges bords orné de pompons de laine.", "قبعة عريضة الحواف مزينة بكرات الصوف.",
         ("unique", 200, 9000)),
    item("placemats", "basketry", "Sets de table en osier (lot de 4)", "مفارش مائدة من السمار (4 قطع)",
         "Wicker placemats (set of 4)", "Quatre sets ronds tressés en jonc de Salé.", "أربعة مفارش دائرية من سمار سلا.",
         ("4 × 35 cm", 600, 8000)),
    item("bread-basket", "basketry", "Corbeille à pain tressée", "طبق خبز مضفور", "Woven bread basket",
         "Corbeille à couvercle conique, pour garder le pain chaud.", "طبق بغطاء مخروطي لحفظ الخبز ساخنا.",
         ("moyen", 400, 7000)),
)}

PRODUCTS_BY_COOPERATIVE = {
    "harissa-mohammedia": ("harissa", "harissa-mild", "lemons", "ras-el-hanout", "olives"),
    "argan-taroudant": ("argan-culinary", "argan-cosmetic", "argan-hair", "amlou"),
    "argan-tiznit": ("argan-culinary", "argan-cosmetic", "amlou", "amlou-peanut"),
    "amlou-agadir": ("amlou", "amlou-peanut", "honey-thyme", "argan-culinary"),
    "couscous-khemisset": ("couscous-barley", "couscous-wheat", "berkoukes", "belboula"),
    # a union without its own ONSSA authorisation: its culinary oil waits as a draft
    "argan-union": ("argan-culinary", "argan-cosmetic", "argan-gift", "argan-hair"),
    "jewelers-dar-bouazza": ("silver-bracelet", "filigree-earrings", "fibula-necklace", "silver-ring"),
    "saffron-taliouine": ("saffron", "saffron-tea", "ras-el-hanout", "cumin"),
    "dates-errachidia": ("dates-majhoul", "dates-boufeggous", "dates-jihel", "dried-figs"),
    "pottery-safi": ("tagine", "blue-bowl", "vase", "plates"),
    "leather-fes": ("tote", "babouches", "pouf", "wallet"),
    "olive-oil-ouezzane": ("olive-oil", "olive-oil-early", "olives", "lemons"),
    "honey-imouzzer": ("honey-thyme", "honey-euphorbia", "honey-orange", "honey-carob"),
    "honey-tiznit": ("honey-jujube", "honey-euphorbia", "honey-orange"),
    "rugs-azilal": ("azilal-rug", "boucherouite", "kilim-cushion", "runner"),
    "basketry-sale": ("doum-basket", "straw-hat", "placemats", "bread-basket"),
    # its ONSSA authorisation is still under review: the product stays a draft
    "prickly-pear-sidi-ifni": ("prickly-pear",),
}

FOOD_SHELF_LIFE, CRAFT_SHELF_LIFE = timedelta(days=365), timedelta(days=3650)


def load() -> None:
    """Seed the categories, then each verified demo cooperative's products (skipping those already there)."""
    ensure_categories()
    ids = demo_cooperative_ids()
    media_root = Path(current_app.config["MEDIA_ROOT"])
    for key, item_keys in PRODUCTS_BY_COOPERATIVE.items():
        cooperative = db.session.get(Cooperative, ids[key]) if key in ids else None
        if cooperative is None or not cooperative.is_verified:
            continue
        for item_key in item_keys:
            _load_product(cooperative, ITEMS[item_key], media_root)


def _sku(cooperative: Cooperative, item: Item, index: int) -> str:
    return f"C{cooperative.id}-{item.key.upper()}-{index + 1}"


def _load_product(cooperative: Cooperative, item: Item, media_root: Path) -> None:
    first_sku = _sku(cooperative, item, 0)
    if db.session.scalar(select(ProductVariant.id).where(ProductVariant.sku == first_sku)) is not None:
        return
    manager = cooperative.managers[0]
    members = [m for m in cooperative.members if m.is_active_on(today())]
    rng = random.Random(zlib.crc32(first_sku.encode()))
    product = services.create_product(manager, {
        "cooperative_id": cooperative.id, "category": item.category, "name": item.name,
        "description": item.description, "origin_region": cooperative.region,
        "variants": [{"sku": _sku(cooperative, item, index), "label": label, "weight_grams": grams,
                      "price": {"amount": price, "currency": "MAD"}}
                     for index, (label, grams, price) in enumerate(item.variants)]})
    for picture in range(rng.choice((1, 1, 2))):
        photo = draw_product_image(item.name["fr"], seed=zlib.crc32(f"{first_sku}/{picture}".encode()))
        services.add_image(manager, product.id, io.BytesIO(photo), media_root=media_root)
    food = db.session.scalar(select(Category.requires_food_safety).where(Category.slug == product.category))
    shelf_life = FOOD_SHELF_LIFE if food else CRAFT_SHELF_LIFE
    for index, variant in enumerate(product.variants):
        produced_on = today() - timedelta(days=rng.randint(3, 90))
        services.add_lot(manager, product.id, variant.id, {
            "lot_code": f"{variant.sku}-L{produced_on:%y%m%d}", "quantity": rng.randint(4, 60),
            "member_id": members[index % len(members)].id, "produced_on": produced_on,
            "best_before": produced_on + shelf_life})
    try:
        services.publish_product(manager, product.id)
    except AppError as refused:
        db.session.rollback()
        if refused.code != CatalogError.PUBLISH_REQUIREMENTS_UNMET:
            raise
