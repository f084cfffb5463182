"""The RIO: its ARCEP key, its format as customers type it, and hints for the usual typing slips.

Pure functions: no database.
"""

import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lines.rio import (
    ALPHABET,
    CONTRACT_TYPES,
    MalformedRio,
    RioParts,
    build_rio,
    contract_type_for,
    key_matches,
    new_reference,
    normalise_rio,
    parse_rio,
    rio_key,
    typo_hints,
)

# No example database: failing examples are not saved under `.hypothesis/` (Hypothesis may still keep
# caches there; that directory holds its own `.gitignore`).
pure = settings(database=None, max_examples=200)

DIGITS = string.digits
REFERENCE_CHARS = string.ascii_uppercase + string.digits


def independent_key(rio_without_key: str, national_number: str) -> str:
    """The annex's key, written independently: each sum in closed form rather than step by step.

    a = sum(x_i), b = sum(x_i * 2^(n-1-i)), c = sum(x_i * 4^(n-1-i)), all mod 37.
    """
    values = {char: index for index, char in enumerate(string.ascii_uppercase + string.digits + "+")}
    xs = [values[char] for char in rio_without_key + national_number]
    n = len(xs)
    sums = [sum(x * pow(base, n - 1 - i, 37) for i, x in enumerate(xs)) % 37 for base in (1, 2, 4)]
    return "".join((string.ascii_uppercase + string.digits + "+")[s] for s in sums)


national_numbers = st.text(DIGITS, min_size=9, max_size=9).map(lambda tail: "0" + tail)
references = st.text(REFERENCE_CHARS, min_size=6, max_size=6)
operator_codes = st.text(DIGITS, min_size=2, max_size=2)
contract_types = st.sampled_from(CONTRACT_TYPES)


# The published example and keys containing '+'


def test_the_published_example():
    assert rio_key("01", "P", "EROY4P", "0612345678") == "4TR"
    assert build_rio("01", "P", "EROY4P", "0612345678") == "01PEROY4P4TR"


def test_the_alphabet_is_the_annexs():
    assert ALPHABET == "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+"


@pytest.mark.parametrize(
    ("reference", "national_number", "key"),
    [
        ("ABC123", "0612345601", "+SM"),  # '+' first
        ("EROY4P", "0612345602", "R+U"),  # '+' in the middle
        ("EROY4P", "0612345636", "YJ+"),  # '+' last
        ("ZZ9Z99", "0612345600", "R9+"),
    ],
)
def test_keys_containing_plus(reference, national_number, key):
    assert rio_key("01", "P", reference, national_number) == key
    assert independent_key("01P" + reference, national_number) == key
    rio = build_rio("01", "P", reference, national_number)
    assert rio == "01P" + reference + key
    assert parse_rio(rio).key == key
    assert key_matches(parse_rio(rio), national_number)
    assert typo_hints(rio, national_number) == []


@pure
@given(operator_codes, contract_types, references, national_numbers)
def test_the_key_agrees_with_an_independent_implementation(operator_code, contract_type, reference, number):
    assert rio_key(operator_code, contract_type, reference, number) == independent_key(
        operator_code + contract_type + reference, number
    )


# The key catches the usual mistakes


@pure
@given(references, national_numbers, st.integers(1, 9), st.integers(1, 9))
def test_changing_one_digit_of_the_number_changes_the_key(reference, number, position, shift):
    # Position 0 is always the national prefix 0: every other position may be mistyped.
    other_digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + other_digit + number[position + 1 :]
    assert rio_key("01", "P", reference, changed) != rio_key("01", "P", reference, number)


@pure
@given(references, national_numbers, st.integers(1, 8))
def test_swapping_two_adjacent_different_digits_of_the_number_changes_the_key(reference, number, position):
    left, right = number[position], number[position + 1]
    assume(left != right)
    swapped = number[:position] + right + left + number[position + 2 :]
    assert rio_key("01", "P", reference, swapped) != rio_key("01", "P", reference, number)


@pure
@given(references, national_numbers, st.integers(0, 5), st.sampled_from(REFERENCE_CHARS))
def test_changing_one_character_of_the_reference_changes_the_key(reference, number, position, char):
    assume(char != reference[position])
    changed = reference[:position] + char + reference[position + 1 :]
    assert rio_key("01", "P", changed, number) != rio_key("01", "P", reference, number)


@pure
@given(references, national_numbers, st.integers(0, 4))
def test_swapping_two_adjacent_different_characters_of_the_reference_changes_the_key(
    reference, number, position
):
    left, right = reference[position], reference[position + 1]
    assume(left != right)
    swapped = reference[:position] + right + left + reference[position + 2 :]
    assert rio_key("01", "P", swapped, number) != rio_key("01", "P", reference, number)


