"""Reproducible synthetic catalogue of Moroccan cooperative products, for the search benchmarks."""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from catalog.search.documents import SearchDocument

REGIONS = ("tanger-tetouan-al-hoceima", "oriental", "fes-meknes", "rabat-sale-kenitra", "beni-mellal-khenifra",
           "casablanca-settat", "marrakech-safi", "draa-tafilalet", "souss-massa", "guelmim-oued-noun",
           "laayoune-sakia-el-hamra", "dakhla-oued-ed-dahab")
CERTIFICATIONS = ("onssa_authorization", "onssa_approval", "igp", "aop", "bio", "label_agricole", "fair_trade")

# slug: (category names, [(fr name, en name, ar name or None)], description fragments fr/en, price range MAD)
CATEGORIES: dict[str, tuple[dict[str, str], list[tuple[str, str, str | None]], list[str], tuple[int, int]]] = {
    "argan-oil": ({"fr": "Huile d'argan", "en": "Argan oil", "ar": "زيت الأركان"},
                  [("Huile d'argan alimentaire", "Culinary argan oil", "زيت أركان غذائي"),
                   ("Huile d'argan torréfiée", "Roasted argan oil", "زيت الأركان المحمص"),
                   ("Huile d'argan pressée à froid", "Cold-pressed argan oil", None)],
                  ["pressée à froid par les femmes de la coopérative", "noix d'argan concassées à la main",
                   "cold pressed from hand-cracked argan kernels", "goût de noisette"], (80, 450)),
    "argan-cosmetics": ({"fr": "Cosmétiques à l'argan", "en": "Argan cosmetics", "ar": "مستحضرات الأركان"},
                        [("Huile d'argan cosmétique", "Cosmetic argan oil", "زيت الأركان التجميلي"),
                         ("Savon beldi à l'argan", "Argan black soap", None),
                         ("Crème de nuit à l'argan", "Argan night cream", None)],
                        ["nourrit la peau et les cheveux", "crème hydratante", "for skin and hair"], (40, 300)),
    "honey": ({"fr": "Miel", "en": "Honey", "ar": "عسل"},
              [("Miel de thym", "Thyme honey", "عسل الزعتر"), ("Miel d'euphorbe", "Euphorbia honey", "عسل الدغموس"),
               ("Miel de jujubier", "Jujube honey", "عسل السدر"), ("Miel d'oranger", "Orange blossom honey", None),
               ("Miel de caroubier", "Carob honey", None)],
              ["récolté dans les ruches de l'Atlas", "miel cru non chauffé", "raw honey from mountain hives"],
              (60, 600)),
    "amlou": ({"fr": "Amlou", "en": "Amlou", "ar": "أملو"},
              [("Amlou aux amandes", "Almond amlou", "أملو باللوز"), ("Amlou aux cacahuètes", "Peanut amlou", None)],
              ["amandes grillées, huile d'argan et miel", "almonds, argan oil and honey"], (50, 200)),
    "harissa-condiments": ({"fr": "Harissa et condiments", "en": "Harissa and condiments"},
                           [("Harissa traditionnelle", "Traditional harissa", "هريسة"),
                            ("Citrons confits", "Preserved lemons", None), ("Olives beldi", "Beldi olives", None)],
                           ["piments séchés au soleil", "recette de la coopérative", "sun-dried chillies"],
                           (20, 120)),
    "spices-saffron": ({"fr": "Épices et safran", "en": "Spices and saffron", "ar": "توابل وزعفران"},
                       [("Safran de Taliouine", "Taliouine saffron", "زعفران تالوين"),
                        ("Ras el hanout", "Ras el hanout", None), ("Cumin de Alnif", "Alnif cumin", None),
                        ("Mélange d'épices", "Spice blend", None)],
                       ["pistils récoltés à la main", "épices moulues à la pierre", "hand-picked stigmas"],
                       (30, 900)),
    "couscous-cereals": ({"fr": "Couscous et céréales", "en": "Couscous and cereals"},
                         [("Couscous d'orge", "Barley couscous", "كسكس الشعير"), ("Couscous de blé", "Wheat couscous", None),
                          ("Belboula", "Belboula", None)],
                         ["roulé à la main", "hand-rolled by the women of the village"], (20, 90)),
    "dates-dried-fruit": ({"fr": "Dattes et fruits secs", "en": "Dates and dried fruit", "ar": "تمور"},
                          [("Dattes Majhoul", "Majhoul dates", "تمر المجهول"), ("Dattes Boufeggous", "Boufeggous dates", None),
                           ("Figues sèches", "Dried figs", None), ("Amandes", "Almonds", None)],
                          ["palmeraie du Tafilalet", "séchées au soleil", "from the Tafilalet oasis"], (40, 350)),
    "olive-oil": ({"fr": "Huile d'olive", "en": "Olive oil", "ar": "زيت الزيتون"},
                  [("Huile d'olive extra vierge", "Extra virgin olive oil", "زيت زيتون بكر ممتاز"),
                   ("Huile d'olive beldi", "Beldi olive oil", None)],
                  ["première pression à froid", "picholine marocaine", "first cold pressing"], (50, 250)),
    "jewelry": ({"fr": "Bijoux", "en": "Jewelry"},
                [("Bracelet berbère en argent", "Berber silver bracelet", None),
                 ("Collier en argent de Tiznit", "Tiznit silver necklace", None), ("Fibule en argent", "Silver fibula", None)],
                ["argent ciselé à la main", "hand-chased silver"], (150, 2500)),
    "pottery": ({"fr": "Poterie", "en": "Pottery"},
                [("Tajine de Safi", "Safi tagine", "طاجين آسفي"), ("Plat en céramique de Safi", "Safi ceramic dish", None),
                 ("Bol émaillé", "Glazed bowl", None)],
                ["terre cuite émaillée", "peint à la main", "hand-painted glazed clay"], (60, 800)),
    "rugs-weaving": ({"fr": "Tapis et tissage", "en": "Rugs and weaving"},
                     [("Tapis d'Azilal", "Azilal rug", None), ("Tapis Boucherouite", "Boucherouite rug", None),
                      ("Kilim berbère", "Berber kilim", None), ("Coussin tissé", "Woven cushion", None)],
                     ["laine tissée à la main", "hand-knotted wool"], (200, 9000)),
    "leather": ({"fr": "Cuir", "en": "Leather"},
                [("Babouches en cuir", "Leather babouche slippers", None), ("Sac en cuir", "Leather bag", None),
                 ("Pouf en cuir", "Leather pouf", None)],
                ["cuir tanné naturellement", "vegetable-tanned leather"], (120, 1500)),
    "basketry": ({"fr": "Vannerie", "en": "Basketry"},
                 [("Panier en palmier doum", "Doum palm basket", None), ("Chapeau de paille", "Straw hat", None)],
                 ["fibres de palmier doum tressées", "woven palm leaves"], (40, 400)),
}
QUALIFIERS = ["bio", "premium", "artisanal", "traditionnel", "250 g", "500 g", "1 kg", "100 ml", "250 ml", "1 l",
              "grand", "petit", "coffret"]
