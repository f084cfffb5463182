"""French wording: counts in the commands' output (singular for 0 and 1) and "1er" for the first
of the month in every date a template or a page writes."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from telecom_panel.french import first_of_month, french_count


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 lot"), (1, "1 lot"), (2, "2 lots"), (20_000, "20000 lots")],
)
def test_french_count(count, expected):
    assert french_count(count, "lot") == expected


def test_an_irregular_plural():
    assert french_count(3, "journal", "journaux") == "3 journaux"
    assert french_count(1, "journal", "journaux") == "1 journal"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 décembre 2026", "1er décembre 2026"),
        ("1 janvier 2027 à 03:00", "1er janvier 2027 à 03:00"),
        ("2 décembre 2026", "2 décembre 2026"),
        ("11 décembre 2026", "11 décembre 2026"),
        ("21 décembre 2026", "21 décembre 2026"),
        ("1 service", "1 service"),
    ],
)
def test_the_first_of_the_month_in_french(text, expected):
    with translation.override("fr"):
        assert first_of_month(text) == expected
    with translation.override("en"):
        assert first_of_month(text) == text


def test_every_template_writes_the_first_of_the_month_so():
    """The `date` filter every template uses (the e-mails' and the admin's too) is the engine's
    builtin telecom_panel.dates."""
    first = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
    template = Template('{{ day|date:"DATE_FORMAT" }} / {{ day|date:"j F Y" }} / {{ second|date:"j F" }}')
    context = Context({"day": first, "second": first + datetime.timedelta(days=1)})
    with translation.override("fr"):
        assert template.render(context) == "1er décembre 2026 / 1er décembre 2026 / 2 décembre"
    with translation.override("en"):
        assert template.render(context) == "Dec. 1, 2026 / 1 December 2026 / 2 December"
