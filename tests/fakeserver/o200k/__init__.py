"""Count tokens exactly as OpenAI's ``o200k_base`` encoding does, offline, in pure Python.

The fake vendors bill with it, so a budget test sees the token counts a real vendor would
bill for dense text (digit tables, CJK, base64, emoji), not an estimate. It is tiktoken's
algorithm on tiktoken's own data (``o200k_base.json.gz``, see ``LICENSE``): the text is split
by the encoding's pre-tokenization pattern, then each piece is merged byte pair by byte pair,
lowest rank first. The pattern's ``\\p{...}`` classes, which Python's ``re`` lacks, are
spelled out from ``unicodedata``, and ``\\s`` as Unicode's White_Space (tiktoken's regex
engine), since Python's ``\\s`` also takes ``\\x1c``-``\\x1f``. ``test_o200k.py`` checks the
counts against ones the real ``tiktoken`` 0.14 printed.
"""

from __future__ import annotations

import base64
import gzip
import heapq
import json
import re
import sys
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("o200k_base.json.gz")
# Unicode's White_Space property (what \s means to tiktoken's regex engine).
_WHITE_SPACE = (
    "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
_CATEGORIES = ("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No")


@cache
def _category_ranges() -> dict[str, str]:
    """For each general category, its code points as a character-class body (``a-zà-ö…``)."""
    ranges: dict[str, list[tuple[int, int]]] = {c: [] for c in _CATEGORIES}
    for code in range(sys.maxunicode + 1):
        spans = ranges.get(unicodedata.category(chr(code)))
        if spans is None:
            continue
        if spans and spans[-1][1] == code - 1:
            spans[-1] = (spans[-1][0], code)
        else:
            spans.append((code, code))
    return {
        c: "".join(
            re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
            for lo, hi in spans
        )
        for c, spans in ranges.items()
    }


def _python_pattern(pattern: str) -> str:
    """Translate the encoding's pattern (Rust ``fancy-regex``) into Python ``re`` syntax."""
    cats = _category_ranges()
    groups = {
        "L": cats["Lu"] + cats["Ll"] + cats["Lt"] + cats["Lm"] + cats["Lo"],
        "M": cats["Mn"] + cats["Mc"] + cats["Me"],
        "N": cats["Nd"] + cats["Nl"] + cats["No"],
        **cats,
    }
    pattern = pattern.replace("\\p{N}{1,3}", "[\\p{N}]{1,3}")  # the one class outside [...]
    pattern = pattern.replace("(?!\\S)", f"(?![^{_WHITE_SPACE}])")
    pattern = pattern.replace("\\s+", f"[{_WHITE_SPACE}]+").replace("\\s*", f"[{_WHITE_SPACE}]*")
    pattern = pattern.replace("[^\\s", f"[^{_WHITE_SPACE}")
    return re.sub(r"\\p\{(\w+)\}", lambda m: groups[m.group(1)], pattern)


@cache
def _encoding() -> tuple[dict[bytes, int], re.Pattern[str]]:
    data = json.loads(gzip.decompress(DATA.read_bytes()))
    ranks: dict[bytes, int] = {}
    for line in data["bpe_ranks"].split("\n"):
        if not line:
            continue
        _, offset, *tokens = line.split(" ")
        for i, token in enumerate(tokens):
            ranks[base64.b64decode(token)] = int(offset) + i
    return ranks, re.compile(_python_pattern(data["pat_str"]))


@lru_cache(maxsize=1 << 16)
def _piece_tokens(piece: bytes) -> int:
    """How many tokens one pre-tokenized piece becomes (tiktoken's byte-pair merge).

    The adjacent pair of lowest rank is merged first (the leftmost on a tie), as tiktoken
    does; a heap keeps that linear-logarithmic on long pieces such as a run of CJK text.
    """
    ranks, _ = _encoding()
    n = len(piece)
    if n <= 1 or piece in ranks:
        return 1
    nxt = list(range(1, n + 1))  # start of the next part; n past the last one
    prv = list(range(-1, n - 1))
    alive = [True] * n
    heap = [(rank, i) for i in range(n - 1) if (rank := ranks.get(piece[i : i + 2])) is not None]
    heapq.heapify(heap)
    count = n
    while heap:
        rank, i = heapq.heappop(heap)
        if not alive[i] or nxt[i] >= n:
            continue
        j = nxt[i]
        if ranks.get(piece[i : nxt[j]]) != rank:
            continue  # stale: one of the two parts has grown since this pair was pushed
        alive[j] = False
        nxt[i] = nxt[j]
        if nxt[i] < n:
            prv[nxt[i]] = i
        count -= 1
        before = prv[i]
        if before >= 0 and (r := ranks.get(piece[before : nxt[i]])) is not None:
            heapq.heappush(heap, (r, before))
        if nxt[i] < n and (r := ranks.get(piece[i : nxt[nxt[i]]])) is not None:
            heapq.heappush(heap, (r, i))
    return count


def count_tokens(text: str) -> int:
    """The number of ``o200k_base`` tokens of ``text`` (special tokens read as plain text)."""
    _, pattern = _encoding()
    return sum(
        _piece_tokens(m.group().encode("utf-8", "surrogatepass")) for m in pattern.finditer(text)
    )
