"""French communes and postcodes: the lookups that turn an installation address into its commune
(INSEE code), arrondissement and département.

Everything is a database query on indexed columns; the CSV is read only when it is (re)loaded.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from .models import Commune, PostcodeName
from .place_names import normalise_place_name
from .postcode_names import COMMUNES_CSV, POSTCODE_NAMES_CSV, read_csv

# "Paris 11e", "Lyon 3eme", "Marseille 1er arrondissement": the city plus an arrondissement.
_ARRONDISSEMENT_SUFFIX = re.compile(r"^(?: (?:[0-9]{1,2}) ?(?:E|ER|EME|IEME)?(?: ARRONDISSEMENT)?)?$")
# What a typed city may be made of: what the communes' own names are made of (letters, spaces,
# hyphens, apostrophes, parentheses: "L'Haÿ-les-Roses", "Château-Chinon (Ville)"), plus the
# typographic apostrophe and dashes a keyboard or a copy gives, a full stop after an abbreviation
# ("St. Étienne"), and ASCII digits (an arrondissement: see place_name_problem); a letter first.
# normalise_place_name turns punctuation into spaces to compare names, so without this `=Lyon`,
# `+Paris` or `Lyon|x` would name a commune: any other character means the text is no commune's
# name, whatever it normalises to.
_PLACE_NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|[0-9 '\u2019\u02bc().\-\u2010\u2011\u2013\u2014])*")


@dataclass(frozen=True)
class Location:
    """Where an installation address is: the routing key for emergency calls."""

    commune: Commune
    arrondissement: Commune | None

    @property
    def insee_code(self) -> str:
        return self.commune.code

    @property
    def departement(self) -> str:
        return self.commune.departement


class LocationError(ValueError):
    """The postcode and city do not name a commune; `candidates` lists the postcode's communes."""

    def __init__(self, message: str, candidates: list[Commune]):
        super().__init__(message)
        self.candidates = candidates


class PlaceNameError(LocationError):
    """The city typed cannot be any commune's name; `problem` says why (place_name_problem)."""

    def __init__(self, problem: str):
        super().__init__(f"not a place name ({problem})", [])
        self.problem = problem


class WrongTerritory(LocationError):
    """An overseas number with an installation address outside its territory; `message` says so
    in French, for the customer."""

    def __init__(self, message: str):
        super().__init__(message, [])
        self.message = message


class ArrondissementMismatch(LocationError):
    """The city names an arrondissement ("Paris 11e") that is not the postcode's (75020)."""

    def __init__(self, typed: int, postcode_number: int, commune: Commune):
        super().__init__(f"arrondissement {typed} typed, {postcode_number} by the postcode", [commune])
        self.typed, self.postcode_number = typed, postcode_number


# The first arrondissement's INSEE code less one, per city: Paris 75101, Marseille 13201, Lyon 69381.
_ARRONDISSEMENT_BASE = {"751": 75100, "132": 13200, "693": 69380}


def arrondissement_number(code: str | None) -> int | None:
    """The number of a municipal arrondissement from its INSEE code: 3 for Lyon 3e (69383), 11 for
    Paris 11e (75111); None for any other code."""
    if not code or not code.isdigit() or code[:3] not in _ARRONDISSEMENT_BASE:
        return None
    return int(code) - _ARRONDISSEMENT_BASE[code[:3]]


def place_name_problem(city: str) -> str | None:
    """Why `city` (trimmed, as a form cleans it) cannot name a commune, or None when it may:
    `characters` when it holds a character that no commune's name has (`=`, `+`, `@`, `|`, `"`,
    `;`...) or does not begin with a letter; `digits` when it holds digits other than those of an
    arrondissement of Paris, Lyon or Marseille (`Lyon 3e`)."""
    if not _PLACE_NAME.fullmatch(city):
        return "characters"
    digit = re.search(r"[0-9]", city)
    if digit and normalise_place_name(city[: digit.start()]) not in _ARRONDISSEMENT_CITY_NAMES:
        return "digits"
    return None


