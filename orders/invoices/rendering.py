"""A stored invoice's content → PDF, with WeasyPrint from a Jinja template and a stylesheet.

The fonts (Amiri, OFL, in `fonts/`) ship with the project and are loaded with `@font-face`, so every machine
renders the same document, Arabic included, without system fonts. Amounts, rates and dates are formatted for
the reader's locale with Babel.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import ImageFile
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from marketplace.i18n import pick
from marketplace.money import READER_LOCALES, Money

# Importing WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process; uploaded pictures
# (catalog/images.py) must still be refused when truncated. The invoices embed no pictures.
ImageFile.LOAD_TRUNCATED_IMAGES = False

HERE = Path(__file__).resolve().parent
_templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))

LABELS = {
    "fr": {"invoice": "Facture", "credit_note": "Avoir", "number": "N°", "date": "Date", "seller": "Vendeur",
           "buyer": "Client", "ice": "ICE", "rc": "RC", "order": "Commande",
           "description": "Désignation", "quantity": "Qté", "unit_price": "Prix unitaire TTC",
           "vat_rate": "Taux TVA", "vat": "TVA", "line_total": "Total TTC", "by_rate": "Récapitulatif par taux de TVA",
           "base": "Base HT", "items_total": "Total des articles TTC", "vat_total": "Dont TVA",
           "shipping": "Livraison (débours, hors champ de la TVA)", "total": "Total", "currency": "Devise",
           "exchange_rate": "Taux de change", "total_mad": "Contre-valeur en MAD", "vat_total_mad": "TVA en MAD",
           "refers_to": "Avoir sur la facture",
           "refund_failed": "Remboursement refusé par le prestataire de paiement : annule l'avoir",
           "reason": "Motif", "settlement": "Règlement",
           "issued_on_behalf": "Facture émise au nom de la coopérative, vendeuse, par la plateforme Souk Coop.",
           "payment_method": {"card": "Payé par carte", "cash_on_delivery": "Paiement à la livraison"}},
    "ar": {"invoice": "فاتورة", "credit_note": "إشعار دائن", "number": "رقم", "date": "التاريخ", "seller": "البائع",
           "buyer": "الزبون", "ice": "التعريف الموحد للمقاولة", "rc": "السجل", "order": "الطلبية",
           "description": "البيان", "quantity": "الكمية",
           "unit_price": "ثمن الوحدة مع احتساب الرسوم", "vat_rate": "سعر الضريبة", "vat": "الضريبة على القيمة المضافة",
           "line_total": "المجموع مع احتساب الرسوم", "by_rate": "ملخص حسب سعر الضريبة على القيمة المضافة",
           "base": "الأساس دون احتساب الرسوم", "items_total": "مجموع السلع مع احتساب الرسوم",
           "vat_total": "منها الضريبة", "shipping": "الشحن (مصاريف مسترجعة، خارج نطاق الضريبة)", "total": "المجموع",
           "currency": "العملة", "exchange_rate": "سعر الصرف", "total_mad": "المقابل بالدرهم",
           "vat_total_mad": "الضريبة بالدرهم", "refers_to": "إشعار دائن عن الفاتورة",
           "refund_failed": "رفض مزود الأداء الاسترجاع: تلغي الإشعار الدائن", "reason": "السبب",
           "settlement": "التسوية", "issued_on_behalf": "فاتورة صادرة باسم التعاونية البائعة عن طريق منصة سوق كوب.",
           "payment_method": {"card": "أُدّي بالبطاقة", "cash_on_delivery": "الأداء عند التسليم"}},
}


def render_html(invoice_number: str, kind: str, issued_at: datetime, content: dict, language: str) -> str:
    """The HTML of a stored invoice in `language` (fr, or ar right-to-left), from its content alone."""
    locale = READER_LOCALES[language]
    currency = content["currency"]

    def money(amount: int) -> str:
        return Money(amount, currency).format(language)

    def mad(amount: int) -> str:
        return Money(amount, "MAD").format(language)

    def rate(bps: int) -> str:
        return format_percent(Decimal(bps) / 10_000, format="#,##0.##%", locale=locale)

    return _templates.get_template("invoice.html").render(
        language=language, direction="rtl" if language == "ar" else "ltr", labels=LABELS[language],
        number=invoice_number, kind=kind, issued_on=format_date(issued_at.date(), format="long", locale=locale),
        content=content, money=money, mad=mad, rate=rate, text=lambda translated: pick(translated, language),
        exchange_rate=format_decimal(Decimal(content["exchange_rate"]), format="#,##0.##########", locale=locale))


def render_pdf(invoice_number: str, kind: str, issued_at: datetime, content: dict, language: str) -> bytes:
    """The PDF of a stored invoice in `language`, with the fonts shipped in `fonts/`."""
    html = render_html(invoice_number, kind, issued_at, content, language)
    fonts = FontConfiguration()
    stylesheet = CSS(filename=str(HERE / "templates" / "invoice.css"), font_config=fonts)
    return HTML(string=html, base_url=str(HERE)).write_pdf(stylesheets=[stylesheet], font_config=fonts)
