"""Demo cooperatives for a laptop: twenty cooperatives and a union across the regions, with members and
certifications in every state. Loaded by `flask --app wsgi demo load` after the demo accounts exist."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from cooperatives import certifications, services, unions, validators
from cooperatives.models import Certification, CertificationStatus, Cooperative, CooperativeStatus
from marketplace.auth.models import User
from marketplace.dbtypes import utcnow
from marketplace.extensions import db
from marketplace.transaction import unit_of_work

ADMIN_EMAIL = "admin@souk.test"


@dataclass(frozen=True)
class DemoCertification:
    kind: str
    number: str
    issuer: str
    issued_on: date
    outcome: str  # verified, submitted, rejected, revoked, expired
    expires_in_days: int | None = None  # from today; negative for a certificate that has expired


@dataclass(frozen=True)
class DemoCooperative:
    key: str
    manager: str
    name: str
    ice: str
    region: str
    province: str
    sector: str
    founded_on: date
    description: dict[str, str]
    members: int
    women_share: float
    outcome: str = "verified"  # verified, pending, suspended, rejected
    legal_form: str = "cooperative"
    certifications: tuple[DemoCertification, ...] = ()


def _onssa(number: str, issued_on: date, *, kind: str = "onssa_authorization", outcome: str = "verified",
           province: str = "") -> DemoCertification:
    return DemoCertification(kind, number, f"ONSSA {province}".strip(), issued_on, outcome)


FATIMA, YOUSSEF, KHADIJA = "fatima@cooperative.test", "youssef@cooperative.test", "khadija@cooperative.test"

DEMO_COOPERATIVES: tuple[DemoCooperative, ...] = (
    DemoCooperative(
        "harissa-mohammedia", FATIMA, "Coopérative Féminine Oued Maleh", "001523876000032", "casablanca-settat",
        "Mohammedia", "food_processing", date(2012, 3, 8),
        {"fr": "Des femmes de la vallée de l'Oued Maleh préparent une harissa au piment séché au soleil.",
         "ar": "تعاونية نسائية بوادي المالح تحضر الهريسة التقليدية بالفلفل المجفف تحت الشمس."},
        members=7, women_share=1.0,
        certifications=(_onssa("AS.13.241.2018", date(2018, 4, 10), province="Casablanca-Settat"),)),
    DemoCooperative(
        "argan-taroudant", FATIMA, "Coopérative Tifaouine d'Argan", "002114587000060", "souss-massa", "Taroudant",
        "argan", date(2009, 6, 1),
        {"fr": "Huile d'argan alimentaire et cosmétique, concassée à la main par les femmes de Taroudant.",
         "ar": "زيت أركان غذائي وتجميلي تكسره نساء تارودانت يدويا."},
        members=6, women_share=1.0,
        certifications=(_onssa("AS.53.118.2016", date(2016, 9, 20), province="Taroudant"),
                        DemoCertification("igp", "IGP-ARG-0412", "Normacert", date(2019, 1, 15), "verified",
                                          expires_in_days=420))),
    DemoCooperative(
        "argan-tiznit", FATIMA, "Coopérative Tafyoucht", "002376104000022", "souss-massa", "Tiznit", "argan",
        date(2011, 11, 2),
        {"fr": "Coopérative de femmes de Tiznit : huile d'argan et amlou.",
         "ar": "تعاونية نسائية بتيزنيت: زيت أركان وأملو."},
        members=5, women_share=1.0,
        certifications=(_onssa("AA.61.032.2017", date(2017, 5, 3), kind="onssa_approval", province="Tiznit"),
                        DemoCertification("organic", "MA-BIO-140-2231", "Ecocert", date(2023, 2, 1), "verified",
                                          expires_in_days=21))),
    DemoCooperative(
        "amlou-agadir", FATIMA, "Coopérative Amlou Ida Outanane", "002598311000077", "souss-massa",
        "Agadir Ida-Outanane", "food_processing", date(2014, 4, 17),
        {"fr": "Amlou aux amandes, miel et huile d'argan, préparé à Imouzzer.",
         "ar": "أملو باللوز والعسل وزيت أركان من إموزار."},
        members=4, women_share=0.75,
        certifications=(_onssa("AS.01.377.2019", date(2019, 10, 1), province="Agadir"),)),
    DemoCooperative(
        "couscous-khemisset", FATIMA, "Coopérative Nisae Zemmour", "001987452000069", "rabat-sale-kenitra",
        "Khémisset", "food_processing", date(2013, 1, 21),
        {"fr": "Couscous roulé à la main, orge et blé dur du pays Zemmour.",
         "ar": "كسكس مفتول باليد من الشعير والقمح الصلب."},
        members=6, women_share=1.0,
        certifications=(_onssa("AS.26.088.2020", date(2020, 2, 14), province="Khémisset"),)),
    DemoCooperative(
        "argan-union", FATIMA, "Union des Coopératives d'Argane du Souss", "003001257000055", "souss-massa",
        "Agadir Ida-Outanane", "argan", date(2015, 7, 9),
        {"fr": "Union de coopératives d'argan : mutualisation du conditionnement et de la vente.",
         "ar": "اتحاد تعاونيات الأركان لتثمين وتسويق المنتوج."},
        members=3, women_share=0.67, legal_form="union"),
    DemoCooperative(
        "jewelers-dar-bouazza", YOUSSEF, "Coopérative Jeunes Bijoutiers de Dar Bouazza", "002845963000071",
        "casablanca-settat", "Nouaceur", "jewelry", date(2019, 9, 30),
        {"fr": "Jeunes bijoutiers : or et argent, conception 3D et bijoux en coquillages.",
         "ar": "شباب صاغة: ذهب وفضة وتصميم ثلاثي الأبعاد وحلي من الأصداف."},
        members=5, women_share=0.4),
    DemoCooperative(
        "saffron-taliouine", YOUSSEF, "Coopérative Souktana du Safran", "001765230000031", "souss-massa",
        "Taroudant", "agriculture", date(2008, 10, 12),
        {"fr": "Safran de Taliouine cueilli à l'aube et séché à l'ombre.",
         "ar": "زعفران تالوين يقطف فجرا ويجفف في الظل."},
        members=6, women_share=0.5,
        certifications=(_onssa("AS.53.204.2015", date(2015, 11, 5), province="Taroudant"),
                        DemoCertification("aop", "AOP-SAF-TAL-007", "Normacert", date(2012, 3, 1), "verified"))),
    DemoCooperative(
        "dates-errachidia", YOUSSEF, "Coopérative Majhoul Tafilalet", "002233718000043", "draa-tafilalet",
        "Errachidia", "agriculture", date(2010, 2, 25),
        {"fr": "Dattes Majhoul de l'oasis du Tafilalet, triées et conditionnées sur place.",
         "ar": "تمور المجهول من واحات تافيلالت."},
        members=5, women_share=0.4,
        certifications=(_onssa("AS.21.145.2017", date(2017, 8, 30), province="Errachidia"),
                        DemoCertification("igp", "IGP-MAJ-TAF-031", "Bureau Veritas", date(2018, 9, 1), "verified"),
                        DemoCertification("organic", "MA-BIO-140-1187", "Ecocert", date(2021, 6, 1), "expired",
                                          expires_in_days=-40))),
    DemoCooperative(
        "pottery-safi", YOUSSEF, "Coopérative des Potiers de Safi", "001456879000095", "marrakech-safi", "Safi",
        "handicraft", date(2007, 5, 14),
        {"fr": "Poterie émaillée de la colline des potiers de Safi.",
         "ar": "فخار مزجج من تل الخزافين بآسفي."},
        members=5, women_share=0.2),
    DemoCooperative(
        "leather-fes", YOUSSEF, "Coopérative des Tanneurs Chouara", "001398254000027", "fes-meknes", "Fès",
        "handicraft", date(2006, 4, 3),
        {"fr": "Maroquinerie en cuir tanné aux végétaux dans la médina de Fès.",
         "ar": "مصنوعات جلدية مدبوغة بالنباتات في مدينة فاس العتيقة."},
        members=6, women_share=0.33),
    DemoCooperative(
        "olive-oil-ouezzane", YOUSSEF, "Coopérative Zitoun Ouezzane", "002467390000070", "tanger-tetouan-al-hoceima",
        "Ouezzane", "agriculture", date(2012, 12, 1),
        {"fr": "Huile d'olive vierge extra pressée à froid dans les collines d'Ouezzane.",
         "ar": "زيت زيتون بكر ممتاز معصور على البارد من تلال وزان."},
        members=5, women_share=0.4,
        certifications=(_onssa("AS.45.063.2019", date(2019, 11, 20), province="Ouezzane"),)),
    DemoCooperative(
        "honey-imouzzer", KHADIJA, "Coopérative Apicole Imouzzer", "002689145000010", "souss-massa",
        "Agadir Ida-Outanane", "beekeeping", date(2010, 3, 19),
        {"fr": "Miel de thym et d'euphorbe des ruchers d'Imouzzer Ida Outanane.",
         "ar": "عسل الزعتر والدغموس من مناحل إموزار إداوتنان."},
        members=5, women_share=0.4,
        certifications=(DemoCertification("onssa_authorization", "AS.01.099.2014", "ONSSA Agadir", date(2014, 6, 1),
                                          "revoked"),
                        _onssa("AS.01.512.2021", date(2021, 4, 12), province="Agadir"))),
    DemoCooperative(
        "honey-tiznit", KHADIJA, "Coopérative Nahla Tiznit", "002711983000013", "souss-massa", "Tiznit",
        "beekeeping", date(2016, 8, 8),
        {"fr": "Apicultrices de l'Anti-Atlas : miel de jujubier et d'euphorbe.",
         "ar": "نحالات الأطلس الصغير: عسل السدر والدغموس."},
        members=4, women_share=1.0,
        certifications=(_onssa("AS.61.207.2020", date(2020, 5, 5), province="Tiznit"),)),
    DemoCooperative(
        "rugs-azilal", KHADIJA, "Coopérative Tislit des Tapis d'Azilal", "001876542000055", "beni-mellal-khenifra",
        "Azilal", "textile", date(2011, 6, 6),
        {"fr": "Tapis d'Azilal tissés en laine naturelle par les femmes du Haut Atlas.",
         "ar": "زرابي أزيلال منسوجة من الصوف الطبيعي بأيادي نساء الأطلس الكبير."},
        members=7, women_share=1.0),
    DemoCooperative(
        "basketry-sale", KHADIJA, "Coopérative Doum de Salé", "001634729000033", "rabat-sale-kenitra", "Salé",
        "handicraft", date(2015, 2, 10),
        {"fr": "Vannerie en feuilles de doum et en osier.",
         "ar": "منتوجات الدوم والسمار التقليدية."},
        members=4, women_share=0.75),
    DemoCooperative(
        "prickly-pear-sidi-ifni", KHADIJA, "Coopérative Aknari Aït Baamrane", "002950364000064",
        "guelmim-oued-noun", "Sidi Ifni", "food_processing", date(2017, 7, 7),
        {"fr": "Confiture et huile de pépins de figue de Barbarie d'Aït Baamrane.",
         "ar": "مربى وزيت بذور الصبار من آيت باعمران."},
        members=4, women_share=0.75,
        certifications=(_onssa("AS.81.009.2022", date(2022, 3, 1), outcome="rejected", province="Guelmim"),
                        _onssa("AS.81.014.2024", date(2024, 9, 15), outcome="submitted", province="Guelmim"))),
    DemoCooperative(
        "poultry-berkane", KHADIJA, "Coopérative Tadamoun des Éleveurs de Berkane", "003112845000096", "oriental",
        "Berkane", "livestock", date(2021, 1, 12),
        {"fr": "Élevage de poulets beldi et de pigeons en plein air.",
         "ar": "تربية الدجاج البلدي والحمام في الهواء الطلق."},
        members=3, women_share=0.33, outcome="pending"),
    DemoCooperative(
        "shell-jewelry-dakhla", YOUSSEF, "Coopérative Sadaf Bijoux Marins", "003245670000008",
        "dakhla-oued-ed-dahab", "Oued Ed-Dahab", "jewelry", date(2022, 5, 30),
        {"fr": "Bijoux en coquillages et nacre de la baie de Dakhla.",
         "ar": "حلي من الأصداف والصدف من خليج الداخلة."},
        members=3, women_share=0.67, outcome="pending",
        certifications=(DemoCertification("label_agricole", "LA-DAK-2023-05", "Normacert", date(2023, 5, 1),
                                          "submitted"),)),
    DemoCooperative(
        "argan-essaouira", FATIMA, "Coopérative Argan Mogador", "002019836000059", "marrakech-safi", "Essaouira",
        "argan", date(2010, 9, 9),
        {"fr": "Huile d'argan de la région d'Essaouira (suspendue le temps d'un contrôle).",
         "ar": "زيت أركان من منطقة الصويرة."},
        members=3, women_share=1.0, outcome="suspended"),
    DemoCooperative(
        "textile-casablanca", KHADIJA, "Coopérative Nour Textile", "003367215000094", "casablanca-settat",
        "Casablanca", "textile", date(2023, 2, 2),
        {"fr": "Broderie et confection à Hay Mohammadi.", "ar": "طرز وخياطة بالحي المحمدي."},
        members=3, women_share=1.0, outcome="rejected"),
)

UNION_MEMBERS = {"argan-union": ("argan-taroudant", "argan-tiznit")}

_WOMEN = ("Fatima Zahra Aït Ali", "Aïcha Oubaha", "Khadija Amrani", "Zahra Bouhouch", "Malika Id Brahim",
          "Naima Ouchen", "Rkia Aït Lahcen", "Hafsa El Ghazi", "Saida Boutaleb", "Meryem Tazi")
_MEN = ("Mohamed Aït Baha", "Brahim Oukhouya", "Hassan El Fassi", "Omar Benjelloun", "Lahcen Id Ouali",
        "Youness Lamrani", "Abdellah Chraibi", "Said Amzil", "Rachid Belkadi", "Karim Sebti")
_ROLES = ("president", "treasurer", "secretary", "vice_president")
_BIRTH_YEARS = (1962, 1971, 1999, 1985, 2002, 1978, 1993, 1968, 2004, 1988)


def load_demo_cooperatives() -> None:
    """Create the demo cooperatives once (skipped when they are already there)."""
    if db.session.scalar(select(Cooperative.id).where(Cooperative.ice == DEMO_COOPERATIVES[0].ice)) is not None:
        return
    admin = _user(ADMIN_EMAIL)
    created = {demo.key: _load_cooperative(demo, admin) for demo in DEMO_COOPERATIVES}
    for union_key, member_keys in UNION_MEMBERS.items():
        union_manager = _user(next(d.manager for d in DEMO_COOPERATIVES if d.key == union_key))
        for member_key in member_keys:
            manager = _user(next(d.manager for d in DEMO_COOPERATIVES if d.key == member_key))
            request = unions.ask_to_join(manager, created[member_key].id, created[union_key].id)
            unions.decide_join_request(union_manager, created[union_key].id, request.id, decision="accept",
                                       reason=None)


def demo_cooperative_ids() -> dict[str, int]:
    """The demo cooperatives' ids by key (e.g. "harissa-mohammedia"), for other packages' demo data."""
    by_ice = dict(db.session.execute(select(Cooperative.ice, Cooperative.id)
                                     .where(Cooperative.ice.in_([d.ice for d in DEMO_COOPERATIVES]))).all())
    return {demo.key: by_ice[demo.ice] for demo in DEMO_COOPERATIVES if demo.ice in by_ice}


def tiny_pdf(title: str) -> bytes:
    """A small valid one-page PDF showing `title` (ASCII), with a correct cross-reference table."""
    text = title.encode("ascii", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _load_cooperative(demo: DemoCooperative, admin: User) -> Cooperative:
    manager = _user(demo.manager)
    cooperative = services.create_cooperative(manager, {
        "name": demo.name, "legal_form": demo.legal_form,
        "registration_number": f"RC {demo.ice[3:7]}/{demo.founded_on.year}", "ice": demo.ice,
        "region": demo.region, "province": demo.province, "sector": demo.sector,
        "founded_on": demo.founded_on, "description": demo.description,
        "contact_email": f"contact@{demo.key}.coop.ma", "phone": _phone(demo.ice, landline=True),
        "bank_account": _rib(int(demo.ice[:9])),
    })
    for index in range(demo.members):
        services.add_member(manager, cooperative.id, _member(demo, index))
    for certification in demo.certifications:
        _load_certification(manager, admin, cooperative, certification)
    if demo.outcome in (CooperativeStatus.VERIFIED, CooperativeStatus.SUSPENDED):
        services.decide_cooperative(admin, cooperative.id, decision="verify", reason=None)
    if demo.outcome == CooperativeStatus.SUSPENDED:
        services.decide_cooperative(admin, cooperative.id, decision="suspend",
                                    reason="Contrôle en cours : étiquetage non conforme signalé par un acheteur.")
    if demo.outcome == CooperativeStatus.REJECTED:
        services.decide_cooperative(admin, cooperative.id, decision="reject",
                                    reason="L'ICE ne correspond pas au registre des coopératives.")
    return cooperative


def _member(demo: DemoCooperative, index: int) -> dict:
    woman = index < round(demo.members * demo.women_share)
    seed = sum(map(ord, demo.key)) + index
    method = ("bank_transfer", "mobile_wallet", "cash")[seed % 3]
    account = {"bank_transfer": _rib(seed), "mobile_wallet": _phone(f"{seed:09d}"), "cash": None}[method]
    return {
        "full_name": (_WOMEN if woman else _MEN)[seed % 10],
        "gender": "female" if woman else "male",
        "birth_year": _BIRTH_YEARS[seed % len(_BIRTH_YEARS)],
        "role": _ROLES[index] if index < len(_ROLES) else "member",
        "joined_on": demo.founded_on + timedelta(days=90 * index),
        "capital_shares": 1 + seed % 10,
        "payout_method": method,
        "payout_account": account,
    }


def _rib(seed: int) -> str:
    first_22 = f"{(7, 11, 145, 190, 225)[seed % 5]:03d}{780 + seed % 100:03d}{seed * 7919:016d}"
    return first_22 + validators.rib_key(first_22)


def _phone(digits: str, *, landline: bool = False) -> str:
    return f"+21252{digits[-7:]}" if landline else f"+2126{digits[-8:]}"


def _load_certification(manager: User, admin: User, cooperative: Cooperative, demo: DemoCertification) -> None:
    expires_on = None if demo.expires_in_days is None else validators.today() + timedelta(days=demo.expires_in_days)
    if demo.outcome == CertificationStatus.EXPIRED:
        # The certificate was verified while it was in force: recorded as history, since verifying it now is refused.
        expires_on, real_expiry = validators.today() + timedelta(days=365), expires_on
    document = io.BytesIO(tiny_pdf(f"{demo.issuer} - {demo.kind} {demo.number} - {cooperative.name}"))
    certification = certifications.submit_certification(manager, cooperative.id, {
        "kind": demo.kind, "number": demo.number, "issuer": demo.issuer, "issued_on": demo.issued_on,
        "expires_on": expires_on, "product_ids": []}, document)
    if demo.outcome == CertificationStatus.SUBMITTED:
        return
    first = "reject" if demo.outcome == CertificationStatus.REJECTED else "verify"
    reason = "Le numéro ne figure pas sur la liste des établissements agréés." if first == "reject" else None
    certifications.decide_certification(admin, certification.id, decision=first, reason=reason)
    if demo.outcome == CertificationStatus.REVOKED:
        certifications.decide_certification(admin, certification.id, decision="revoke",
                                            reason="Autorisation retirée après l'inspection de 2020.")
    if demo.outcome == CertificationStatus.EXPIRED:
        _backdate_expiry(certification.id, real_expiry)


def _backdate_expiry(certification_id: int, expires_on: date) -> None:
    with unit_of_work():
        certification = db.session.get(Certification, certification_id)
        certification.expires_on = expires_on
        certification.decided_at = utcnow() - timedelta(days=400)
