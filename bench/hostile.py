"""Hostile text for the deterministic checks: the inputs that make a backtracking regex slow.

A regex that backtracks badly is slow on long runs of the characters its quantifiers fight
over: a separator that is also a word character (``_`` in ``\\w`` and in ``[\\s_-]``), a run
that two adjacent ``\\s*`` can share, a trigger word followed by thousands of such characters,
and a last character that makes the whole attempt fail after all. A ``Family`` is one such
shape (``prefix + unit * n + suffix``); :func:`families` derives them from a pattern's own
source (its literal words and characters), and :func:`megabyte_lines` are generic 1 MB lines.

Used by ``python -m bench.checks`` and by ``tests/hardening/test_redteam_redos.py``.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

# Characters that regexes in this project treat specially, plus a letter, a capital and a digit.
ALPHABET = " \t\n-_*`'\"/\\.,:;=+@#<>()[]{}!?&%$~|^aA0"
# Ends an attempt: in no character class a project regex uses, so a match must fail there.
FAIL = "\x01"
_WORDS = re.compile(r"[A-Za-z]{2,}")
_ESCAPES = re.compile(r"\\[A-Za-z]")
_CLASSES = re.compile(r"\[(?:\\.|[^\]\\])*\]")  # [...] is a set, not a literal
_PUNCTUATION = re.compile(r"(?:\\[^\w\s]|[<>!:/@#%&=~,;'\"`-])+")
_UNESCAPE = re.compile(r"\\([^\w\s])")
_MAX_WORDS = 10
_MAX_CHARS = 14


@dataclass(frozen=True, slots=True)
class Family:
    """``prefix + unit * n + suffix``: one shape of hostile input, at any size."""

    prefix: str
    unit: str
    suffix: str = FAIL

    def at(self, size: int) -> str:
        """This shape with about ``size`` characters."""
        return self.prefix + self.unit * max(1, size // len(self.unit)) + self.suffix

    def describe(self) -> str:
        """A short printable name of the shape."""
        return f"{self.prefix!r} + {self.unit!r} * n + {self.suffix!r}"


def pattern_words(source: str) -> list[str]:
    """The literal words of a regex source (``reveal``, ``keys``...), lower case, a few."""
    plain = _ESCAPES.sub(" ", source)  # "\\bdo" is the word "do", not "bdo"
    words = dict.fromkeys(w.lower() for w in _WORDS.findall(plain))
    return list(words)[:_MAX_WORDS]


def pattern_tokens(source: str) -> list[str]:
    """Literal punctuation of two or more characters in a regex source (``](``, ``<!--``)."""
    outside_classes = _CLASSES.sub(" ", source)
    tokens = (_UNESCAPE.sub(r"\1", t) for t in _PUNCTUATION.findall(outside_classes))
    return list(dict.fromkeys(t for t in tokens if len(t) >= 2))[:_MAX_WORDS]


def pattern_chars(source: str) -> list[str]:
    """The special characters a regex source names, plus a space, a letter and a digit."""
    named = [ch for ch in ALPHABET if ch in source]
    return list(dict.fromkeys([" ", "a", "0", "_", "-", *named]))[:_MAX_CHARS]


def families(source: str) -> Iterator[Family]:
    """Hostile shapes for the regex ``source``: separator runs and trigger-word families.

    - every character of :data:`ALPHABET` repeated, and every pair of the characters the
      pattern names (``a_a_a_…``, ``- - - …``), each ending in :data:`FAIL`;
    - each literal word or punctuation of the pattern followed by such runs
      (``reveal a_a_a_…``, ``](      …``), and repeated with a separator
      (``reveal_reveal_…``, ``keys keys …``).
    """
    chars = pattern_chars(source)
    words = pattern_words(source) + pattern_tokens(source)
    for ch in ALPHABET:
        yield Family("", ch)
        yield Family("", ch, "")
    for first in chars:
        for second in chars:
            if first != second:
                yield Family("", first + second)
    for word in words:
        for ch in chars:
            yield Family(word, ch)
            yield Family(word + ch, "a" + ch)
            yield Family(word + ch, ch + "a")
            yield Family("", word + ch)
        for other in words[:4]:
            for ch in (" ", "_", "-"):
                yield Family(word + ch, other + ch)


@cache
def megabyte_lines(size: int = 1 << 20, seed: int = 7) -> dict[str, str]:
    """Generic lines of ``size`` characters: one letter, blanks, base64, printable noise, code."""
    rng = random.Random(seed)
    b64 = string.ascii_letters + string.digits + "+/"
    printable = string.printable.replace("\n", "").replace("\r", "")
    return {
        "letters": "a" * size,
        "blanks": " " * size,
        "base64": "".join(rng.choices(b64, k=size)),
        "printable": "".join(rng.choices(printable, k=size)),
        "code": ('token = get("key_name", secret_value) or "x" * 3; ' * (size // 50 + 1))[:size],
        "markdown": ("**`@user` [a](b) <!-- x --> ![i](j) ```\n" * (size // 40 + 1))[:size],
    }
