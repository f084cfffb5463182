"""The RIO (Relevé d'Identité Opérateur): the 12 characters a customer gives to port a number away.

A RIO reads `OO Q RRRRRR CCC`:

- `OO`: the two-digit operator code;
- `Q`: the contract type, `E`/`P` for mobile (enterprise/private), one of `F G M N R S T U V W X Y Z`
  for fixed, `A` for special numbers;
- `RRRRRR`: six letters or digits naming the contract;
- `CCC`: a key computed over `OO + Q + RRRRRR` and the 10-digit national number (ARCEP decision annex).

Customers get their RIO by calling 3179 (free). The receiving operator checks the format and the key;
the donor may refuse a port only for incomplete or wrong data, an inactive number or a port already in
progress. Everything here is pure Python: no database, no Django.

National numbers are always written as 10 digits starting with 0 (`0612345678`): callers holding an
E.164 number or a spaced display form (`06 12 34 56 78`) must convert it first.
"""

import re
import secrets
from dataclasses import dataclass

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+"
"""The key's alphabet: A=0 ... Z=25, 0=26 ... 9=35, `+`=36."""

REFERENCE_ALPHABET = ALPHABET[:-1]
"""Letters and digits: a contract reference never contains the key's `+`."""

MOBILE_TYPES = "EP"
FIXED_TYPES = "FGMNRSTUVWXYZ"
SPECIAL_TYPES = "A"
CONTRACT_TYPES = MOBILE_TYPES + FIXED_TYPES + SPECIAL_TYPES

RIO_LENGTH = 12
MAX_HINTS = 3

_SEPARATORS = re.compile(r"[\s.\-]")
_NATIONAL_NUMBER = re.compile(r"0[0-9]{9}")
_OPERATOR_CODE = re.compile(r"[0-9]{2}")

# Characters people type for one another; each pair is tried in both directions.
_LOOKALIKES = (("O", "0"), ("I", "1"), ("S", "5"), ("B", "8"), ("Z", "2"))


