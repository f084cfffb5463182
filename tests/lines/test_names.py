# ruff: noqa: RUF001 (the typographic apostrophe is typed on purpose)
"""Names in the usual capitalisation (issue 13, item 3): lines.names.usual_capitalisation."""

import pytest

from lines.names import BUSINESS, PERSON, SENTENCE, capitalised_details, usual_capitalisation

CASES = [
    # typed, style, stored and published
    ("dupont m.", PERSON, "Dupont M."),  # the example: every word alike, initials too
    ("DUPONT", PERSON, "Dupont"),
    ("jean-pierre", PERSON, "Jean-Pierre"),
    ("ÉLODIE", PERSON, "Élodie"),
    ("MARIE DE LA TOUR", PERSON, "Marie de la Tour"),
    ("jean de la fontaine", PERSON, "Jean de la Fontaine"),
    ("LE GOFF", PERSON, "Le Goff"),  # an article that begins a name keeps its capital
    ("VINCENT VAN GOGH", PERSON, "Vincent van Gogh"),
    ("ludwig von beethoven", PERSON, "Ludwig von Beethoven"),
    ("ANGELO DI MARIA", PERSON, "Angelo di Maria"),
    ("JEAN-DE-DIEU", PERSON, "Jean-de-Dieu"),
    ("jean d'ormesson", PERSON, "Jean d'Ormesson"),
    ("jean d’ormesson", PERSON, "Jean d’Ormesson"),
    ("D'ARTAGNAN", PERSON, "D'Artagnan"),
    ("d'ARTAGNAN", PERSON, "d'Artagnan"),  # a particle typed in lower case is kept as typed
    ("de gaulle", PERSON, "de Gaulle"),
    ("DE GAULLE", PERSON, "De Gaulle"),  # typed in capitals: the first word takes one
    ("DUPONT D.", PERSON, "Dupont D."),  # a lone D. is an initial, not the particle d'
    ("o'neill", PERSON, "O'Neill"),
    # A number after a name stays in capitals; never the first word (the surname Xi).
    ("LOUIS XIV", PERSON, "Louis XIV"),
    ("jean-paul ii", PERSON, "Jean-Paul II"),
    ("XI", PERSON, "Xi"),
    ("LI", PERSON, "Li"),
    # The Scots and Irish prefix.
    ("MCDONALD", PERSON, "McDonald"),
    ("mccartney", PERSON, "McCartney"),
    ("L'HAŸ", PERSON, "L'Haÿ"),
    # Mixed case: the subscriber's own spelling, kept exactly.
    ("McDonald", PERSON, "McDonald"),
    ("de Gaulle", PERSON, "de Gaulle"),
    ("DUPONT-Moretti", PERSON, "DUPONT-Moretti"),
    ("MacLeod", PERSON, "MacLeod"),
    # Any script.
    ("ŞİMŞEK", PERSON, "Şimşek"),  # Turkish dotted capital I: a plain i, no combining dot
    ("ΟΔΥΣΣΕΑΣ", PERSON, "Οδυσσεας"),  # Greek final sigma
    ("ΣΩΚΡΆΤΗΣ", PERSON, "Σωκράτης"),
    ("иван петров", PERSON, "Иван Петров"),
    ("weiß", PERSON, "Weiß"),
    ("STRAUß", PERSON, "Strauß"),
    ("ǆuro", PERSON, "ǅuro"),  # a digraph takes its titlecase
    ("王小明", PERSON, "王小明"),  # no case: unchanged
    ("", PERSON, ""),
    # Company names and designation complements: capitals are left alone (acronyms, SIRENE).
    ("SNCF", BUSINESS, "SNCF"),
    ("IBM FRANCE", BUSINESS, "IBM FRANCE"),
    ("IBM France", BUSINESS, "IBM France"),
    ("boulangerie dupont et fils sarl", BUSINESS, "Boulangerie Dupont et Fils SARL"),
    ("atelier de la gare", BUSINESS, "Atelier de la Gare"),
    ("agence de lyon", BUSINESS, "Agence de Lyon"),
    # A profession: a sentence.
    ("infirmière libérale", SENTENCE, "Infirmière libérale"),
    ("MÉDECIN ORL", SENTENCE, "MÉDECIN ORL"),
    ("Masseur-kinésithérapeute", SENTENCE, "Masseur-kinésithérapeute"),
]


@pytest.mark.parametrize(("typed", "style", "expected"), CASES)
def test_usual_capitalisation(typed, style, expected):
    assert usual_capitalisation(typed, style) == expected


@pytest.mark.parametrize(("typed", "style", "expected"), CASES)
def test_capitalising_twice_changes_nothing(typed, style, expected):
    assert usual_capitalisation(expected, style) == expected


def test_never_longer_than_typed():
    # "ŉ" titlecases to two characters: the field's length was checked on what was typed.
    assert usual_capitalisation("ŉ" * 100) == "ŉ" * 100


def test_only_the_printed_names_are_capitalised():
    details = {"last_name": "DUPONT", "first_name": "marie", "email": "MARIE@EXEMPLE.FR", "city": "lyon",
               "street_name": "de la république", "street_number": 3, "company_name": "sncf"}  # fmt: skip
    assert capitalised_details(details) == {**details, "last_name": "Dupont", "first_name": "Marie",
                                            "company_name": "Sncf"}  # fmt: skip
