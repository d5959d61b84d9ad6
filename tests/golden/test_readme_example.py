"""The README's rendered review is a real pipeline render, and the README shows it unchanged.

Regenerate after an intended change with ``REVIEWBOT_UPDATE_GOLDEN=1 pytest tests/golden``: it
rewrites ``examples/sql_injection.review.md`` and the README between its example markers only.
"""

from __future__ import annotations

import os
import re

from reviewbot.output.render import render_comment
from tests.golden.readme_example import GOLDEN, ROOT, sql_injection_review

README = ROOT / "README.md"
START, END = "<!-- readme-example:start -->", "<!-- readme-example:end -->"
INTRO = (
    "**A rendered review with keys**: the comment for `examples/sql_injection.diff`, produced by "
    "the real pipeline with scripted model replies in place of the vendors "
    "([`tests/golden/readme_example.py`](tests/golden/readme_example.py)); the tests keep it "
    "identical to [`examples/sql_injection.review.md`](examples/sql_injection.review.md)."
)
SUMMARY = "The comment: findings, a fallback hop, tokens, cost against Opus, timeline"


def readme_block(golden: str) -> str:
    """What the README holds between its markers for ``golden``."""
    return f"{INTRO}\n\n<details><summary>{SUMMARY}</summary>\n\n{golden}\n</details>\n"


def _update() -> bool:
    return os.environ.get("REVIEWBOT_UPDATE_GOLDEN") == "1"


def test_sql_injection_example_review_matches_its_golden() -> None:
    text = render_comment(sql_injection_review())
    if _update():
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    # What the scripts are there to show: the injection found, one fallback hop, a saving.
    assert "SQL injection through order_id" in text and "`shop/payments.py:20-22`" in text
    assert "`anthropic:claude-opus-4-7` ✗ overloaded → `anthropic:claude-sonnet-4-6`" in text
    assert re.search(r"\d+% less than `anthropic:claude-opus-4-7` alone", text)


def test_readme_shows_the_example_review_exactly() -> None:
    readme = README.read_text(encoding="utf-8")
    assert readme.count(START) == 1 and readme.count(END) == 1
    head, rest = readme.split(START)
    excerpt, tail = rest.split(END)
    expected = "\n" + readme_block(GOLDEN.read_text(encoding="utf-8"))
    if _update() and excerpt != expected:
        README.write_text(head + START + expected + END + tail, encoding="utf-8")
        excerpt = expected
    assert excerpt == expected, "README example differs from examples/sql_injection.review.md"