@pytest.mark.parametrize(
    "arguments",
    [
        ("1", "P", "EROY4P", "0612345678"),  # operator code too short
        ("0A", "P", "EROY4P", "0612345678"),  # operator code not digits
        ("01", "B", "EROY4P", "0612345678"),  # no contract type B
        ("01", "p", "EROY4P", "0612345678"),  # arguments are not normalised
        ("01", "PP", "EROY4P", "0612345678"),
        ("01", "P", "EROY4", "0612345678"),  # reference too short
        ("01", "P", "EROY4P7", "0612345678"),
        ("01", "P", "EROY4+", "0612345678"),  # '+' belongs to keys only
        ("01", "P", "eroy4p", "0612345678"),
        ("01", "P", "ÉROY4P", "0612345678"),
        ("01", "P", "EROY4P", "612345678"),  # national number too short
        ("01", "P", "EROY4P", "06123456789"),
        ("01", "P", "EROY4P", "1612345678"),  # must start with 0
        ("01", "P", "EROY4P", "+33612345678"),
        ("01", "P", "EROY4P", "06 12 34 56 78"),
    ],
)
def test_rio_key_rejects_malformed_arguments(arguments):
    with pytest.raises(ValueError):
        rio_key(*arguments)
    with pytest.raises(ValueError):
        build_rio(*arguments)


# Parsing what customers type


@pytest.mark.parametrize(
    "typed",
    ["01 p eroy4p 4tr", "01PEROY4P4TR", " 01-P-EROY4P-4TR ", "01.p.eroy4p.4tr", "01\tPEROY4P\u00a04TR"],
)
def test_parse_rio_accepts_the_rio_as_people_type_it(typed):
    parts = parse_rio(typed)
    assert parts == RioParts(operator_code="01", contract_type="P", reference="EROY4P", key="4TR")
    assert str(parts) == "01PEROY4P4TR"
    assert key_matches(parts, "0612345678")


def test_normalise_rio():
    assert normalise_rio("01 p eroy4p-4tr") == "01PEROY4P4TR"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Un RIO comporte 12 caractères."),
        ("01PEROY4P4T", "Un RIO comporte 12 caractères."),
        ("01PEROY4P4TRX", "Un RIO comporte 12 caractères."),
        ("O1PEROY4P4TR", "Les deux premiers caractères sont le code opérateur : deux chiffres."),
        ("1PPEROY4P4TR", "Les deux premiers caractères sont le code opérateur : deux chiffres."),
        ("01BEROY4P4TR", "Type de contrat inconnu : « B »."),
        ("012EROY4P4TR", "Type de contrat inconnu : « 2 »."),
        ("01PERO+4P4TR", "La référence du contrat ne peut contenir que des lettres et des chiffres."),
        ("01PERO_4P4TR", "La référence du contrat ne peut contenir que des lettres et des chiffres."),
        ("01PEROY4P4T*", "La clé contient un caractère impossible."),
    ],
)
def test_parse_rio_rejects_malformed_rios_with_a_french_reason(typed, reason):
    with pytest.raises(MalformedRio) as raised:
        parse_rio(typed)
    assert raised.value.reason == reason
    assert isinstance(raised.value, ValueError)


def test_a_key_with_plus_is_well_formed():
    assert parse_rio("01PABC123+SM").key == "+SM"


def test_key_matches_only_the_rios_number():
    parts = parse_rio("01PEROY4P4TR")
    assert key_matches(parts, "0612345678")
    assert not key_matches(parts, "0612345687")
    assert not key_matches(parse_rio("01PEROY4P4TS"), "0612345678")


def test_key_matches_rejects_a_malformed_number():
    with pytest.raises(ValueError):
        key_matches(parse_rio("01PEROY4P4TR"), "06 12 34 56 78")


# Hints for typing slips


def slip_hints(hints):
    return [hint for hint in hints if hint.startswith("Vouliez-vous dire")]


def test_a_digit_0_typed_for_the_letter_o_is_hinted():
    assert typo_hints("01PER0Y4P4TR", "0612345678") == [
        "Vouliez-vous dire 01PEROY4P4TR ? (O et 0 se confondent)"
    ]


def test_a_correct_rio_gets_no_hint_however_it_was_typed():
    assert typo_hints("01PEROY4P4TR", "0612345678") == []
    assert typo_hints("01 p eroy4p 4tr", "0612345678") == []


def test_the_rio_of_another_number_gets_no_slip_hint():
    assert typo_hints("01PEROY4P4TR", "0612345679") == []
    rio = build_rio("02", "F", "B0OS1Z", "0972102030")
    assert slip_hints(typo_hints(rio, "0972102031")) == []


@pytest.mark.parametrize(("right", "wrong"), [("O", "0"), ("I", "1"), ("S", "5"), ("B", "8"), ("Z", "2")])
def test_each_look_alike_is_tried_both_ways(right, wrong):
    for meant, typed in ((right, wrong), (wrong, right)):
        rio = build_rio("03", "G", f"K{meant}Q7XA", "0145678901")
        typed_rio = rio.replace(f"K{meant}Q", f"K{typed}Q")
        hints = typo_hints(typed_rio, "0145678901")
        assert hints[0] == f"Vouliez-vous dire {rio} ? ({right} et {wrong} se confondent)"


