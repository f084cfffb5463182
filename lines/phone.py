"""The French numbering plan, in one place: which territory a number belongs to, how it is written
nationally and what kind of number it is; and numbers as people type them (`09 72 10 20 30`,
`0972102030`, `+33972102030`, `0033 9 72 10 20 30` all name `+33972102030`; `0590 20 12 34` names
`+590590201234`, not `+33590201234`).

Metropolitan France (+33) and the overseas départements share one 10-digit national plan (ARCEP,
plan national de numérotation): a national number is `0` + nine digits, whatever the zone, and the
first of those digits gives the category (01-05 geographic, 06-07 mobile, 08 special, 09
non-geographic). Dialled from abroad, though, each overseas zone has its own country code: the
national number `0590 20 12 34` is `+590 590 20 12 34`. So the national form of a stored number
comes from its country code and length alone, and a number typed nationally needs the table of
overseas ranges below to find its country code.

Two kinds of number fall outside the 10-digit form: machine-to-machine mobile numbers (07 00,
fourteen national digits) and Saint-Pierre-et-Miquelon's six-digit numbers (+508 41 12 34, whose
zone is not in the 10-digit plan except for its newer 10-digit ranges).

`phonenumbers` (libphonenumber's metadata, built from ARCEP's allocations) checks numbers typed in
international form; tests/lines/test_numbering.py checks the table below against its metadata.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-()/]")


class Category(StrEnum):
    GEOGRAPHIC = "geographic"  # 01 to 05
    MOBILE = "mobile"  # 06, 07
    M2M = "m2m"  # 07 00 and ten more digits: machine-to-machine mobile numbers
    NON_GEOGRAPHIC = "non-geographic"  # 09
    SPECIAL = "special"  # 08
    OUTSIDE = "outside"  # not a number of the French plan: foreign, or malformed


@dataclass(frozen=True)
class Territory:
    """A zone of the French plan and where its lines may be installed."""

    country_code: str  # "+33", "+262"...
    name: str  # as "attribué pour <name>" reads (lazy: in the customer's language)
    departements: frozenset[str]  # INSEE codes; empty for metropolitan France (any other)
    regions: tuple[str, ...]  # phonenumbers' regions for the zone, to check typed numbers

    @property
    def overseas(self) -> bool:
        return self.country_code != METROPOLITAN.country_code


METROPOLITAN = Territory("+33", _("la France métropolitaine"), frozenset(), ("FR",))

# The overseas country codes of the plan (ARCEP), each with the départements and collectivities
# (INSEE codes) its numbers are installed in. +269 is the Comoros' code: Mayotte left it for +262
# in 2007 (ARCEP), so a +269 number is foreign.
OVERSEAS_TERRITORIES = {
    zone.country_code: zone
    for zone in (
        Territory("+262", _("La Réunion ou Mayotte"), frozenset({"974", "976"}), ("RE", "YT")),
        Territory(
            "+590",
            _("la Guadeloupe, Saint-Barthélemy ou Saint-Martin"),
            frozenset({"971", "977", "978"}),
            ("GP", "BL", "MF"),
        ),
        Territory("+594", _("la Guyane"), frozenset({"973"}), ("GF",)),
        Territory("+596", _("la Martinique"), frozenset({"972"}), ("MQ",)),
        Territory("+508", _("Saint-Pierre-et-Miquelon"), frozenset({"975"}), ("PM",)),
    )
}
TERRITORIES = {METROPOLITAN.country_code: METROPOLITAN, **OVERSEAS_TERRITORIES}

# The national ranges (the digits after the leading 0) the plan gives an overseas zone: a number
# typed nationally in one of them belongs to that zone's country code. Geographic and mobile blocks
# from ARCEP's plan; the 09 blocks (09 47 5 to 9: the telemarketing ranges of decision 2022-1583;
# 09 76: the zones' VoIP ranges) and the 07 09 / 07 08 extended mobile blocks as libphonenumber's
# metadata places them. Everything else typed nationally is metropolitan.
OVERSEAS_RANGES = {
    "+262": (
        "262", "263", "269",  # Réunion (0262, 0263) and Mayotte (0269), fixed
        "639", "692", "693",  # Mayotte (0639), Réunion (0692, 0693), mobile
        "7092", "70935", "70936", "70937",  # newer mobile blocks
        "9478", "9479", "9762", "9763", "9769",  # non-geographic
    ),
    "+590": (
        "590",  # Guadeloupe, Saint-Martin, Saint-Barthélemy, fixed
        "690", "691",  # mobile
        "7090",
        "9475", "9760", "9761", "9768",
    ),
    "+594": ("594", "694", "70930", "70931", "70932", "70933", "9476", "9764", "9765"),
    "+596": ("596", "696", "697", "7091", "9477", "9766", "9767"),
    "+508": ("7084", "7085"),  # Saint-Pierre-et-Miquelon's 10-digit mobile blocks
}  # fmt: skip


@dataclass(frozen=True)
class _Layout:
    """How the numbers of one country code and length are written nationally."""

    country_code: str
    significant_digits: int  # after the country code
    trunk: str  # the national prefix written before them ("0"), or nothing
    groups: tuple[int, ...]  # the display groups of the national form
    starts_with: str = ""  # what the significant digits must start with


# Metropolitan numbers in pairs (`01 99 00 01 01`); overseas ones as their zone writes them, the
# zone's four-digit block first (`0590 20 12 34`, as phonenumbers does); M2M numbers in pairs.
LAYOUTS = (
    _Layout("+33", 9, "0", (2, 2, 2, 2, 2)),
    _Layout("+33", 13, "0", (2, 2, 2, 2, 2, 2, 2), starts_with="700"),
    *(_Layout(code, 9, "0", (4, 2, 2, 2)) for code in OVERSEAS_TERRITORIES),
    _Layout("+508", 6, "", (2, 2, 2)),  # Saint-Pierre-et-Miquelon's own six digits: `41 12 34`
)


def _layout(e164: str) -> _Layout | None:
    for layout in LAYOUTS:
        significant = e164[len(layout.country_code) :]
        if (
            e164.startswith(layout.country_code)
            and len(significant) == layout.significant_digits
            and significant.isascii()
            and significant.isdigit()
            and significant.startswith(layout.starts_with)
            and not significant.startswith("0")
        ):
            return layout
    return None


def _overseas_code_for(national_digits: str) -> str | None:
    """The overseas country code whose range holds these national digits (after the 0)."""
    for code, ranges in OVERSEAS_RANGES.items():
        if national_digits.startswith(ranges):
            return code
    return None


@dataclass(frozen=True)
class Number:
    """What the plan says of one stored E.164 number."""

    e164: str
    territory: Territory | None  # None: not a French number
    national: str  # digits as dialled in France: `0590201234`; "" outside the plan
    display: str  # `0590 20 12 34`, `01 99 00 01 01`; the E.164 number outside the plan
    category: Category
    misplaced_in: Territory | None = None  # a +33 number in a range the plan gives this zone

    @property
    def ten_digits(self) -> bool:
        """In the 10-digit national plan, the one the RIO's key is defined over."""
        return len(self.national) == 10


