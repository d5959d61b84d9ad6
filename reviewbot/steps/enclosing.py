"""Find the function or class around a changed line: Python's ``ast``, else braces or indentation.

Three finders, chosen by the file's extension:

- Python (``.py``, ``.pyi``): the standard library's parser; the innermost ``def``, ``async
  def`` or ``class`` holding the line, decorators included. A file that does not parse (the
  new file is mid-refactor, or Python 2) falls back to indentation.
- Brace languages (JavaScript, TypeScript, Java, Go, C and friends, Rust, C#, Kotlin, Swift,
  PHP, Scala, Dart): a small lexer that skips strings, template literals and comments, matches
  ``{`` with ``}``, and keeps the innermost block whose header reads as a declaration
  (``function``, ``class``, a method ``name(…) {``, an arrow function, ``func``, ``fn``…), not
  a control statement (``if (…) {``).
- Anything else: indentation; a line like ``def``/``function``/``class`` above the changed line
  with less indentation opens the region, which runs until the indentation comes back.

No compiled grammar is needed, so the container stays pure Python. A region longer than
:data:`MAX_REGION_LINES` is not used (a 3,000-line class would swamp the prompt); the changed
line is then shown with its hunk alone.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

MAX_REGION_LINES = 400

Region = tuple[int, int]  # first and last line, 1-based, inclusive

_PYTHON = frozenset({".py", ".pyi"})
_BRACES = frozenset(
    {
        ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".java", ".go", ".c",
        ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".cs", ".rs", ".swift", ".kt", ".kts",
        ".scala", ".php", ".dart", ".groovy", ".vue", ".svelte",
    }
)  # fmt: skip
# Languages whose blocks show by indentation and a keyword (``def``, ``function``, ``sub``…).
_INDENTED = frozenset(
    {".rb", ".ex", ".exs", ".lua", ".pl", ".pm", ".jl", ".cr", ".nim", ".coffee", ".sh", ".bash"}
)
_CONTROL = re.compile(
    r"^\s*(\}\s*)?(if|else|for|foreach|while|do|switch|case|default|try|catch|finally|with|"
    r"return|throw|synchronized|using|lock|unsafe|loop|match|select|defer|go)\b"
)
_DECLARATION = re.compile(
    r"\b(function|class|interface|enum|struct|impl|trait|object|namespace|module|func|fn|def|"
    r"constructor|record)\b"
)
_INDENT_HEADER = re.compile(
    r"^\s*(async\s+)?(def|class|function|fn|func|sub|proc|module|defp?|procedure)\b"
)


def has_finder(path: str) -> bool:
    """Whether functions can be found in ``path`` (so reading it for ``function`` pays)."""
    return PurePosixPath(path).suffix.lower() in _PYTHON | _BRACES | _INDENTED


def enclosing_regions(path: str, text: str, lines: Iterable[int]) -> list[Region]:
    """The regions (functions or classes) that hold ``lines`` in the new file ``text``.

    Args:
        path: The file's path; its extension picks the finder.
        text: The whole new file.
        lines: 1-based new-file line numbers of the change.

    Returns:
        Distinct regions, sorted; a line outside any function or class adds none.
    """
    wanted = sorted(set(lines))
    if not wanted or not text:
        return []
    suffix = PurePosixPath(path).suffix.lower()
    source = text.split("\n")
    regions: list[Region] | None = None
    if suffix in _PYTHON:
        regions = _python(text, wanted)
    elif suffix in _BRACES:
        regions = _braces(source, wanted)
    if regions is None:
        regions = _indentation(source, wanted)
    return sorted({r for r in regions if r[1] - r[0] + 1 <= MAX_REGION_LINES})


# ---------------------------------------------------------------- Python


def _python(text: str, wanted: Sequence[int]) -> list[Region] | None:
    """Innermost ``def``/``class`` per line, from the real parser; None when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    spans: list[Region] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans.append((start, node.end_lineno or node.lineno))
    return _innermost(spans, wanted)


def _innermost(spans: Sequence[Region], wanted: Sequence[int]) -> list[Region]:
    """For each line, the shortest span holding it (nested spans are always shorter).

    Spans are painted longest first over the lines they hold, so each line ends up with its
    innermost span: linear in the lines times the nesting depth, whatever the number of lines
    asked about.
    """
    if not spans:
        return []
    last = max(end for _, end in spans)
    inner: list[Region | None] = [None] * (last + 2)
    for span in sorted(spans, key=lambda s: s[0] - s[1]):
        first, end = span
        inner[first : end + 1] = [span] * (end - first + 1)
    return [r for line in wanted if 0 < line <= last and (r := inner[line]) is not None]


# ---------------------------------------------------------------- braces