def test_a_slip_repeated_everywhere_is_hinted_without_touching_the_operator_code():
    rio = build_rio("01", "P", "MOOSOO", "0612345678")
    assert "0" not in rio[3:]  # so replacing every O by 0 is the customer's only slip
    typed = "01P" + rio[3:].replace("O", "0")
    assert typo_hints(typed, "0612345678") == [f"Vouliez-vous dire {rio} ? (O et 0 se confondent)"]


def test_a_slip_in_the_operator_code_is_hinted():
    rio = build_rio("01", "P", "EROY4P", "0612345678")
    assert typo_hints("O1PEROY4P4TR", "0612345678") == [f"Vouliez-vous dire {rio} ? (O et 0 se confondent)"]


def test_lower_case_and_spaces_are_mentioned_when_the_key_fails():
    hints = typo_hints("01 p er0y4p 4tr", "0612345678")
    assert hints == [
        "Vouliez-vous dire 01PEROY4P4TR ? (O et 0 se confondent)",
        "Le RIO a été saisi en minuscules : il s'écrit en majuscules.",
        "Les espaces et séparateurs ont été ignorés : un RIO s'écrit en 12 caractères accolés.",
    ]


def test_a_rio_of_the_wrong_length_gets_only_informative_hints():
    assert typo_hints("01PEROY4P4T", "0612345678") == []
    assert typo_hints("01 peroy4p4t", "0612345678") == [
        "Le RIO a été saisi en minuscules : il s'écrit en majuscules.",
        "Les espaces et séparateurs ont été ignorés : un RIO s'écrit en 12 caractères accolés.",
    ]


def test_typo_hints_rejects_a_malformed_number():
    with pytest.raises(ValueError):
        typo_hints("01PEROY4P4TR", "612345678")


@pure
@given(
    operator_codes, contract_types, references, national_numbers, st.text(ALPHABET, min_size=12, max_size=12)
)
def test_every_suggested_rio_matches_the_number(operator_code, contract_type, reference, number, noise):
    rio = build_rio(operator_code, contract_type, reference, number)
    for typed in (noise, rio[:-1] + ("0" if rio[-1] == "O" else "O")):
        for hint in slip_hints(typo_hints(typed, number)):
            suggested = hint.split()[2]
            assert key_matches(parse_rio(suggested), number)
            assert sum(a != b for a, b in zip(suggested, typed, strict=True)) >= 1


@pure
@given(operator_codes, contract_types, references, national_numbers, st.data())
def test_one_look_alike_slip_in_the_reference_is_always_caught(
    operator_code, contract_type, reference, number, data
):
    swaps = {
        "O": "0",
        "0": "O",
        "I": "1",
        "1": "I",
        "S": "5",
        "5": "S",
        "B": "8",
        "8": "B",
        "Z": "2",
        "2": "Z",
    }
    position = data.draw(st.integers(0, 5))
    meant = data.draw(st.sampled_from(sorted(swaps)))
    reference = reference[:position] + meant + reference[position + 1 :]
    rio = build_rio(operator_code, contract_type, reference, number)
    typed = rio[: 3 + position] + swaps[meant] + rio[4 + position :]
    assert any(hint.startswith(f"Vouliez-vous dire {rio} ?") for hint in typo_hints(typed, number))


# Contract types and new references


@pytest.mark.parametrize(
    ("number", "business", "expected"),
    [
        ("0612345678", False, "P"),
        ("0712345678", False, "P"),
        ("0612345678", True, "E"),
        ("0712345678", True, "E"),
        ("0812345678", False, "A"),
        ("0899123456", True, "A"),
        ("0145678901", False, "F"),
        ("0245678901", False, "F"),
        ("0345678901", False, "F"),
        ("0445678901", False, "F"),
        ("0562345678", False, "F"),
        ("0972102030", False, "F"),
        ("0145678901", True, "G"),
        ("0972102030", True, "G"),
    ],
)
def test_contract_type_for_each_kind_of_number(number, business, expected):
    assert contract_type_for(number, business) == expected
    assert expected in CONTRACT_TYPES
    build_rio("01", expected, "EROY4P", number)  # a letter rio_key accepts


@pytest.mark.parametrize("number", ["0012345678", "612345678", "+33612345678", "06 12 34 56 78"])
def test_contract_type_for_rejects_what_is_not_a_national_number(number):
    with pytest.raises(ValueError):
        contract_type_for(number, business=False)


def test_new_reference_is_six_letters_or_digits_never_plus():
    references_drawn = {new_reference() for _ in range(2000)}
    assert len(references_drawn) > 1990  # random, not a constant
    for reference in references_drawn:
        assert len(reference) == 6
        assert set(reference) <= set(REFERENCE_CHARS)
        assert "+" not in reference
        build_rio("01", "P", reference, "0612345678")
