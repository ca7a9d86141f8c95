"""Moroccan identifiers and contact details: pure checks and normalisations, used by schemas and services."""
from __future__ import annotations

import re

from marketplace.clock import today

ICE_PATTERN = re.compile(r"^\d{15}$")
REGISTRATION_NUMBER_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z ./-]{0,59}$")
CERTIFICATE_NUMBER_PATTERN = re.compile(r"^[0-9A-Za-z./-]{4,40}$")

# Country calling codes of African countries (ITU zone 2; a few codes in that zone are unassigned or not African).
AFRICAN_CALLING_CODES = frozenset(
    {"20", "27", "290", "291"} | {str(code) for code in range(211, 270) if code not in (214, 215, 217, 219, 259)})
MOROCCO_CALLING_CODE = "212"
_MOROCCAN_SUBSCRIBER = re.compile(r"^[5-7]\d{8}$")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
MIN_MEMBER_AGE = 15


def normalize_phone(text: str) -> str:
    """A Moroccan (+212 / 0[5-7]…) or African international number in E.164; ValueError when it is neither."""
    raw = _PHONE_SEPARATORS.sub("", text.replace("(0)", ""))
    if re.fullmatch(r"0[5-7]\d{8}", raw):
        return f"+{MOROCCO_CALLING_CODE}{raw[1:]}"
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if not re.fullmatch(r"\+\d{8,15}", raw):
        raise ValueError("Give a Moroccan number (06…, 05…, 07… or +212…) or an international number (+221…).")
    digits = raw[1:]
    if digits.startswith(MOROCCO_CALLING_CODE):
        if not _MOROCCAN_SUBSCRIBER.match(digits[3:]):
            raise ValueError("A Moroccan number is +212 followed by 9 digits starting with 5, 6 or 7.")
        return raw
    calling_code = next((digits[:n] for n in (2, 3) if digits[:n] in AFRICAN_CALLING_CODES), None)
    if calling_code is None or len(digits) - len(calling_code) < 6:
        raise ValueError("Give a Moroccan or African number with its country code, e.g. +221 77 123 45 67.")
    return raw


def normalize_rib(text: str) -> str:
    """A Moroccan RIB as 24 digits; ValueError when the length or the key is wrong.

    The key (last 2 digits) makes the 24-digit number a multiple of 97, i.e. key = 97 - (first 22 digits × 100
    mod 97) — the rule behind the MA IBAN check digits (checked on the IBAN registry's MA example).
    """
    digits = re.sub(r"[\s-]", "", text)
    if not re.fullmatch(r"\d{24}", digits):
        raise ValueError("A RIB is 24 digits (bank 3, city 3, account 16, key 2); spaces are allowed.")
    if int(digits) % 97 != 0:
        raise ValueError("This RIB's key (its last 2 digits) does not match: check the number.")
    return digits


def rib_key(first_22_digits: str) -> str:
    """The 2-digit key completing a Moroccan RIB."""
    return f"{97 - int(first_22_digits) * 100 % 97:02d}"


def mask_account(account: str | None) -> str | None:
    """`•••• 1234`: only the last four characters of a payout account are shown."""
    if not account:
        return account
    return f"•••• {account[-4:]}"


def youngest_birth_year() -> int:
    return today().year - MIN_MEMBER_AGE