class MalformedRio(ValueError):
    """The text is not a well-formed RIO; `reason` says why, in French, for the customer."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RioParts:
    """A well-formed RIO cut into its parts (the key is not yet checked against a number)."""

    operator_code: str
    contract_type: str
    reference: str
    key: str

    def __str__(self) -> str:
        return self.operator_code + self.contract_type + self.reference + self.key


def _check_national_number(national_number: str) -> None:
    if not isinstance(national_number, str) or not _NATIONAL_NUMBER.fullmatch(national_number):
        raise ValueError(f"a national number is 10 digits starting with 0, not {national_number!r}")


def rio_key(operator_code: str, contract_type: str, reference: str, national_number: str) -> str:
    """The 3-character key of a RIO, from the ARCEP annex.

    Over `operator_code + contract_type + reference + national_number`, each character is mapped to
    its index in `ALPHABET`; three sums start at 0 and for each value x become a = (a + x) mod 37,
    b = (2b + x) mod 37, c = (4c + x) mod 37. The key is `ALPHABET[a] + ALPHABET[b] + ALPHABET[c]`.

    `rio_key("01", "P", "EROY4P", "0612345678") == "4TR"`. Arguments are taken as they are (no case
    folding): raises ValueError unless the operator code is 2 digits, the contract type one of
    `CONTRACT_TYPES`, the reference 6 letters or digits (upper case) and the national number 10
    digits starting with 0.
    """
    if not isinstance(operator_code, str) or not _OPERATOR_CODE.fullmatch(operator_code):
        raise ValueError(f"an operator code is two digits, not {operator_code!r}")
    if not isinstance(contract_type, str) or len(contract_type) != 1 or contract_type not in CONTRACT_TYPES:
        raise ValueError(f"unknown contract type {contract_type!r}; expected one of {CONTRACT_TYPES}")
    if (
        not isinstance(reference, str)
        or len(reference) != 6
        or any(char not in REFERENCE_ALPHABET for char in reference)
    ):
        raise ValueError(f"a contract reference is 6 upper-case letters or digits, not {reference!r}")
    _check_national_number(national_number)

    a = b = c = 0
    for char in operator_code + contract_type + reference + national_number:
        x = ALPHABET.index(char)
        a = (a + x) % 37
        b = (2 * b + x) % 37
        c = (4 * c + x) % 37
    return ALPHABET[a] + ALPHABET[b] + ALPHABET[c]


def build_rio(operator_code: str, contract_type: str, reference: str, national_number: str) -> str:
    """The 12-character RIO, `01PEROY4P4TR`; raises ValueError as `rio_key` does."""
    key = rio_key(operator_code, contract_type, reference, national_number)
    return operator_code + contract_type + reference + key


def normalise_rio(text: str) -> str:
    """The RIO as it is written: upper case, without whitespace, dots or dashes.

    `"01 p eroy4p-4tr"` -> `"01PEROY4P4TR"`. Nothing is validated here: see `parse_rio`.
    """
    return _SEPARATORS.sub("", text).upper()


def parse_rio(text: str) -> RioParts:
    """The parts of the RIO a customer typed, after `normalise_rio`.

    Checks the format only (length, operator code, contract type, reference, key characters), not the
    key against a number: that is `key_matches`. Raises MalformedRio, whose `reason` is a short French
    sentence for the customer.
    """
    rio = normalise_rio(text)
    if len(rio) != RIO_LENGTH:
        raise MalformedRio("Un RIO comporte 12 caractères.")
    operator_code, contract_type, reference, key = rio[0:2], rio[2], rio[3:9], rio[9:12]
    if not _OPERATOR_CODE.fullmatch(operator_code):
        raise MalformedRio("Les deux premiers caractères sont le code opérateur : deux chiffres.")
    if contract_type not in CONTRACT_TYPES:
        raise MalformedRio(f"Type de contrat inconnu : « {contract_type} ».")
    if any(char not in REFERENCE_ALPHABET for char in reference):
        raise MalformedRio("La référence du contrat ne peut contenir que des lettres et des chiffres.")
    if any(char not in ALPHABET for char in key):
        raise MalformedRio("La clé contient un caractère impossible.")
    return RioParts(operator_code, contract_type, reference, key)


def key_matches(parts: RioParts, national_number: str) -> bool:
    """Whether the RIO's key is the one computed for `national_number` (10 digits starting with 0).

    Raises ValueError if the number, or parts built by hand rather than by `parse_rio`, are malformed.
    """
    return rio_key(parts.operator_code, parts.contract_type, parts.reference, national_number) == parts.key


def _matches(rio: str, national_number: str) -> bool:
    try:
        parts = parse_rio(rio)
    except MalformedRio:
        return False
    return key_matches(parts, national_number)


def _allowed_at(position: int, char: str) -> bool:
    """Whether `char` may stand at `position` of a well-formed RIO."""
    if position < 2:
        return char.isdigit()
    if position == 2:
        return char in CONTRACT_TYPES
    if position < 9:
        return char in REFERENCE_ALPHABET
    return char in ALPHABET


def _slip_candidates(rio: str):
    """(corrected RIO, look-alike pair) for each single or all-at-once look-alike swap."""
    for letter, digit in _LOOKALIKES:
        for typed, meant in ((letter, digit), (digit, letter)):
            positions = [i for i, char in enumerate(rio) if char == typed and _allowed_at(i, meant)]
            for i in positions:
                yield rio[:i] + meant + rio[i + 1 :], (letter, digit)
            if len(positions) > 1:
                yield (
                    "".join(meant if i in positions else char for i, char in enumerate(rio)),
                    (letter, digit),
                )


def typo_hints(text: str, national_number: str) -> list[str]:
    """French hints for a RIO that does not match `national_number`; empty when it matches.

    Tries the usual slips between look-alikes (O/0, I/1, S/5, B/8, Z/2), in any single position or in
    every position at once, and suggests each correction that gives a well-formed RIO whose key matches
    the number (at most `MAX_HINTS` of them): "Vouliez-vous dire 01PEROY4P4TR ? (O et 0 se confondent)".
    Also mentions lower case and separators in the raw text; those are informative only, since
    `normalise_rio` already handles them. Raises ValueError if `national_number` is malformed.
    """
    _check_national_number(national_number)
    rio = normalise_rio(text)
    if _matches(rio, national_number):
        return []

    hints = []
    if len(rio) == RIO_LENGTH:
        suggested = set()
        for candidate, (letter, digit) in _slip_candidates(rio):
            if candidate not in suggested and _matches(candidate, national_number):
                suggested.add(candidate)
                hints.append(f"Vouliez-vous dire {candidate} ? ({letter} et {digit} se confondent)")
        hints = hints[:MAX_HINTS]
    if text != text.upper():
        hints.append("Le RIO a été saisi en minuscules : il s'écrit en majuscules.")
    if _SEPARATORS.search(text):
        hints.append("Les espaces et séparateurs ont été ignorés : un RIO s'écrit en 12 caractères accolés.")
    return hints


def contract_type_for(national_number: str, business: bool) -> str:
    """The contract-type letter this operator puts in the RIO of `national_number`.

    Mobile numbers (06, 07): `E` for a business (company or sole trader), `P` otherwise. Special-rate
    numbers (08): `A`. Fixed and VoIP numbers (01-05, 09): `F` for an individual, `G` for a business.
    The ARCEP rules only require a letter among `F G M N R S T U V W X Y Z` for fixed lines; F/G is this
    operator's own convention. Raises ValueError unless the number is 10 digits starting with 0 (and
    not 00). The first digit is the number's category in the plan (lines.phone), overseas numbers'
    national form included (`0690…` mobile, `0590…` geographic); an M2M or foreign number has no
    10-digit national form and no RIO (lines.portability.no_rio_reason).
    """
    _check_national_number(national_number)
    prefix = national_number[1]
    if prefix in "67":
        return "E" if business else "P"
    if prefix == "8":
        return "A"
    if prefix in "123459":
        return "G" if business else "F"
    raise ValueError(f"{national_number!r} is not a French national number (00 is the international prefix)")


def new_reference() -> str:
    """Six random letters or digits for a new contract, drawn with `secrets`; never a `+`."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
