"""The names other than its official one that a commune is written with beside a postcode:
La Poste's *libellé d'acheminement*, the official name without its "(Canton de …)" qualifier,
the former communes of a commune nouvelle, and La Poste's pairs the COG does not list.

Built from committed source extracts (lines/reference/sources/) into
lines/reference/postcode_names.csv by scripts/build_communes.py; plain Python with no Django, so
that the script and the test that rebuilds the file offline share it. lines.communes loads and
queries the result (model PostcodeName).
"""

import csv
import gzip
import io
import re
from collections.abc import Iterable
from pathlib import Path

from .place_names import normalise_place_name

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
SOURCES_DIR = REFERENCE_DIR / "sources"
COMMUNES_CSV = REFERENCE_DIR / "communes.csv"
POSTCODE_NAMES_CSV = REFERENCE_DIR / "postcode_names.csv"
# Trimmed extracts of the npm packages, so that the CSV can be rebuilt (and checked) offline.
LAPOSTE_EXTRACT = SOURCES_DIR / "codes-postaux.csv.gz"
FORMER_EXTRACT = SOURCES_DIR / "communes-anciennes.csv.gz"
# Names La Poste uses that neither package carries (no package of the registries reachable here
# has La Poste's own file, hexasmal, with its libellés and *ligne 5*): added by hand, each with
# where it comes from.
SUPPLEMENT_CSV = SOURCES_DIR / "supplement.csv"
LAPOSTE_FIELDS = ["codePostal", "codeCommune", "nomCommune", "libelleAcheminement", "codeAncienneCommune"]
FORMER_FIELDS = ["code", "nom", "type", "commune"]
POSTCODE_NAME_FIELDS = ["postcode", "name", "commune", "kind"]

# Kinds, strongest first: when one (postcode, name) names the same commune in several ways, the
# strongest is kept. Between communes, only the official kind outranks the others
# (lines.communes.resolve_location): "75015 Paris" names Paris whatever else is called so beside
# 75015; two communes named by the other kinds ("58120 Château-Chinon": La Poste's libellé of
# Château-Chinon (Ville), the usual name of Château-Chinon (Campagne)) are offered as a choice.
KINDS = ("official", "acheminement", "usual", "ligne5", "former")
_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")
_CEDEX = re.compile(r"\bCEDEX\b", re.IGNORECASE)


_normalise = normalise_place_name


