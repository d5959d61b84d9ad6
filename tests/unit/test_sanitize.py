"""Model text cannot ping people, inject HTML, forge our marker or blow up the comment."""

from __future__ import annotations

import pytest

from reviewbot.output.sanitize import TRUNCATED, clean, clean_inline, clean_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ping @octocat now", "ping @\u200boctocat now"),
        ("cc @acme/security-team.", "cc @\u200bacme/security-team."),
        ("mail ops@example.com", "mail ops@example.com"),
        ("already `@octocat` quoted", "already `@octocat` quoted"),
    ],
)
def test_mentions_are_neutralised_but_emails_survive(text: str, expected: str) -> None:
    assert clean(text, 1000) == expected


@pytest.mark.parametrize(
    "text",
    [
        "<img src=x onerror=alert(1)>",
        "<details><summary>open me</summary>hidden</details>",
        "<!-- reviewbot:summary -->",
        "<script>alert(1)</script>",
        "<IMG SRC=x ONERROR='a>b'>",
    ],
)
def test_html_is_removed(text: str) -> None:
    out = clean(f"before {text} after", 1000)
    assert "<" not in out
    assert out.startswith("before") and out.endswith("after")


def test_unclosed_html_comment_hides_the_rest() -> None:
    assert clean("ok <!-- reviewbot:summary", 100) == "ok"


def test_lone_angle_brackets_stay_readable() -> None:
    assert clean("if a < b and List<String>", 100) == "if a &lt; b and List&lt;String>"


def test_code_is_kept_verbatim_except_html_looking_tags() -> None:
    text = "Use this:\n```python\nif a < b and x<y:\n    html = '<img src=1>'\n```\nand `a<b`."
    out = clean(text, 1000)
    assert "if a < b and x<y:" in out
    assert "`a<b`" in out
    assert "<img" not in out and "<\u200bimg src=1>" in out


def test_unclosed_fence_is_closed() -> None:
    out = clean("```\ncode @here\n", 1000)
    assert out.endswith("```") and out.count("```") == 2


def test_images_become_links() -> None:
    assert clean("![x](https://evil.example/p.png?d=secret)", 100).startswith("[x](")


def test_control_and_bidi_characters_are_stripped() -> None:
    assert clean("a\x00b\x1b[31mc\u202ed", 100) == "ab[31mcd"


def test_length_is_capped_with_a_visible_note() -> None:
    out = clean("word " * 10_000, 500)
    assert len(out) <= 500 and out.endswith(TRUNCATED)
    fenced = clean("```\n" + "line\n" * 1000 + "```", 200)
    assert len(fenced) <= 200 and fenced.count("```") == 2


def test_clean_inline_is_one_table_safe_line() -> None:
    assert clean_inline("a | b\n\nc @d", 100) == "a \\| b c @\u200bd"


def test_plain_text_for_other_tools_has_no_html_marker_or_mention_and_is_capped() -> None:
    text = clean_text("<!-- reviewbot:summary -->x <b>bold</b> @octocat List<int> \x07", 1000)
    assert text == "x <\u200bb>bold<\u200b/b> @\u200boctocat List<int>"
    long = clean_text("word " * 500, 100)
    assert len(long) <= 100 and long.endswith(TRUNCATED)
