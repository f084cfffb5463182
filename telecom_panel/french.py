"""French wording Django's translation does not give: the commands' counts (their output is
French, as the operators read it; pages and e-mails use `ngettext`) and "1er" for the first of
the month in a formatted date (telecom_panel.dates, the `date` filter every template uses).
"""

import re

from django.utils import translation


def french_count(count: int, noun: str, plural: str = "") -> str:
    """`count` and `noun`, plural from 2 on as French has it: "0 lot", "1 lot", "2 lots"
    (`plural` for a noun that does not just take an "s")."""
    return f"{count} {noun if abs(count) < 2 else plural or noun + 's'}"


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")  # fmt: skip
# "1 décembre" as a date is written "1er décembre" (the first of the month only: "2 décembre").
_FIRST_OF_MONTH = re.compile(r"(?<![0-9])1 (?=(?:" + "|".join(_MONTHS) + r")\b)", re.IGNORECASE)


def first_of_month(text: str) -> str:
    """A formatted date with the first of the month as French writes it, when the active
    language is French: "1 décembre 2026" -> "1er décembre 2026"; any other text as it is."""
    if not (translation.get_language() or "").startswith("fr"):
        return text
    return _FIRST_OF_MONTH.sub("1er ", text)
