"""The APE/NAF codes that exist (lines/reference/naf*.csv, built by scripts/build_naf.py from INSEE's
nomenclature): NAF rév. 2 (2008) today, NAF 2025 beside it from 1 January 2027."""

import csv
from functools import cache
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent / "reference"


@cache
def naf_labels() -> dict[str, str]:
    """Every code (`6201Z`) with its label, from every naf*.csv of the reference folder."""
    labels = {}
    for path in sorted(REFERENCE.glob("naf*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            labels.update((row["code"], row["label"]) for row in csv.DictReader(f))
    return labels


def naf_label(code: str) -> str | None:
    """The label of an APE code written `6201Z`; None if no nomenclature has it."""
    return naf_labels().get(code)
