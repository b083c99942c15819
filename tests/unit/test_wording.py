"""Counting and near-miss suggestions: the words every reply is built from."""

from __future__ import annotations

import pytest

from domain.wording import did_you_mean, either, noun, plural, suggest

SUPPLIERS = ["Velo Parts Ltd", "Acme Cycles", "Brakeworks", "Velocity Wheels"]
SKUS = ["BK-PADS-DISC", "BK-PADS-RIM", "BK-TUBE-700", "BK-TUBE-650", "BK-CHAIN-11"]


@pytest.mark.parametrize(
    ("n", "word", "said"),
    [
        (0, "unit", "0 units"),
        (1, "unit", "1 unit"),
        (3, "unit", "3 units"),
        (1, "supplier", "1 supplier"),
        (3, "supplier", "3 suppliers"),
        (1, "order", "1 order"),
        (1_200, "waiting unit", "1,200 waiting units"),
        (1, "waiting unit", "1 waiting unit"),
    ],
)
def test_a_count_says_its_word_in_the_singular_for_one_only(n: int, word: str, said: str) -> None:
    assert plural(n, word) == said


def test_an_irregular_word_is_given_its_plural() -> None:
    assert plural(2, "box", "boxes") == "2 boxes"
    assert plural(1, "box", "boxes") == "1 box"


def test_a_fractional_count_is_plural() -> None:
    assert noun(1.5, "day") == "days"
    assert noun(1.0, "day") == "day"


def test_a_name_in_other_case_is_suggested_as_the_catalog_spells_it() -> None:
    assert suggest("velo parts ltd", SUPPLIERS) == ["Velo Parts Ltd"]
    assert suggest("bk-pads-disc", SKUS)[0] == "BK-PADS-DISC"


def test_the_start_of_a_name_suggests_the_names_it_begins() -> None:
    assert suggest("velo", SUPPLIERS) == ["Velo Parts Ltd", "Velocity Wheels"]
    assert suggest("BK-PADS", SKUS) == ["BK-PADS-RIM", "BK-PADS-DISC"]


def test_a_word_inside_a_name_suggests_it() -> None:
    assert suggest("cycles", SUPPLIERS) == ["Acme Cycles"]


def test_a_typo_suggests_the_nearly_spelt_name() -> None:
    assert suggest("Brakewroks", SUPPLIERS) == ["Brakeworks"]
    assert suggest("BK-TUBE-70", SKUS)[0] == "BK-TUBE-700"


def test_a_typo_does_not_suggest_names_clearly_less_alike_than_the_best() -> None:
    assert suggest("bk-pads-disk", SKUS) == ["BK-PADS-DISC"]


def test_nothing_close_suggests_nothing() -> None:
    assert suggest("Shimano", SUPPLIERS) == []
    assert suggest("   ", SUPPLIERS) == []
    assert suggest("anything", []) == []


def test_at_most_three_names_are_suggested() -> None:
    assert len(suggest("BK", SKUS)) == 3


def test_a_choice_of_names_reads_as_a_sentence() -> None:
    assert either(["A"]) == "A"
    assert either(["A", "B"]) == "A or B"
    assert either(["A", "B", "C"]) == "A, B or C"


def test_did_you_mean_asks_only_when_a_name_is_close() -> None:
    assert did_you_mean("Velo Parts", SUPPLIERS) == " Did you mean Velo Parts Ltd?"
    assert did_you_mean("Shimano", SUPPLIERS) == ""
