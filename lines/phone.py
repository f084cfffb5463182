"""Phone numbers as people type them: `09 72 10 20 30`, `0972102030`, `+33972102030`,
`0033 9 72 10 20 30` all name `+33972102030`; and the overseas zones of the French plan."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-()/]")


def number_prefix(query: str) -> str | None:
    """The E.164 number, or its beginning, that `query` stands for; None if it is not a number.

    `09 72 10` -> `+3397210`; `+33 9 72 10 20 30` -> `+33972102030`. National numbers are French.
    """
    compact = _SEPARATORS.sub("", query)
    if not re.fullmatch(r"\+?[0-9]{2,15}", compact):
        return None
    if compact.startswith("+"):
        return compact
    if compact.startswith("00"):
        return "+" + compact[2:]
    if compact.startswith("0"):
        return "+33" + compact[1:]
    return "+" + compact if compact.startswith("33") else None


def is_complete_french_number(e164: str) -> bool:
    return len(e164) == 12 and e164.startswith("+33")


@dataclass(frozen=True)
class Territory:
    """An overseas numbering zone and where its lines may be installed."""

    name: str  # as "attribué pour <name>" reads (lazy: in the customer's language)
    departements: frozenset[str]


# The overseas country codes of the French numbering plan (ARCEP), each with the départements and
# collectivities (INSEE codes) its numbers are installed in.
OVERSEAS_TERRITORIES = {
    "+262": Territory(_("La Réunion ou Mayotte"), frozenset({"974", "976"})),
    "+590": Territory(_("la Guadeloupe, Saint-Barthélemy ou Saint-Martin"), frozenset({"971", "977", "978"})),
    "+594": Territory(_("la Guyane"), frozenset({"973"})),
    "+596": Territory(_("la Martinique"), frozenset({"972"})),
    "+508": Territory(_("Saint-Pierre-et-Miquelon"), frozenset({"975"})),
}


def overseas_territory(e164: str) -> Territory | None:
    """The overseas zone a number belongs to; None for metropolitan France and foreign numbers."""
    return OVERSEAS_TERRITORIES.get(e164[:4])
