"""How place names are compared, without Django: lines.communes and the reference builder
(lines.postcode_names, run by scripts/build_communes.py) share it."""

import re
import unicodedata

_ABBREVIATIONS = {"ST": "SAINT", "STE": "SAINTE", "STS": "SAINTS", "STES": "SAINTES"}


def normalise_place_name(name: str) -> str:
    """Upper case, accents and punctuation dropped, common abbreviations spelled out.

    `Saint-Étienne`, `ST ETIENNE` and `saint etienne` all give `SAINT ETIENNE`.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.upper().replace("Œ", "OE").replace("Æ", "AE")
    words = re.sub(r"[^A-Z0-9]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)
