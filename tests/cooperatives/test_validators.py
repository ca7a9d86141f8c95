"""Unit tests of the pure checks: phone numbers, RIB keys, masking."""
import pytest

from cooperatives import validators


@pytest.mark.parametrize("given, e164", [
    ("0612345678", "+212612345678"),
    ("06 12 34 56 78", "+212612345678"),
    ("05-28-23-45-67", "+212528234567"),
    ("+212 7 01 02 03 04", "+212701020304"),
    ("00212612345678", "+212612345678"),
    ("+212 (0)6 12 34 56 78", "+212612345678"),
    ("+221 77 123 45 67", "+221771234567"),  # Senegal
    ("+225 07 08 09 10 11", "+2250708091011"),  # Côte d'Ivoire
    ("+234 0803 123 4567", "+2348031234567"),  # Nigeria: the trunk 0 is dropped
    ("+33 6 12 34 56 78", "+33612345678"),  # a diaspora buyer in France
    ("+20 10 1234 5678", "+201012345678"),  # Egypt
])
def test_valid_numbers_are_normalised_to_e164(given, e164):
    assert validators.normalize_phone(given) == e164


@pytest.mark.parametrize("given", [
    "0412345678",  # not a Moroccan 05/06/07 number
    "+212 512345678",  # 05 1… is no Moroccan range
    "+212 8 12 34 56 78",
    "+212 6 12 34",
    "+221 123456",  # too short for Senegal
    "+2126123456781234567",
    "call me",
    "",
])
def test_numbers_that_no_country_issues_are_refused(given):
    with pytest.raises(ValueError):
        validators.normalize_phone(given)


@pytest.mark.parametrize("given, ice", [("001561191000066", "001561191000066"),
                                        ("00 21 36 09 30 00 040", "002136093000040")])
def test_an_ice_with_matching_control_digits_is_accepted(given, ice):
    assert validators.normalize_ice(given) == ice


@pytest.mark.parametrize("given", ["001561191000065", "12345", "00156119100006A", "0015611910000660"])
def test_an_ice_with_a_wrong_length_or_control_digits_is_refused(given):
    with pytest.raises(ValueError):
        validators.normalize_ice(given)


def test_the_rib_key_makes_the_24_digits_a_multiple_of_97_as_in_the_registry_example():
    # The MA IBAN example MA64 0115 1900 0001 2050 0053 4921 carries this RIB.
    assert validators.rib_key("0115190000012050005349") == "21"
    assert validators.normalize_rib("011 519 0000012050005349 21") == "011519000001205000534921"


@pytest.mark.parametrize("given", [
    "011519000001205000534922",  # wrong key
    "01151900000120500053492",  # 23 digits
    "0115190000012050005349211",  # 25 digits
    "01151900000120500053492A",
])
def test_a_rib_with_a_wrong_length_or_key_is_refused(given):
    with pytest.raises(ValueError):
        validators.normalize_rib(given)


@pytest.mark.parametrize("account, shown", [
    ("011519000001205000534921", "•••• 4921"),
    ("+212612345678", "•••• 5678"),
    (None, None),
])
def test_payout_accounts_are_masked_to_their_last_four_characters(account, shown):
    assert validators.mask_account(account) == shown