def write_gzip_csv(path: Path, fieldnames: list[str], rows: Iterable[dict]) -> None:
    """A gzip whose bytes depend on its rows only (no time or file name in the header)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
        f.write(text.getvalue().encode("utf-8"))


def read_gzip_csv(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def laposte_extract_rows(entries: list[dict]) -> list[dict]:
    """codes-postaux' (postcode, commune, name, libellé) rows, each once, sorted: its summary file
    plus the rows of the full file that name a former commune (codeAncienneCommune)."""
    seen = {tuple(entry.get(field, "") for field in LAPOSTE_FIELDS) for entry in entries}
    return [dict(zip(LAPOSTE_FIELDS, row, strict=True)) for row in sorted(seen)]


def former_extract_rows(communes: list[dict]) -> list[dict]:
    """@etalab/decoupage-administratif's former communes: delegated and associated communes with
    their chef-lieu, and the former codes (anciensCodes) of current communes, without a name."""
    rows = []
    for commune in communes:
        if commune["type"] in {"commune-deleguee", "commune-associee"}:
            rows.append({"code": commune["code"], "nom": commune["nom"], "type": commune["type"],
                         "commune": commune["chefLieu"]})  # fmt: skip
        elif commune["type"] == "commune-actuelle":
            for code in commune.get("anciensCodes", []):
                rows.append({"code": code, "nom": "", "type": "ancien-code", "commune": commune["code"]})
    return sorted(rows, key=lambda row: (row["code"], row["type"], row["commune"], row["nom"]))


def current_commune_finder(communes: list[dict], former: list[dict]):
    """A function giving, for any INSEE code the sources use, the current commune (not the
    arrondissement: Paris, Lyon and Marseille resolve their arrondissement from the postcode), or
    None for a code nobody knows any more."""
    by_code = {row["code"]: row for row in communes}
    moved = {row["code"]: row["commune"] for row in former if row["type"] == "ancien-code"}
    moved.update({row["code"]: row["commune"] for row in former if row["type"] != "ancien-code"})

    def current(code: str) -> str | None:
        for _ in range(5):  # a commune nouvelle may itself have merged again
            if code in by_code:
                return by_code[code]["parent"] or code
            if code not in moved or moved[code] == code:
                return None
            code = moved[code]
        return None

    return current


def build_rows(
    communes: list[dict], laposte: list[dict], former: list[dict], supplement: list[dict] = ()
) -> list[dict]:
    """postcode_names.csv's rows: every (postcode, name, current commune) that the official name
    and postcodes of communes.csv do not already give, with the kind of name it is."""
    current = current_commune_finder(communes, former)
    by_code = {row["code"]: row for row in communes}
    postcodes = {row["code"]: set(row["postcodes"].split()) for row in communes}
    official = {row["code"]: _normalise(row["name"]) for row in communes}
    best: dict[tuple[str, str, str], dict] = {}

    def add(postcode: str, name: str, commune: str, kind: str):
        name = " ".join(name.split())
        search = _normalise(name)
        if not search or _CEDEX.search(name):
            return  # a CEDEX name is a mail sorting name, never a place a line is installed
        if search == official[commune] and postcode in postcodes[commune] and not by_code[commune]["parent"]:
            return  # what Commune and PostalCode already say
        key = (postcode, search, commune)
        row = {"postcode": postcode, "name": name, "commune": commune, "kind": kind}
        if key not in best or KINDS.index(kind) < KINDS.index(best[key]["kind"]):
            best[key] = row

    for row in laposte:
        commune = current(row["codeCommune"])
        if commune is None:
            continue
        # La Poste pairs a commune with a postcode the COG does not (a street served from a
        # neighbouring office: "75015 Issy-les-Moulineaux"): its official name resolves there too.
        add(row["codePostal"], by_code[commune]["name"], commune, "official")
        arrondissement = by_code.get(row["codeCommune"], {})
        if not arrondissement.get("parent"):
            add(row["codePostal"], row["nomCommune"], commune, "official")
        elif row["codePostal"] not in postcodes[row["codeCommune"]]:
            # A street of Marseille 12e served by 13004: the arrondissement itself, so that
            # "13004 Marseille 12e" is no contradiction (lines.communes.resolve_location).
            add(row["codePostal"], arrondissement["name"], row["codeCommune"], "official")
        add(row["codePostal"], row["libelleAcheminement"], commune, "acheminement")
    for row in communes:
        if row["parent"]:
            continue
        usual = _QUALIFIER.sub("", row["name"])
        if usual != row["name"]:  # "Bors (Canton de Charente-Sud)" is "Bors" to its inhabitants
            for postcode in sorted(postcodes[row["code"]]):
                add(postcode, usual, row["code"], "usual")
    for row in former:
        if row["type"] == "ancien-code":
            continue
        commune = current(row["commune"])
        if commune is None:
            continue
        for postcode in sorted(postcodes[commune]):
            add(postcode, row["nom"], commune, "former")
    for row in supplement:
        add(row["postcode"], row["name"], current(row["commune"]), row["kind"])
    return sorted(
        best.values(), key=lambda r: (r["postcode"], r["commune"], KINDS.index(r["kind"]), r["name"])
    )


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def build_from_sources(
    communes_csv: Path = COMMUNES_CSV,
    laposte: Path = LAPOSTE_EXTRACT,
    former: Path = FORMER_EXTRACT,
    supplement: Path = SUPPLEMENT_CSV,
) -> list[dict]:
    return build_rows(
        read_csv(communes_csv), read_gzip_csv(laposte), read_gzip_csv(former), read_csv(supplement)
    )


def render_csv(rows: list[dict]) -> str:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=POSTCODE_NAME_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


def laposte_pairs(
    communes_csv: Path = COMMUNES_CSV, laposte: Path = LAPOSTE_EXTRACT, former: Path = FORMER_EXTRACT
) -> list[tuple[str, str, str]]:
    """Every (postcode, name, expected current commune) La Poste gives: each commune's name and
    libellé d'acheminement with its postcode, each once, sorted; what check_postcode_names and the
    tests try to resolve."""
    communes, former_rows = read_csv(communes_csv), read_gzip_csv(former)
    current = current_commune_finder(communes, former_rows)
    pairs = set()
    for row in read_gzip_csv(laposte):
        commune = current(row["codeCommune"])
        if commune is None:
            continue
        for name in (row["nomCommune"], row["libelleAcheminement"]):
            pairs.add((row["codePostal"], " ".join(name.split()), commune))
    return sorted(pairs)