def _braces(source: Sequence[str], wanted: Sequence[int]) -> list[Region] | None:
    """Innermost declaration block per line; None when the braces do not balance."""
    blocks = _blocks(source)
    if blocks is None:
        return None
    spans = [
        (start, end)
        for start, open_line, end in blocks
        if _is_declaration(_header(source, start, open_line))
    ]
    return _innermost(spans, wanted)


def _header(source: Sequence[str], start: int, open_line: int) -> str:
    """A block's header text, bounded: at most 5 lines of 400 characters (minified code)."""
    return " ".join(line[:400] for line in source[start - 1 : open_line][-5:])


def _is_declaration(header: str) -> bool:
    """Whether a block's header declares something (not ``if (…) {`` or a bare callback).

    Plain string checks, no backtracking regex: a minified line can be a megabyte long.
    """
    header = header.strip()
    if not header or _CONTROL.match(header):
        return False
    if _DECLARATION.search(header):
        return True
    tail = header.rstrip("{ \t")
    if "=>" in tail:
        return _named_arrow(tail)
    if tail.endswith(")"):  # a method: ``name(args) {``
        return True
    if ")" not in tail:
        return False
    after = tail[tail.rfind(")") + 1 :].strip()  # a return type or a throws clause
    return after.startswith((":", "->", "throws")) and not any(c in after for c in "(;=")


def _named_arrow(header: str) -> bool:
    """An arrow function with a name (``x = (a) =>``, ``key: (a) =>``), not a callback."""
    depth = 0
    for ch in header[: header.find("=>")]:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch in "=:" and depth == 0:
            return True
    return False


def _blocks(source: Sequence[str]) -> list[tuple[int, int, int]] | None:
    """Every ``{…}`` block as (header start line, ``{`` line, ``}`` line), 1-based.

    The header starts on the ``{`` line, or earlier while a ``)`` there closes a ``(`` of an
    earlier line (a signature over several lines), or on the line before a lone ``{``.
    Strings, template literals and comments are skipped; a regex literal is not recognised (a
    brace in one is rare).
    """
    stack: list[int] = []
    blocks: list[tuple[int, int, int]] = []
    parens = [0] * (len(source) + 1)  # per line: ``(`` minus ``)`` in code
    quote: str | None = None
    block_comment = False
    for number, line in enumerate(source, start=1):
        i = 0
        while i < len(line):
            ch = line[i]
            if block_comment:
                if line.startswith("*/", i):
                    block_comment = False
                    i += 1
            elif quote is not None:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = None
            elif line.startswith("//", i) or (ch == "#" and not line[:i].strip()):
                break
            elif line.startswith("/*", i):
                block_comment = True
                i += 1
            elif ch in "\"'`":
                quote = ch
            elif ch in "()":
                parens[number] += 1 if ch == "(" else -1
            elif ch == "{":
                stack.append(number)
            elif ch == "}":
                if not stack:
                    return None
                open_line = stack.pop()
                blocks.append((_header_start(source, parens, open_line), open_line, number))
            i += 1
        if quote in ("'", '"'):
            quote = None  # an unclosed one-line string: do not let it swallow the file
    return blocks if not stack else None


def _header_start(source: Sequence[str], parens: Sequence[int], open_line: int) -> int:
    start = open_line
    if source[start - 1].strip().startswith("{") and start > 1:
        start -= 1
    depth = parens[start]
    while depth < 0 and start > 1:
        start -= 1
        depth += parens[start]
    return start


# ---------------------------------------------------------------- indentation


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _indentation(source: Sequence[str], wanted: Sequence[int]) -> list[Region]:
    """Per line, the nearest header above it with less indentation, to where the indent returns.

    One pass keeps a stack of the headers still open at each line, so the cost is linear in
    the file whatever the number of changed lines.
    """
    spans: list[Region] = []
    stack: list[tuple[int, int]] = []  # (indent, header line) of the open headers
    for number, text in enumerate(source, start=1):
        if not text.strip():
            continue
        depth = _indent(text)
        closing = text.strip() in _CLOSERS
        while stack and depth <= stack[-1][0]:
            indent, header = stack.pop()
            end = number if closing and depth == indent else _last_code(source, number)
            spans.append((header, end))
            closing = closing and depth != indent
        if _INDENT_HEADER.match(text):
            stack.append((depth, number))
    while stack:
        _, header = stack.pop()
        spans.append((header, _last_code(source, len(source) + 1)))
    return _innermost(spans, wanted)


_CLOSERS = frozenset({"end", "}", "};", "fi", "done", "esac"})


def _last_code(source: Sequence[str], before: int) -> int:
    """The last non-blank line before line ``before``."""
    line = before - 1
    while line > 1 and not source[line - 1].strip():
        line -= 1
    return line