def communes_for_postcode(postcode: str) -> list[Commune]:
    """The communes (not arrondissements) a postcode serves, by name: the COG's, and those La Poste
    pairs with it in PostcodeName (62760 serves Thièvres in the Somme too, which the COG does not
    say): the customer may live in any of them, so the choice offered lists them all."""
    communes = {commune.code: commune for commune in _official_communes(postcode)}
    for commune in Commune.objects.filter(postcode_names__postcode=postcode, parent__isnull=True).distinct():
        communes.setdefault(commune.code, commune)
    return sorted(communes.values(), key=lambda commune: (commune.name, commune.code))


def _official_communes(postcode: str) -> list[Commune]:
    """The communes whose official name belongs with `postcode`: the COG's, and La Poste's pairs
    the COG lacks (PostcodeName rows of the official kind)."""
    communes = {
        commune.code: commune
        for commune in Commune.objects.filter(postal_codes__code=postcode, parent__isnull=True)
    }
    for commune in Commune.objects.filter(
        postcode_names__postcode=postcode, postcode_names__kind="official", parent__isnull=True
    ):
        communes.setdefault(commune.code, commune)
    return sorted(communes.values(), key=lambda commune: (commune.name, commune.code))


def _officially_named(postcode: str, typed: str) -> list[Commune]:
    """The communes `typed` names by an official name beside `postcode`: their own (Paris, Lyon and
    Marseille with an arrondissement too), or the name La Poste gives a pair the COG lacks
    (PostcodeName's official kind: "62760 Thièvres" for the Somme's, "71350 Verdun-sur-le-Doubs")."""
    named = {
        commune.code: commune for commune in _official_communes(postcode) if _names_commune(typed, commune)
    }
    for row in PostcodeName.objects.filter(
        postcode=postcode, search_name=typed, kind="official", commune__parent__isnull=True
    ).select_related("commune"):
        named.setdefault(row.commune.code, row.commune)
    return sorted(named.values(), key=lambda commune: commune.code)


def _names_commune(typed: str, commune: Commune) -> bool:
    if typed == commune.search_name:
        return True
    # Paris, Lyon and Marseille may be written with their arrondissement.
    prefix = commune.search_name
    return (
        commune.code in ARRONDISSEMENT_CITIES
        and typed.startswith(prefix)
        and bool(_ARRONDISSEMENT_SUFFIX.match(typed[len(prefix) :]))
    )


# The three communes divided into municipal arrondissements.
ARRONDISSEMENT_CITIES = {"75056": "Paris", "69123": "Lyon", "13055": "Marseille"}
_ARRONDISSEMENT_CITY_NAMES = {normalise_place_name(name) for name in ARRONDISSEMENT_CITIES.values()}


def _with_arrondissement(commune: Commune, postcode: str) -> Location:
    arrondissement = None
    if commune.code in ARRONDISSEMENT_CITIES:
        arrondissement = commune.arrondissements.filter(postal_codes__code=postcode).first()
    return Location(commune=commune, arrondissement=arrondissement)


def _other_arrondissement(commune: Commune, postcode: str, written: int, derived: int) -> Location:
    """The arrondissement written when La Poste serves some of its streets from this postcode
    ("13004 Marseille 12e"); otherwise the customer said two places and we pick neither."""
    for row in PostcodeName.objects.filter(postcode=postcode, commune__parent=commune).select_related(
        "commune"
    ):
        if arrondissement_number(row.commune_id) == written:
            return Location(commune=commune, arrondissement=row.commune)
    raise ArrondissementMismatch(written, derived, commune)


def communes_named(postcode: str, typed: str) -> list[Commune]:
    """The communes that `typed` (normalised) names beside `postcode` in PostcodeName by a name
    other than the official one (libellé d'acheminement, usual name, lieu-dit, former commune):
    one commune, or several ("Château-Chinon" is La Poste's libellé of Château-Chinon (Ville) and
    the usual name of Château-Chinon (Campagne), 58120), which resolve_location offers as a choice.

    Every kind counts alike, on purpose: the address routes emergency calls, and a commune picked
    because its kind of name ranks higher is a guess that sends the call to the wrong place in the
    other case, where a question costs one click. The common cases ask nothing: an official name
    ("75015 Paris") is settled before this is read, and a libellé that is also the usual or former
    name of the same commune names one commune."""
    rows = (
        PostcodeName.objects.filter(postcode=postcode, search_name=typed, commune__parent__isnull=True)
        .exclude(kind="official")
        .select_related("commune")
        .order_by("commune_id")
    )
    return list({row.commune.code: row.commune for row in rows}.values())