COOP_WORDS = ["Tifawin", "Tighanimine", "Ajddigue", "Amal", "Tamount", "Taitmatine", "Nour", "Al Baraka", "Tafyoucht",
              "Assafar", "Targante", "Ighrem", "Tazart", "Afous", "Tiwizi", "Annahda", "Al Khair", "Oasis", "Atlas",
              "Zagora"]


def corpus(size: int, *, seed: int = 2024, cooperatives: int = 1000) -> Iterator[SearchDocument]:
    """`size` documents; ~5% carry an Arabic name, 3% are past their sellable date."""
    rng = random.Random(seed)
    coops = [(i + 1, f"Coopérative {rng.choice(COOP_WORDS)} {rng.choice(COOP_WORDS)}", rng.choice(REGIONS))
             for i in range(cooperatives)]
    slugs = list(CATEGORIES)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for pid in range(1, size + 1):
        slug = rng.choice(slugs)
        category_names, products, fragments, (low, high) = CATEGORIES[slug]
        fr, en, ar = rng.choice(products)
        qualifier = rng.choice(QUALIFIERS)
        names = {"fr": f"{fr} {qualifier}", "en": f"{en} {qualifier}"}
        if ar and rng.random() < 0.05:
            names["ar"] = ar
        coop_id, coop_name, region = rng.choice(coops)
        description = ". ".join(rng.sample(fragments, min(2, len(fragments))))
        kinds = tuple(sorted({rng.choice(CERTIFICATIONS) for _ in range(rng.randint(0, 2))}))
        roll = rng.random()
        sellable = None if roll < 0.6 else date(2020, 1, 1) if roll < 0.63 else date(2030, 1, 1)
        yield SearchDocument(
            product_id=pid, names=names,
            descriptions={"fr": f"{description}. Produit de la {coop_name}.", "en": rng.choice(fragments)},
            category_slug=slug, category_names={k: v for k, v in category_names.items()},
            cooperative_id=coop_id, cooperative_name=coop_name, region=region, certification_kinds=kinds,
            price_min=rng.randint(low, high) * 100, in_stock=rng.random() < 0.85,
            created_at=start + timedelta(minutes=pid * 7), sellable_until=sellable,
            fingerprint=f"{pid}:1",
        )


ONE_WORD = ["argan", "miel", "safran", "dattes", "tapis", "harissa", "couscous", "amlou", "honey", "cuir", "poterie",
            "olive", "thym", "argent", "savon", "épices", "oil", "rug", "babouches", "panier", "عسل", "زيت"]
TWO_WORDS = ["huile argan", "miel thym", "safran taliouine", "dattes majhoul", "tapis azilal", "argan oil",
             "thyme honey", "miel euphorbe", "tajine safi", "bracelet argent", "huile olive", "couscous orge",
             "زيت الأركان", "amlou amandes", "sac cuir"]
TYPOS = ["argn", "harisa", "mile", "safrn", "coucous", "dates majhol", "tapsi", "poterei", "amlu", "euphorb"]
PREFIXES = ["arg", "mie", "saf", "dat", "tap", "har", "cou", "aml", "hon", "cui", "pot", "oli", "thy", "bab", "zit",
            "زيت", "عسل", "epi", "tag", "bra"]
