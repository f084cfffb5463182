"""Phone numbers as people type them: `09 72 10 20 30`, `0972102030`, `+33972102030`,
`0033 9 72 10 20 30` all name `+33972102030`."""

import re

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
