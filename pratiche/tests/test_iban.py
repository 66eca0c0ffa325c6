import pytest
from django.core.exceptions import ValidationError

from pratiche.forms import clean_iban

VALID = [
    ("IT60 X054 2811 1010 0000 0123 456", "IT60X0542811101000000123456"),
    ("it60x0542811101000000123456", "IT60X0542811101000000123456"),
    ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),
    ("ES91 2100 0418 4502 0005 1332", "ES9121000418450200051332"),
    ("NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"),
    ("BE68 5390 0754 7034", "BE68539007547034"),
    ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
    ("AT61 1904 3002 3457 3201", "AT611904300234573201"),
    ("SM86U0322509800000000270100", "SM86U0322509800000000270100"),
]
INVALID = [
    ("IT61X0542811101000000123456", "checksum"),  # check digits
    ("IT60X054281110100000012345", "length"),  # one character short
    ("XX89370400440532013000", "country"),
    ("IT40S0542811101000000123456", "cin"),  # CIN does not match ABI/CAB/account
    ("IT60X05428A1101000000123456", "structure"),  # a letter in the ABI
    ("DE89370400440532013001", "checksum"),
    ("BR1800360305000010009795493C1", "sepa"),  # valid, but outside SEPA
    ("", "required"),
]


@pytest.mark.parametrize(("typed", "compact"), VALID)
def test_valid_ibans(typed, compact):
    assert clean_iban(typed).compact == compact


@pytest.mark.parametrize(("typed", "code"), INVALID)
def test_invalid_ibans_say_why(typed, code):
    with pytest.raises(ValidationError) as info:
        clean_iban(typed)
    assert info.value.code == code
    assert info.value.messages[0]  # an Italian sentence for the field


def test_italian_cin_message_names_abi_and_cab():
    with pytest.raises(ValidationError) as info:
        clean_iban("IT40S0542811101000000123456")
    assert "ABI, CAB" in info.value.messages[0]
