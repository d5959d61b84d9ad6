"""The fakes' tokenizer counts what OpenAI's tiktoken counts, so billed tokens are real ones.

Each count below was printed by ``tiktoken`` 0.14.0 (``encode_ordinary``) with the o200k_base
encoding built from the same data file; the corpus check when the tokenizer was written (687
texts, 1.08 million characters: this repository's code, diffs, random Unicode up to U+2FFFF,
digit tables, CJK, base64, emoji) found no difference either.
"""

from __future__ import annotations

import pytest

from tests.fakeserver.o200k import count_tokens

# (text, tokens according to tiktoken 0.14.0)
TIKTOKEN_COUNTS: list[tuple[str, int]] = [
    ("hello world", 2),
    ("Hello, World! It's 2026; we're ready—aren't we?", 16),
    ("  leading spaces\n\n\ttabs\r\nand CRLF  \n", 11),
    ('def check_token(token: str) -> bool:\n    return claims.get("aud") == AUDIENCE\n', 22),
    ("|3|1|4|1|5|9|2|6|5|3|5|8|9|7|9|3|", 33),
    ("1234567890 12 345 6789012", 12),
    ("中文字符测试，你好世界。日本語のテキスト、한국어 텍스트", 19),
    ("㐀㐁㐂㐃㐄㐅㐆㐇㐈㐉", 30),
    ("😀🎉👍🏽🇫🇷❤️\u200d🔥🫠\U0001fabf", 19),
    ("aGVsbG8gd29ybGQ=+/QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", 33),
    ("AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 31),
    ("<|endoftext|> is read as text", 11),
    ("\x1c\x1d\x1e\x1f mixed \x85\xa0\u2028 separators", 10),
    ("ÀÉÎÕÜ àéîõü ŁŚŻ łśż Ωμέγα Привет мир", 22),
    ("I'LL DO IT'S THEY'RE we'Ve", 12),
    ("   \n   \n", 2),
    ("x" * 1000, 125),
    ("https://example.com/a/b?c=d&e=f#g", 12),
]


@pytest.mark.parametrize(("text", "expected"), TIKTOKEN_COUNTS)
def test_counts_match_tiktoken(text: str, expected: int) -> None:
    assert count_tokens(text) == expected


def test_every_token_is_at_least_one_byte() -> None:
    # the property the budget's bound rests on (one token per byte at most)
    for text, _ in TIKTOKEN_COUNTS:
        assert count_tokens(text) <= len(text.encode("utf-8"))
