"""French wording for what the commands print (their output is French, as the operators read it).

Pages and e-mails use Django's translation (`ngettext`, `{% blocktranslate count %}`); a command's
summary line is written here once, with French's own plural rule.
"""


def french_count(count: int, noun: str, plural: str = "") -> str:
    """`count` and `noun`, plural from 2 on as French has it: "0 lot", "1 lot", "2 lots"
    (`plural` for a noun that does not just take an "s")."""
    return f"{count} {noun if abs(count) < 2 else plural or noun + 's'}"