def resolve_location(postcode: str, city: str, chosen: str = "") -> Location:
    """The commune named by a postcode and a city, with its arrondissement in Paris, Lyon and
    Marseille (derived from the postcode). Raises LocationError when the pair does not exist, and
    PlaceNameError (a LocationError) when `city` cannot be a commune's name at all: names are
    compared without case, accents and punctuation, but a city holding a character that no
    commune's name has (`=Lyon`) names no commune.

    The city may be the commune's official name, or any other name of it La Poste or the COG give
    for that postcode (PostcodeName: libellé d'acheminement, usual name, former commune), or one
    La Poste pairs with the postcode. When it names none of the postcode's communes, or several
    (by their official names, or else by any other names: communes_named), `chosen` (an INSEE code the customer picked
    among the candidates the error listed) decides; otherwise the error lists the candidates.
    """
    problem = place_name_problem(city)
    if problem:
        raise PlaceNameError(problem)
    typed = normalise_place_name(city)
    # Official names first, and alone: a weaker kind of name never makes "75015 Paris" ambiguous.
    # Two communes with the same official name beside the postcode (62760 Thièvres, Pas-de-Calais
    # and Somme) are a question for the customer, never a pick.
    official = _officially_named(postcode, typed)
    if len(official) > 1:
        for commune in official:
            if chosen and commune.code == chosen:
                return _with_arrondissement(commune, postcode)
        raise LocationError(f"city names several communes of postcode {postcode}", official)
    if official:
        commune = official[0]
        location = _with_arrondissement(commune, postcode)
        if location.arrondissement is not None and _names_commune(typed, commune):
            # "Paris 11e" with 75020: the customer said two places; we pick neither.
            written = re.search(r"[0-9]+", typed[len(commune.search_name) :])
            derived = arrondissement_number(location.arrondissement.code)
            if written and int(written.group()) != derived:
                return _other_arrondissement(commune, postcode, int(written.group()), derived)
        return location
    named = communes_named(postcode, typed)
    if len(named) == 1:
        return _with_arrondissement(named[0], postcode)
    offered = named or communes_for_postcode(postcode)
    for commune in offered:
        if chosen and commune.code == chosen:
            return _with_arrondissement(commune, postcode)
    if not offered:
        raise LocationError(f"unknown postcode {postcode}", [])
    raise LocationError(f"city does not name one commune of postcode {postcode}", offered)


def city_to_resolve(postcode: str, city: str, stored) -> str:
    """The city to resolve `postcode` with, given the `stored` contact details (or None): the
    city itself, except when it is the stored city of an arrondissement, unchanged ("Paris 11e
    Arrondissement", which the form and the API are filled with), beside another postcode: the
    customer moved within Paris, Lyon or Marseille and changed the postcode only, so the new
    postcode's arrondissement is taken ("Paris" is resolved). An arrondissement the customer typed
    ("Paris 11e" with 75020) differs from the stored city, and stays a contradiction."""
    if (
        stored is not None
        and stored.arrondissement_id
        and stored.commune_id in ARRONDISSEMENT_CITIES
        and city == stored.city
        and postcode != stored.postcode
    ):
        return ARRONDISSEMENT_CITIES[stored.commune_id]
    return city


def official_city(location: Location) -> str:
    """The city as stored and published: the commune's official name, or for Paris, Lyon and
    Marseille its arrondissement's ("Paris 11e Arrondissement", the COG's name, which
    resolve_location reads back to the same place)."""
    return (location.arrondissement or location.commune).name


@dataclass
class PostcodeNameCheck:
    """How La Poste's (postcode, name) pairs resolve: `resolved` to their commune; `ambiguous`
    ones name several communes in La Poste's own data (the same name beside the same postcode), and
    resolve to one of them or offer them all as a choice; `cedex` names are refused on purpose;
    `failed` lists the others as (postcode, name, expected INSEE code, what happened)."""

    resolved: int = 0
    ambiguous: list = None
    cedex: int = 0
    failed: list = None

    def __post_init__(self):
        self.ambiguous, self.failed = [], []

    @property
    def total(self) -> int:
        return self.resolved + len(self.ambiguous) + self.cedex + len(self.failed)


