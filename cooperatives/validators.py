"""Moroccan identifiers and contact details: pure checks and normalisations, used by schemas and services."""
from __future__ import annotations

import re

import phonenumbers
from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError
from stdnum.ma import ice

from marketplace.clock import today

REGISTRATION_NUMBER_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z ./-]{0,59}$")
CERTIFICATE_NUMBER_PATTERN = re.compile(r"^[0-9A-Za-z./-]{4,40}$")

MOROCCO = "MA"
MIN_MEMBER_AGE = 15


def normalize_phone(text: str) -> str:
    """A phone number in E.164, read as Moroccan unless it starts with + or 00; ValueError unless `phonenumbers`
    knows it as a valid number of its country (a diaspora buyer's +33 6… is, +212 512345678 is not)."""
    try:
        number = phonenumbers.parse(text, MOROCCO)
    except phonenumbers.NumberParseException:
        raise ValueError("Give a phone number: 06…, 05…, 07… in Morocco, or +country code abroad.") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("This is not a valid phone number; check the digits and the country code.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_wallet_number(text: str) -> str:
    """A Moroccan mobile number in E.164 (mobile wallets are Moroccan accounts); ValueError otherwise."""
    e164 = normalize_phone(text)
    number = phonenumbers.parse(e164)
    if phonenumbers.region_code_for_number(number) != MOROCCO or \
            phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise ValueError("A mobile wallet is a Moroccan mobile number (06… or 07…).")
    return e164


def normalize_ice(text: str) -> str:
    """An ICE as 15 digits (spaces allowed); ValueError when the length or the control digits are wrong."""
    try:
        return ice.validate(text)
    except (InvalidLength, InvalidFormat):
        raise ValueError("An ICE is 15 digits.") from None
    except ValidationError:
        raise ValueError("This ICE's control digits (its last 2) do not match: check the number.") from None


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
