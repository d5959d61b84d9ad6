"""The matching rule of ``reviewbot eval``: same path, nearby lines, one category family."""

from __future__ import annotations

import pytest

from reviewbot.eval.match import (
    FAMILIES,
    Label,
    Spot,
    categories_agree,
    category_family,
    match_case,
    matches,
)

SQLI = Label("app/db.py", 10, 10, "CWE-89")


def spot(
    line: int | None, *, path: str = "app/db.py", end: int | None = None, cat: str = ""
) -> Spot:
    return Spot(path, line, end, cat or "CWE-89 sql-injection")


# ---------------------------------------------------------------- category families


@pytest.mark.parametrize(
    "category",
    [
        "CWE-89",
        "cwe-89",
        "CWE_89",
        "CWE 89",
        "CWE-89 sql-injection",
        "CWE-89: SQL injection",
        "SQL Injection (CWE-89)",
        "sql-injection",
        "sqli",
        "SQLi",
        "CWE-564",  # SQL injection through Hibernate: a child of CWE-89
    ],
)
def test_every_way_of_writing_sql_injection_is_one_family(category: str) -> None:
    assert category_family(category) == {"sql-injection"}
    assert categories_agree("CWE-89", category)
    assert categories_agree("sql-injection", category)


@pytest.mark.parametrize(
    ("label", "finding"),
    [
        ("CWE-77", "CWE-78 os-command-injection"),  # command injection, parent and child
        ("CWE-77", "command-injection"),
        ("CWE-22", "path-traversal"),
        ("CWE-22", "directory-traversal"),
        ("CWE-79", "xss"),
        ("CWE-79", "cross-site-scripting"),
        ("CWE-1321", "prototype-pollution"),
        ("CWE-190", "integer-overflow"),
        ("CWE-522", "CWE-200 information-exposure"),
        ("CWE-522", "credential-leak"),
        ("CWE-798", "CWE-798 hardcoded-secret"),  # the secret scan's own category
        ("prompt-injection", "prompt-injection"),  # the injection check's
        ("missing-test", "Missing test"),  # a kind not in the table is its own family
        ("CWE-4242", "cwe-4242"),  # so is an id not in the table
    ],
)
def test_related_names_agree(label: str, finding: str) -> None:
    assert categories_agree(label, finding)


@pytest.mark.parametrize(
    ("label", "finding"),
    [
        ("CWE-89", "CWE-79 xss"),
        ("CWE-89", "xss"),
        ("CWE-79", "sql-injection"),
        ("CWE-22", "CWE-78"),
        ("CWE-190", "denial-of-service"),  # a consequence is not the weakness
        ("CWE-89", "security"),  # too vague to count
        ("CWE-89", ""),
        ("CWE-4242", "CWE-4243"),
        ("missing-test", "style"),
    ],
)
def test_different_families_disagree(label: str, finding: str) -> None:
    assert not categories_agree(label, finding)


def test_the_any_category_agrees_with_everything() -> None:
    assert categories_agree("*", "style")
    assert categories_agree(" * ", "")


def test_a_category_naming_two_families_belongs_to_both() -> None:
    assert category_family("CWE-89 xss") == {"sql-injection", "xss"}


def test_every_cwe_id_is_in_one_family_only() -> None:
    seen: dict[int, str] = {}
    for name, (ids, aliases) in FAMILIES.items():
        assert name == name.lower() and " " not in name
        for cwe in ids:
            assert cwe not in seen, f"CWE-{cwe} is in {seen.get(cwe)} and {name}"
            seen[cwe] = name
        for alias in aliases:
            assert category_family(alias) == {name}


# ---------------------------------------------------------------- lines and paths


def test_the_exact_line_matches() -> None:
    assert matches(SQLI, spot(10))


def test_a_finding_shifted_by_two_lines_matches() -> None:
    assert matches(SQLI, spot(12))
    assert matches(SQLI, spot(8))


def test_the_slack_is_the_limit() -> None:
    assert matches(SQLI, spot(13))  # default slack 3
    assert not matches(SQLI, spot(14))
    assert not matches(SQLI, spot(6))
    assert matches(SQLI, spot(14), slack=4)
    assert not matches(SQLI, spot(11), slack=0)
    assert matches(SQLI, spot(10), slack=0)


def test_ranges_overlap_or_come_near() -> None:
    wide = Label("app/db.py", 20, 30, "CWE-89")
    assert matches(wide, spot(25))
    assert matches(wide, spot(10, end=17))  # ends 3 lines before the label
    assert not matches(wide, spot(10, end=16))
    assert matches(wide, spot(33, end=40))
    assert matches(wide, spot(1, end=100))  # a range around the label
    assert matches(SQLI, spot(7, end=4))  # a backwards range counts as its first line: 7..7
    assert not matches(SQLI, spot(3, end=2))


def test_the_wrong_file_does_not_match() -> None:
    assert not matches(SQLI, spot(10, path="app/other.py"))
    assert not matches(SQLI, spot(10, path="db.py"))


def test_paths_are_compared_as_the_diff_names_them() -> None:
    assert matches(SQLI, spot(10, path="./app/db.py"))
    assert matches(Label("./app/db.py", 10, 10, "CWE-89"), spot(10))


def test_the_wrong_category_family_does_not_match() -> None:
    assert not matches(SQLI, spot(10, cat="CWE-79 xss"))


def test_a_file_level_finding_matches_no_labelled_line() -> None:
    assert not matches(SQLI, spot(None))


def test_a_case_is_matched_many_to_many() -> None:
    labels = [SQLI, Label("app/db.py", 40, 41, "CWE-89"), Label("app/web.py", 5, 5, "CWE-79")]
    spots = [
        spot(11),  # label 0
        spot(9),  # label 0 again: a second true positive, no second label
        spot(42),  # label 1
        spot(5, path="app/web.py", cat="sql-injection"),  # right place, wrong family
        spot(200),  # nowhere
    ]
    result = match_case(labels, spots)
    assert result.labels_found == (True, True, False)
    assert result.findings_matched == (True, True, True, False, False)
    assert (result.found, result.true_positives) == (2, 3)


def test_a_clean_case_has_nothing_to_find() -> None:
    result = match_case([], [spot(10)])
    assert result.labels_found == ()
    assert result.findings_matched == (False,)
    assert (result.found, result.true_positives) == (0, 0)