def check_postcode_names(pairs: list[tuple[str, str, str]]) -> PostcodeNameCheck:
    """Resolve every (postcode, name, expected commune) of `pairs` (lines.postcode_names.
    laposte_pairs) and say how each went: the count the issue asks for, and the test's table."""
    communes_of_name: dict[tuple[str, str], set[str]] = {}
    for postcode, name, expected in pairs:
        communes_of_name.setdefault((postcode, normalise_place_name(name)), set()).add(expected)
    check = PostcodeNameCheck()
    for postcode, name, expected in pairs:
        if "CEDEX" in normalise_place_name(name).split():
            check.cedex += 1
            continue
        homonyms = communes_of_name[(postcode, normalise_place_name(name))]
        try:
            found = resolve_location(postcode, name).insee_code
        except LocationError as error:
            offered = {commune.code for commune in error.candidates}
            typed = normalise_place_name(name)
            # Several communes by name: in La Poste's own data, or by another kind of name beside
            # the postcode ("58120 CHATEAU CHINON": (Ville)'s libellé, (Campagne)'s usual name).
            named = {
                commune.code
                for commune in _officially_named(postcode, typed) or communes_named(postcode, typed)
            }
            if (len(homonyms) > 1 and homonyms <= offered) or (len(named) > 1 and expected in offered):
                check.ambiguous.append((postcode, name, expected, "choice offered"))
            else:
                check.failed.append((postcode, name, expected, type(error).__name__))
            continue
        if found == expected:
            check.resolved += 1
        elif (len(homonyms) > 1 and found in homonyms) or _names_commune(
            normalise_place_name(name), Commune.objects.get(code=found)
        ):  # La Poste's libellé of a street-served commune, the official name of another ("75015 PARIS")
            check.ambiguous.append((postcode, name, expected, f"resolves to {found}"))
        else:
            check.failed.append((postcode, name, expected, f"resolves to {found}"))
    return check


def read_communes_csv(path: Path = COMMUNES_CSV) -> list[dict]:
    return read_csv(path)


def read_postcode_names_csv(path: Path = POSTCODE_NAMES_CSV) -> list[dict]:
    return read_csv(path)


def load_postcode_names(postcode_name_model, rows: list[dict]) -> int:
    """Replace every PostcodeName by `rows`; takes the model so that a migration can pass its
    historical one. Run after load_communes: each row's commune must exist."""
    postcode_name_model.objects.all().delete()
    postcode_name_model.objects.bulk_create(
        (
            postcode_name_model(
                postcode=row["postcode"],
                name=row["name"],
                search_name=normalise_place_name(row["name"]),
                commune_id=row["commune"],
                kind=row["kind"],
            )
            for row in rows
        ),
        batch_size=2000,
    )
    return len(rows)


def load_communes(commune_model, postal_code_model, rows: list[dict]) -> tuple[int, int]:
    """Insert or update every commune of `rows` and replace all postcodes; returns the counts.

    Takes the model classes so that the data migration can pass its historical models. Communes
    missing from `rows` are kept (existing contact details may still point at them) but lose their
    postcodes, so no new address resolves to them.
    """
    # Parents first, so that an arrondissement never points at a row not yet written.
    rows = sorted(rows, key=lambda row: (row["parent"] != "", row["code"]))
    communes = [
        commune_model(
            code=row["code"],
            name=row["name"],
            search_name=normalise_place_name(row["name"]),
            departement=row["departement"],
            parent_id=row["parent"] or None,
        )
        for row in rows
    ]
    commune_model.objects.bulk_create(
        communes,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "search_name", "departement", "parent"],
    )
    # Replaced wholesale: a commune that has left the official list keeps no current postcode.
    postal_code_model.objects.all().delete()
    postal_codes = [
        postal_code_model(code=postcode, commune_id=row["code"])
        for row in rows
        for postcode in row["postcodes"].split()
    ]
    postal_code_model.objects.bulk_create(postal_codes, batch_size=5000)
    return len(communes), len(postal_codes)
