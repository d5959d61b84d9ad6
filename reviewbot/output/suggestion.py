"""Whether a finding's suggestion may be a GitHub suggestion block (a "Commit suggestion" button).

A suggestion block replaces exactly the lines its review comment spans, so it is offered only
when committing it would do what the finding says: the suggestion replaces the cited range
(every line commentable, in one hunk, without repeating the lines around it), keeps the file's
indentation, and still parses where a parser is at hand and the replaced lines parse on their
own (Python, JSON, YAML, TOML). Only the diff is known here, not the whole new file, so the
parse check is of the replaced block against the suggested one, each dedented. Anything else
is shown as a plain code block ("Possible fix").
"""

from __future__ import annotations

import ast
import json
import textwrap
import tomllib
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

import yaml

from reviewbot.domain import FileDiff, Finding
from reviewbot.output.sanitize import defuse_code

_MAX_CHARS = 6000  # longer suggestions are shown cut, so never as a block that commits them


def _lead(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _new_side(file: FileDiff, line: int) -> dict[int, str] | None:
    """The new-file text of the hunk holding ``line``, by line number."""
    for hunk in file.hunks:
        if line in hunk.right_lines:
            return {ln.new_no: ln.text for ln in hunk.lines if ln.kind != "-" and ln.new_no}
    return None


def why_not(finding: Finding, file: FileDiff) -> str | None:
    """Why ``finding.suggestion`` cannot be a suggestion block, or None when it can.

    Args:
        finding: An anchored finding with a suggestion.
        file: The file it is on.

    Returns:
        A short reason ("the cited range is not in one hunk", "indentation differs: …", "does
        not parse as Python"), or None.
    """
    text = finding.suggestion
    if text is None or not text.strip() or finding.line is None:
        return "no suggestion on a line"
    if len(text) > _MAX_CHARS or defuse_code(text) != text or "\r" in text:
        return "the text cannot be shown exactly as it would be committed"
    start, end = finding.line, finding.end_line or finding.line
    hunk = _new_side(file, start)
    if hunk is None or end < start or any(n not in hunk for n in range(start, end + 1)):
        return "the cited range is not one run of commentable lines in one hunk"
    replaced = [hunk[n] for n in range(start, end + 1)]
    suggested = text.strip("\n").split("\n")
    before, after = hunk.get(start - 1), hunk.get(end + 1)
    if before is not None and before.strip() and suggested[0] == before != replaced[0]:
        return "it repeats the line above the cited range"
    if after is not None and after.strip() and suggested[-1] == after != replaced[-1]:
        return "it repeats the line below the cited range"
    indent = _indentation(replaced, suggested, hunk.values())
    if indent:
        return indent
    return _parse_problem(file.path, replaced, suggested)


def _indentation(replaced: list[str], suggested: list[str], hunk: Iterable[str]) -> str:
    """Why the suggestion's indentation does not fit the file's, or ''."""
    if _lead(suggested[0]) != _lead(replaced[0]):
        return (
            f"its first line is indented {_lead(suggested[0])!r}, "
            f"the line it replaces {_lead(replaced[0])!r}"
        )
    used = {c for line in hunk for c in _lead(line)}  # what the file's own lines indent with
    for line in suggested:
        chars = set(_lead(line))
        if len(chars) > 1 and len(used) < 2:
            return "it mixes tabs and spaces in one indentation"
        if used and not chars <= used:
            return "it indents with tabs where the file uses spaces (or the other way round)"
    return ""


def _python(text: str) -> bool:
    try:
        ast.parse(text, "<suggestion>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _python_forms(block: list[str]) -> list[str]:
    """The block dedented, and the ways a fragment of a suite can be made a whole one."""
    text = textwrap.dedent("\n".join(block))
    first = text.lstrip().split(None, 1)[0] if text.strip() else ""
    last = text.rstrip().split("\n")[-1]
    forms = [text, f"{text}\n{_lead(last)}    pass"]
    if first.rstrip(":") in ("elif", "else"):
        forms += [f"if x:\n    pass\n{form}" for form in list(forms)]
    if first.rstrip(":") in ("except", "finally"):
        forms += [f"try:\n    pass\n{form}" for form in list(forms)]
    return forms


def _json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _json_forms(block: list[str]) -> list[str]:
    text = "\n".join(block).strip().rstrip(",")
    return [text, "{" + text + "}", "[" + text + "]"]


def _yaml(text: str) -> bool:
    try:
        yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return False
    return True


def _toml(text: str) -> bool:
    try:
        tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return False
    return True


def _dedented(block: list[str]) -> list[str]:
    return [textwrap.dedent("\n".join(block))]


_PARSERS: dict[str, tuple[str, Callable[[str], bool], Callable[[list[str]], list[str]]]] = {
    ".py": ("Python", _python, _python_forms),
    ".pyi": ("Python", _python, _python_forms),
    ".json": ("JSON", _json, _json_forms),
    ".yml": ("YAML", _yaml, _dedented),
    ".yaml": ("YAML", _yaml, _dedented),
    ".toml": ("TOML", _toml, _dedented),
}


def _parse_problem(path: str, replaced: list[str], suggested: list[str]) -> str | None:
    """Why the suggested block does not parse where the replaced one does, or None.

    When the replaced lines do not parse on their own in any form (a fragment of a larger
    expression), the check cannot say anything and passes: range and indentation decide.
    """
    parser = _PARSERS.get(PurePosixPath(path).suffix.lower())
    if parser is None:
        return None
    language, parses, forms = parser
    if not any(parses(form) for form in forms(replaced)):
        return None
    if any(parses(form) for form in forms(suggested)):
        return None
    return f"it does not parse as {language}"
