"""French counts in the commands' output: singular for 0 and 1, as French has it."""

import pytest

from telecom_panel.french import french_count


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 lot"), (1, "1 lot"), (2, "2 lots"), (20_000, "20000 lots")],
)
def test_french_count(count, expected):
    assert french_count(count, "lot") == expected


def test_an_irregular_plural():
    assert french_count(3, "journal", "journaux") == "3 journaux"
    assert french_count(1, "journal", "journaux") == "1 journal"
