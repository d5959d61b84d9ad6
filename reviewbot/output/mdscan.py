"""Where GitHub's markdown has code (fences, code spans) and link texts, read conservatively.

The sanitiser leaves code alone and neutralises prose. A mistake in one direction (prose taken
for code) would leave a live mention in the comment, so every answer here errs the other way:
a fence or a code span is reported as *trusted* only when CommonMark (GFM) is sure to see it
the same way whatever block it sits in, and everything else is treated as prose.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_FENCE_OPEN = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)")
# A fence line inside a block quote or a list item.
_NESTED_FENCE = re.compile(r"[ \t]*(?:(?:>|[-+*][ \t]|\d{1,9}[.)][ \t])[ \t]*)+(?:`{3,}|~{3,})")
_ZWSP = "\u200b"
_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")
_TICKS = re.compile(r"`+")
# A backslash escape (an ASCII punctuation character after a backslash) or a backtick run.
_ESCAPE_OR_TICKS = re.compile(r"\\[!-/:-@\[-`{-~]|`+")
# A backslash escape, a bracket or a paragraph break (backtick runs only matter as code spans).
_BRACKETS = re.compile(r"\\[!-/:-@\[-`{-~]|\[|\]|\n[ \t]*\n")


def split_fences(text: str) -> list[tuple[bool, str]]:
    """Split markdown into ``(is_code, chunk)``; an unclosed fence is closed at the end.

    A fence counts as code only when GitHub surely sees the same block: its opening line starts
    with at most three spaces and, for a backtick fence, has no backtick in its info string;
    when that line is indented, every line up to the closing fence (that one included) is
    indented as much, and no fence line inside a quote or a list item came before it (it may
    be the end of that fence, or belong to a list item that ends inside it).
    Any other indented fence line gets an invisible space before its backticks, so that GitHub
    does not see a fence there either, and its lines are prose.

    Args:
        text: Markdown with ``\\n`` line ends.

    Returns:
        Chunks in order; joined, they give ``text`` back, plus the closing fence of an unclosed
        block and the invisible spaces of defused fence lines.
    """
    lines = text.split("\n")
    parts: list[tuple[bool, str]] = []
    prose: list[str] = []
    nested_fence_seen = False
    i = 0
    while i < len(lines):
        line = lines[i]
        opening = _FENCE_OPEN.match(line)
        if opening is None or (opening.group(2)[0] == "`" and "`" in opening.group(3)):
            nested_fence_seen = nested_fence_seen or bool(_NESTED_FENCE.match(line))
            prose.append(line)
            i += 1
            continue
        indent, fence = len(opening.group(1)), opening.group(2)
        closer = re.compile(rf"( {{0,3}}){re.escape(fence[0])}{{{len(fence)},}}[ \t]*")
        end = next((k for k in range(i + 1, len(lines)) if closer.fullmatch(lines[k])), None)
        body = lines[i + 1 : end if end is not None else len(lines)]
        if indent and (nested_fence_seen or not _stays_indented(body, end, lines, indent)):
            prose.append(line[:indent] + _ZWSP + line[indent:])  # not a fence, for anyone
            i += 1
            continue
        parts.append((False, "\n".join([*prose, ""])))
        prose = []
        if end is None:
            # closed as indented as it was opened: inside a list item too, it closes there
            closing = " " * indent + fence
            parts.append((True, "\n".join(lines[i:]).rstrip("\n") + "\n" + closing))
            return _joined(parts, None)
        parts.append((True, "\n".join(lines[i : end + 1])))
        i = end + 1
        prose = [""] if i < len(lines) else []
    return _joined(parts, "\n".join(prose) if prose else None)


def _joined(parts: list[tuple[bool, str]], tail: str | None) -> list[tuple[bool, str]]:
    if tail is not None:
        parts.append((False, tail))
    return [(is_code, chunk) for is_code, chunk in parts if chunk or not is_code] or [(False, "")]


def _stays_indented(body: list[str], end: int | None, lines: list[str], indent: int) -> bool:
    margin = " " * indent
    if end is not None and not lines[end].startswith(margin):
        return False
    return all(line.startswith(margin) for line in body if line.strip())


@dataclass(frozen=True, slots=True)
class Span:
    """An inline code span: ``text[start:end]``, delimited by ``ticks`` backticks each side.

    ``trusted`` means GitHub surely renders it as code: it sits on one line, that line has no
    ``|`` (a table row splits cells before it looks for code), and before it in the same
    paragraph no code span crossed a line (a block boundary could change how backticks pair)
    and no backtick run was left unpaired (cmark's scan cache could then miss its closing run).
    """

    start: int
    end: int
    ticks: int
    trusted: bool


def code_spans(text: str) -> list[Span]:
    """The inline code spans of a markdown chunk that has no fenced code block.

    Backtick runs pair as in CommonMark: a run opens a span closed by the next run of the same
    length in the same paragraph; a run preceded by a backslash escape is literal.

    The work is linear: the runs and escapes are found in one pass over the whole chunk (none
    spans a paragraph break), and the line of each span is found from the previous one.

    Args:
        text: A prose chunk from :func:`split_fences`.

    Returns:
        The spans in order, each with whether it is trusted.
    """
    if "`" not in text:
        return []
    runs: dict[int, list[int]] = {}  # run length -> where each run of that length starts
    for m in _TICKS.finditer(text):
        runs.setdefault(m.end() - m.start(), []).append(m.start())
    spans: list[Span] = []
    para_end = -1  # where the paragraph of the current run ends (a blank line or the end)
    single_lines = all_paired = True
    resume = 0
    line_start = 0  # the start of the line of the last position looked at
    looked = 0
    line_end = -1  # the end of the line after the last span (cached: spans only move on)
    pipe_line: tuple[int, int] | None = None
    pipe_free = True
    for m in _ESCAPE_OR_TICKS.finditer(text):
        start = m.start()
        if start >= para_end:  # a new paragraph: its state starts afresh
            blank = _BLANK_LINE.search(text, start)
            para_end = blank.start() if blank else len(text)
            single_lines = all_paired = True
            resume = start
        if start < resume or text[start] == "\\":
            continue
        ticks = m.end() - start
        after = runs.get(ticks, [])  # a run after an escape may be shorter than any run
        k = bisect.bisect_left(after, m.end())
        if k == len(after) or after[k] >= para_end:
            all_paired = False  # no closing run: literal backticks
            continue
        span_end = after[k] + ticks
        one_line = text.find("\n", start, span_end) == -1
        trusted = single_lines and all_paired and one_line
        if trusted:
            found = text.rfind("\n", looked, start)
            if found != -1:
                line_start = found + 1
            looked = start
            if span_end > line_end:
                found = text.find("\n", span_end)
                line_end = found if found != -1 else len(text)
            if pipe_line != (line_start, line_end):
                pipe_line = (line_start, line_end)
                pipe_free = text.find("|", line_start, line_end) == -1
            trusted = pipe_free
        spans.append(Span(start, span_end, ticks, trusted))
        single_lines = single_lines and one_line
        resume = span_end
    return spans


def link_text_ends(text: str, spans: list[Span]) -> dict[int, int]:
    """Where each link text of a prose chunk may end: the ``[`` index to its ``]`` index.

    Brackets nest and a backslash escapes one; a paragraph break ends every open bracket; a
    code span hides the brackets in it. Each ``[`` gets the later of the two ends found with
    and without the code spans, so that the text checked is never shorter than what GitHub
    shows as the link's text.

    Args:
        text: A prose chunk.
        spans: The chunk's :func:`code_spans`.

    Returns:
        ``{index of "[": index of its "]"}`` for every ``[`` that has one.
    """
    with_spans = _bracket_pairs(text, spans)
    if not spans:
        return with_spans  # the same pairs either way
    for opening, closing in _bracket_pairs(text, []).items():
        with_spans[opening] = max(closing, with_spans.get(opening, closing))
    return with_spans


def _bracket_pairs(text: str, spans: list[Span]) -> dict[int, int]:
    if "[" not in text or "]" not in text:
        return {}
    pairs: dict[int, int] = {}
    stack: list[int] = []
    k = 0  # the first span that does not end before the token
    for m in _BRACKETS.finditer(text):
        at = m.start()
        while k < len(spans) and spans[k].end <= at:
            k += 1
        if k < len(spans) and spans[k].start <= at:
            continue  # inside a code span
        token = m.group()
        if token == "[":
            stack.append(at)
        elif token == "]":
            if stack:
                pairs[stack.pop()] = at
        elif token[0] == "\n":
            stack.clear()  # a paragraph break
    return pairs
