"""Names as a directory prints them (issue 13, item 3): what was typed entirely in lower or upper
case gets the usual capitalisation; what was typed in mixed case is the subscriber's own spelling
and is kept exactly ("McDonald", "de Gaulle", "DUPONT-Moretti").

Applied once, when contact details are saved (lines.services.contact_details_apply, every path:
panel, API, bulk apply, admin): the stored value is the published one, so the panel's preview
(directory.listing) and the sync's SQL (directory.staging) print the same name without
capitalising anything themselves, and the history shows the change like any other.
"""

import re

# Words of a name usually written in lower case when they do not begin it: French particles
# ("Marie de la Tour", "Jean d'Ormesson", "Jean-de-Dieu"), Dutch, German, Italian, Portuguese ones.
# "d" only before an apostrophe: a lone "D." is a first name's initial. "le", "la", "les" only
# right after "de": "de la Tour", while "Le Goff", "La Fontaine" keep their capital.
PARTICLES = frozenset({"de", "du", "des", "van", "von", "der", "den", "ter", "ten", "zu", "di", "da", "del",
                       "della", "dos", "das"})  # fmt: skip
_ARTICLES_AFTER_DE = frozenset({"la", "le", "les"})
# Company names: legal forms and linking words, as they are usually written in a denomination.
_BUSINESS_UPPER = frozenset({"sa", "sas", "sasu", "sarl", "eurl", "sci", "scp", "snc", "scop", "selarl", "eirl",
                             "gie", "ei", "sem", "spl"})  # fmt: skip
_BUSINESS_LOWER = frozenset({"et", "à", "au", "aux", "en", "sur", "sous"})
# What separates the words of a name: spaces, hyphens, apostrophes (straight and typographic), periods.
_SEPARATORS = re.compile(r"([\s\-'’.]+)")  # noqa: RUF001 (the typographic apostrophe is a real one)

# A number after a name, I to XXXIX ("Louis XIV", "Jean Dupont III"); never the first word ("Xi").
_ROMAN_NUMERAL = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})(?<=[xvi])")

PERSON = "person"  # last and first names: all lower or all upper case is recapitalised
BUSINESS = "business"  # company name, designation complement: only all lower case is
SENTENCE = "sentence"  # a profession: only all lower case, and only its first letter


def _lower(text: str) -> str:
    # "İ".lower() is "i" plus a combining dot: a Turkish capital dotted I becomes a plain "i".
    return text.replace("İ", "i").lower()


def _capitalised(word: str) -> str:
    # title() on the first letter: the titlecase of a digraph ("ǆ" -> "ǅ"), not its upper case.
    return word[:1].title() + _lower(word[1:])


def _is_particle(words: list[str], index: int, separators: list[str]) -> bool:
    word = _lower(words[index])
    if word == "d":
        return separators[index].startswith(("'", "’"))  # noqa: RUF001
    if word in _ARTICLES_AFTER_DE:
        return index > 0 and _lower(words[index - 1]) in {"de", "d"}
    return word in PARTICLES


def _cased(text: str) -> tuple[bool, bool]:
    # "ß" has no one-letter capital in common use: "STRAUß" is typed in capitals.
    return any(char.isupper() for char in text), any(char.islower() and char != "ß" for char in text)


def usual_capitalisation(text: str, style: str = PERSON) -> str:
    """`text` in the usual capitalisation if it was typed entirely in lower or upper case
    (PERSON), or entirely in lower case (BUSINESS, SENTENCE); otherwise `text` unchanged.

    PERSON and BUSINESS: every word, and every part of a hyphenated or apostrophed word, begins
    with a capital ("Jean-Pierre", "O'Neill", "L'Haÿ"); particles inside a name stay lower case
    ("Marie de la Tour", "Vincent van Gogh"), and a particle typed in lower case is kept as typed,
    even first ("d'ARTAGNAN" -> "d'Artagnan": the case of the rest decides). BUSINESS leaves a
    name typed in capitals alone ("SNCF", "IBM France" cannot be told from a shouted name, and
    SIRENE writes denominations in capitals), keeps legal forms in capitals ("sarl" -> "SARL") and
    linking words in lower case ("Dupont et Fils"). SENTENCE capitalises the first letter only
    ("infirmière libérale" -> "Infirmière libérale").

    Letters of any script; a text without cased letters (Chinese, Arabic) is unchanged. Never
    longer than what was typed (a field's length was checked on it): where a case mapping would
    lengthen it ("ŉ"), the text is kept as typed.
    """
    parts = _SEPARATORS.split(text)
    words, separators = parts[0::2], [*parts[1::2], ""]  # separators[i] follows words[i]
    particle = [_is_particle(words, index, separators) for index in range(len(words))]
    if style == PERSON:
        # A particle typed in lower case is the usual spelling, not a sign of mixed case.
        decisive = "".join(
            word for index, word in enumerate(words) if not (particle[index] and word.islower())
        )
    else:
        decisive = text
    upper, lower = _cased(decisive)
    if not (upper or lower) or (upper and lower) or (upper and style != PERSON):
        return text
    if style == SENTENCE:
        result = _capitalised(text)
    else:
        result = ""
        for index, (word, separator) in enumerate(zip(words, separators, strict=True)):
            folded = _lower(word)
            if particle[index] and (index > 0 or word.islower()):
                word = folded
            elif style == BUSINESS and folded in _BUSINESS_UPPER:
                word = word.upper()
            elif style == BUSINESS and index > 0 and folded in _BUSINESS_LOWER:
                word = folded
            elif index > 0 and _ROMAN_NUMERAL.fullmatch(folded):
                word = word.upper()  # "Louis XIV", "Jean-Paul II": a regnal or family number
            elif folded.startswith("mc") and len(folded) > 2 and folded[2].isalpha():
                word = "Mc" + _capitalised(word[2:])  # "McDonald": the Scots and Irish prefix
            else:
                word = _capitalised(word)
            result += word + separator
    return result if len(result) <= len(text) else text


# The contact-details fields a directory prints, with the style each is capitalised in.
PRINTED_NAME_FIELDS = {
    "last_name": PERSON,
    "first_name": PERSON,
    "company_name": BUSINESS,
    "designation_complement": BUSINESS,
    "profession": SENTENCE,
}


def capitalised_details(details: dict) -> dict:
    """`details` (as lines.services.contact_details_apply takes them) with every printed name in
    its usual capitalisation; other fields as they are."""
    return {
        field: usual_capitalisation(value, PRINTED_NAME_FIELDS[field])
        if field in PRINTED_NAME_FIELDS and isinstance(value, str)
        else value
        for field, value in details.items()
    }