def _category(national: str) -> Category:
    if national.startswith("0700") and len(national) == 14:
        return Category.M2M
    return {
        "1": Category.GEOGRAPHIC, "2": Category.GEOGRAPHIC, "3": Category.GEOGRAPHIC,
        "4": Category.GEOGRAPHIC, "5": Category.GEOGRAPHIC, "6": Category.MOBILE,
        "7": Category.MOBILE, "8": Category.SPECIAL, "9": Category.NON_GEOGRAPHIC,
    }[national[1]]  # fmt: skip


def _spm_category(e164: str) -> Category:
    """Saint-Pierre-et-Miquelon's six-digit numbers do not follow the 10-digit plan's first digits:
    phonenumbers knows its fixed and mobile blocks."""
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return Category.MOBILE if kind == phonenumbers.PhoneNumberType.MOBILE else Category.GEOGRAPHIC


def describe(e164: str) -> Number:
    """The territory, national form and category of a stored E.164 number (`+590590201234`).

    A +33 number in a range the plan gives an overseas zone (`+33590201234`, typed nationally and
    stored under the wrong code) is outside the plan: its real number is under the zone's code.
    """
    e164 = str(e164)
    layout = _layout(e164)
    if layout is None:
        return Number(e164, None, "", e164, Category.OUTSIDE)
    national = layout.trunk + e164[len(layout.country_code) :]
    pieces, start = [], 0
    for size in layout.groups:
        pieces.append(national[start : start + size])
        start += size
    display = " ".join(pieces)
    territory = TERRITORIES[layout.country_code]
    if territory is METROPOLITAN and (zone := _overseas_code_for(national[1:])):
        return Number(e164, None, national, display, Category.OUTSIDE, OVERSEAS_TERRITORIES[zone])
    category = _spm_category(e164) if not layout.trunk else _category(national)
    return Number(e164, territory, national, display, category)


def overseas_territory(e164: str) -> Territory | None:
    """The overseas zone a number belongs to; None for metropolitan France and foreign numbers."""
    territory = describe(e164).territory
    return territory if territory and territory.overseas else None


def _from_national(digits: str) -> str:
    """`0590201234` -> `+590590201234`; `0199000101` -> `+33199000101`; also for a beginning."""
    rest = digits[1:]
    return (_overseas_code_for(rest) or METROPOLITAN.country_code) + rest


def number_prefix(query: str) -> str | None:
    """The E.164 number, or its beginning, that `query` stands for; None if it is not a number.

    `09 72 10` -> `+3397210`; `+33 9 72 10 20 30` -> `+33972102030`; `0590 20` -> `+59059020`
    (national numbers find their zone once their overseas range is typed: `069` is still +3369).
    """
    compact = _SEPARATORS.sub("", query)
    if not re.fullmatch(r"\+?[0-9]{2,17}", compact):
        return None
    if compact.startswith("+"):
        e164 = compact
    elif compact.startswith("00"):
        e164 = "+" + compact[2:]
    elif compact.startswith("0"):
        e164 = _from_national(compact)
    elif compact.startswith("33"):
        e164 = "+" + compact
    else:
        return None
    # "+33 (0)6 12 34 56 78", "0033 0 1 ...": the national trunk 0 written after a code of the
    # plan, where E.164 has none (no number of the plan starts with 0 after its code).
    for code in TERRITORIES:
        if e164.startswith(code + "0"):
            e164 = code + e164[len(code) + 1 :]
            break
    return e164 if 2 <= len(e164) - 1 <= 15 else None  # E.164: at most 15 digits


def complete_number(query: str) -> str | None:
    """The whole E.164 number `query` names, or None when it names none (or only a beginning).

    A national form must be a whole number of the plan (`0590 20 12 34`, 14 digits for 07 00); an
    international one must be a possible number for phonenumbers (a foreign one included).
    """
    e164 = number_prefix(query)
    if e164 is None:
        return None
    compact = _SEPARATORS.sub("", query)
    if compact.startswith("0") and not compact.startswith("00"):
        return e164 if describe(e164).national == compact else None
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return None
    if describe(e164).category != Category.OUTSIDE or phonenumbers.is_possible_number(parsed):
        return e164
    return None
