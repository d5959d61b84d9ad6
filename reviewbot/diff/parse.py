"""Turn unified diff text (git or GitHub flavour) into FileDiff objects with numbered lines.

Every hunk line becomes a :class:`~reviewbot.domain.Line` (about a microsecond each, and every
check reads them again), so the work is bounded: past :data:`MAX_PARSED_LINES` hunk lines in
all, the largest files are not parsed into lines but kept as :class:`UnparsedFile` (skipped
``too_large``, their raw hunk lines kept for the secret scan, see :func:`raw_rows`).
"""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unidiff.errors import UnidiffParseError
from unidiff.patch import Hunk as UnidiffHunk
from unidiff.patch import PatchSet

from reviewbot.domain import FileDiff, FileStatus, Hunk, Line, SkipReason
from reviewbot.errors import InputError

log = logging.getLogger(__name__)

NOT_A_DIFF = "input is not a unified diff (no 'diff --git' or '---/+++' file headers found)"

_GIT_HEADER = "diff --git "
_DEV_NULL = "/dev/null"
_SUBMODULE_MODE = "160000"
# Fed to unidiff in front of a file's hunks: the real names are read here, not by unidiff.
_SYNTHETIC_HEADER = ["--- a/f\n", "+++ b/f\n"]
# unidiff's "Binary files" regex backtracks quadratically on long lines; git never writes
# these lines after a file's ---/+++ header, so they are dropped there.
_NOT_HUNK_TEXT = ("Binary file", "GIT binary patch")
# unidiff's own error, and int() refusing a hunk header number of more than 4300 digits.
_UNIDIFF_ERRORS = (UnidiffParseError, ValueError)
_PREFIX = re.compile(r"[a-z0-9]/")
# unidiff's hunk header; the hunk lines themselves are read by _fast_hunks when well formed.
_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))?\ @@[ ]?(.*)")
_NO_NEWLINE = "\\ No newline at end of file"
_GIT_HEADER_LINE = re.compile(r"^diff --git ", re.M)
# Where a git block's extended headers end (the loop that read them stopped at these lines).
_HEADERS_END = re.compile(r"^(?:--- |\+\+\+ |@@ |Binary files |GIT binary patch)", re.M)
# At most this many lines of a diff (its files' blocks, headers included) are parsed into Line
# objects; past it the largest files are kept unparsed (skipped too_large). 100,000 lines is
# about 3 MB of ordinary code, far more than a run's money budget can send to the models, even
# in chunks (`diff/chunks.py`).
MAX_PARSED_LINES = 100_000
# At most this many lines of a diff go through unidiff (a hunk that _fast_hunks cannot read:
# wrong counts, text between hunks), which costs several microseconds a line; a file past it
# is kept unparsed as well.
MAX_SALVAGED_LINES = 20_000


@dataclass(frozen=True, slots=True)
class UnparsedFile(FileDiff):
    """A file whose hunks were not parsed into lines: skipped ``too_large``, never sent to a
    model, and listed as such in the comment. ``raw`` keeps its hunk lines as the diff had
    them, so that the secret scan still reads every one of them (:func:`raw_rows`)."""

    raw: str = field(default="", repr=False, compare=False)


_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def read_diff(source: str) -> bytes:
    """Read a diff from a file path, or from standard input when ``source`` is ``-``.

    Args:
        source: A file path, or ``-`` for stdin (read as bytes).

    Returns:
        The raw bytes of the diff.

    Raises:
        InputError: The file does not exist or cannot be read.
    """
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except FileNotFoundError:
        raise InputError(f"diff file not found: {source}") from None
    except IsADirectoryError:
        raise InputError(f"{source} is a directory, not a diff file") from None
    except OSError as exc:
        raise InputError(f"cannot read diff file {source}: {exc.strerror or exc}") from None


def parse_diff(data: bytes | str) -> tuple[FileDiff, ...]:
    """Parse a unified diff into one FileDiff per file, in diff order.

    Bytes are decoded as UTF-8 with invalid bytes replaced (never dropped), so line counts
    stay equal to ``git diff --numstat``. Status, paths, binary and submodule flags come from
    git's extended headers; hunks are parsed with ``unidiff``. A hunk that does not parse
    (truncated, wrong counts) is dropped with a warning and the rest of the diff is kept.

    Args:
        data: The diff, as bytes or text.

    Returns:
        The files; ``()`` for empty or whitespace-only input.

    Raises:
        InputError: The input is not a unified diff, or a file header cannot be read.
    """
    text = _decode(data) if isinstance(data, bytes) else data
    if not text.strip():
        return ()
    # Offsets of the "diff --git" lines; "^" after "\n" only, so a lone "\r" never ends a line.
    starts = [m.start() for m in _GIT_HEADER_LINE.finditer(text)]
    if not starts:
        lines = list(io.StringIO(text))
        if _crlf_headers(lines, []):
            lines = [line[:-2] + "\n" if line.endswith("\r\n") else line for line in lines]
        return _parse_plain(lines)
    first_end = text.find("\n", starts[0])
    if first_end > 0 and text[first_end - 1] == "\r":  # the diff itself was saved with CRLF
        text = text.replace("\r\n", "\n")  # each "\r\n" ends a line: a line has one "\n"
        starts = [m.start() for m in _GIT_HEADER_LINE.finditer(text)]
    blocks = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    sizes = [block.count("\n") for block in blocks]
    unparsed = _over_the_bound(sizes, MAX_PARSED_LINES)
    budget = [MAX_SALVAGED_LINES]
    files: list[FileDiff] = []
    line_no = text.count("\n", 0, starts[0]) + 1
    for index, block in enumerate(blocks):
        files.append(_parse_git_block(block, line_no, index in unparsed, budget))
        line_no += sizes[index]
    return tuple(files)


def _over_the_bound(sizes: Sequence[int], bound: int) -> set[int]:
    """The indexes of the largest sizes to leave out so that the rest add up to ``bound``."""
    total = sum(sizes)
    out: set[int] = set()
    for index in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        if total <= bound:
            break
        out.add(index)
        total -= sizes[index]
    return out


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # "replace" never swallows a "\n": invalid sequences stop before any ASCII byte.
    return data.decode("utf-8", errors="replace")


def _crlf_headers(lines: list[str], starts: list[int]) -> bool:
    """True when the diff itself was saved with CRLF endings (its headers end in CRLF)."""
    first = (
        starts[0]
        if starts
        else next((i for i, line in enumerate(lines) if line.startswith("--- ")), None)
    )
    return first is not None and lines[first].endswith("\r\n")


def _parse_git_block(
    block: str, line_no: int, unparsed: bool = False, budget: list[int] | None = None
) -> FileDiff:
    """Parse one ``diff --git`` section: extended headers by hand, then the hunks.

    With ``unparsed`` (or when its hunks are malformed and the diff's ``budget`` of lines for
    unidiff is spent) the file is an :class:`UnparsedFile`: counted, but not parsed into lines.
    """
    status = FileStatus.MODIFIED
    binary = False
    modes: set[str] = set()
    moved_from = moved_to = None
    # the extended headers end where the ---/+++ lines, the hunks or a binary marker begin
    stop = _HEADERS_END.search(block)
    cut = stop.start() if stop is not None else len(block)
    head = list(io.StringIO(block[:cut]))
    for raw_line in head[1:]:
        line = raw_line.rstrip("\r\n")
        key, _, value = line.partition(" ")
        if line.startswith(("new file mode ", "deleted file mode ")):
            status = FileStatus.ADDED if key == "new" else FileStatus.DELETED
            modes.add(line.rsplit(" ", 1)[-1])
        elif line.startswith(("old mode ", "new mode ")):
            modes.add(line.rsplit(" ", 1)[-1])
        elif key == "index" and value.count(" ") == 1:
            modes.add(value.rsplit(" ", 1)[-1])
        elif line.startswith(("rename from ", "copy from ")):
            status = FileStatus.RENAMED if key == "rename" else FileStatus.COPIED
            moved_from = _unquote(line.split(" ", 2)[2])
        elif line.startswith(("rename to ", "copy to ")):
            moved_to = _unquote(line.split(" ", 2)[2])
    first = head[0]  # the "diff --git" line: the search above cannot stop inside it
    binary = block.startswith(("Binary files ", "GIT binary patch"), cut)
    rest = cut

    header_paths = _git_header_paths(first[len(_GIT_HEADER) :].rstrip("\r\n"))
    prefixed = _has_prefixes(first, header_paths)
    old_name = new_name = None
    if not binary and block.startswith("--- ", rest):
        line = _line_at(block, rest)
        old_name = _header_name(line, prefixed)
        rest += len(line)
        if block.startswith("+++ ", rest):
            line = _line_at(block, rest)
            new_name = _header_name(line, prefixed)
            rest += len(line)
    if header_paths and prefixed:
        header_paths = (header_paths[0][2:], header_paths[1][2:])
    old = moved_from or old_name or (header_paths[0] if header_paths else None)
    new = moved_to or new_name or (header_paths[1] if header_paths else None)
    if old is None and new is None:
        raise InputError(f"diff line {line_no}: cannot read the file names of {first[:120]!r}")
    path = (old or new) if status is FileStatus.DELETED else (new or old)
    assert path is not None
    renamed = status in (FileStatus.RENAMED, FileStatus.COPIED)

    raw = "" if binary else block[rest:]
    parsed = None if unparsed and raw else _parse_hunks(raw, path, budget)
    if parsed is None:
        lines = "\n" + raw  # counted in C: every line that starts with "+" or "-"
        return UnparsedFile(
            path=path,
            old_path=(old if renamed else None),
            status=status,
            binary=binary,
            additions=lines.count("\n+"),
            deletions=lines.count("\n-"),
            skipped=SkipReason.TOO_LARGE,
            submodule=_SUBMODULE_MODE in modes,
            raw=raw,
        )
    hunks = parsed
    additions = deletions = 0
    for hunk in hunks:
        for ln in hunk.lines:
            if ln.kind == "+":
                additions += 1
            elif ln.kind == "-":
                deletions += 1
    submodule = _SUBMODULE_MODE in modes or _only_subproject_lines(hunks)
    return FileDiff(
        path=path,
        old_path=(old if renamed else None),
        status=status,
        binary=binary,
        additions=additions,
        deletions=deletions,
        hunks=() if submodule else hunks,  # a pointer bump has no lines to comment on
        submodule=submodule,
    )


def _line_at(text: str, start: int) -> str:
    """The line of ``text`` that starts at ``start``, with its ``\\n``."""
    end = text.find("\n", start)
    return text[start:] if end == -1 else text[start : end + 1]


def _only_subproject_lines(hunks: tuple[Hunk, ...]) -> bool:
    """True for a gitlink diff whose mode line is missing: only "Subproject commit" lines."""
    if sum(len(hunk.lines) for hunk in hunks) > 2:
        return False
    lines = [ln for hunk in hunks for ln in hunk.lines]
    return 0 < len(lines) <= 2 and all(ln.text.startswith("Subproject commit ") for ln in lines)


def _parse_hunks(raw: str, path: str, budget: list[int] | None = None) -> tuple[Hunk, ...] | None:
    """Parse the ``@@`` part of one file; a broken hunk is dropped, the others kept.

    Well-formed hunks are read by :func:`_fast_hunks`; anything else goes through unidiff,
    while the diff's ``budget`` of lines for it lasts (None once it is spent: not parsed).
    """
    if not raw.startswith("@@") and "\n@@" not in raw:
        return ()
    body = [line for line in io.StringIO(raw) if not line.startswith(_NOT_HUNK_TEXT)]
    fast = _fast_hunks(body)
    if fast is not None:
        return fast
    if budget is not None:
        if len(body) > budget[0]:
            return None
        budget[0] -= len(body)
    try:
        return _convert(PatchSet([*_SYNTHETIC_HEADER, *body]))
    except _UNIDIFF_ERRORS:
        pass
    # Salvage: a valid hunk never contains a line starting with "@@", so split there.
    kept: list[Hunk] = []
    starts = [i for i, line in enumerate(body) if line.startswith("@@")]
    for a, b in zip(starts, [*starts[1:], len(body)], strict=True):
        try:
            kept.extend(_convert(PatchSet([*_SYNTHETIC_HEADER, *body[a:b]])))
        except _UNIDIFF_ERRORS as exc:
            reason = (str(exc).splitlines() or ["invalid hunk"])[0][:120]
            log.warning(
                "%s: dropped a hunk that does not parse (%s): %r", path, reason, body[a][:80]
            )
    return tuple(kept)


def _fast_hunks(body: list[str]) -> tuple[Hunk, ...] | None:
    """The hunks of a well-formed body, as unidiff would read them; None for anything else.

    Well formed: hunks one after another, each with as many lines as its header says, and
    only ``\\ No newline at end of file`` markers and empty lines between and after them.
    """
    hunks: list[Hunk] = []
    i, end = 0, len(body)
    while i < end:
        header = body[i]
        if header == "\n" or header.startswith(_NO_NEWLINE):
            if not hunks:
                return None
            i += 1
            continue
        match = _HUNK_HEADER.match(header)
        if match is None:
            return None
        old_start, old_len, new_start, new_len, section = match.groups()
        try:
            old_no, new_no = int(old_start), int(new_start)
            old_end = old_no + (1 if old_len is None else int(old_len))
            new_end = new_no + (1 if new_len is None else int(new_len))
        except ValueError:
            return None
        if old_no == old_end and new_no == new_end:
            return None  # an empty hunk: unidiff reads one more line into it
        old_start_no, new_start_no = old_no, new_no
        lines: list[Line] = []
        append = lines.append
        i += 1
        while True:
            if i == end:
                return None  # shorter than its header says
            line = body[i]
            i += 1
            kind = line[:1]
            text = line[1:]
            if text.endswith("\n"):
                text = text[:-1]
            if text.endswith("\r"):
                text = text[:-1]
            if kind == "+":
                append(Line("+", None, new_no, text))
                new_no += 1
            elif kind == "-":
                append(Line("-", old_no, None, text))
                old_no += 1
            elif kind == " " or line in ("\n", "\r\n", "\r"):
                append(Line(" ", old_no, new_no, text if kind == " " else ""))
                old_no += 1
                new_no += 1
            elif kind != "\\":
                return None
            if old_no > old_end or new_no > new_end:
                return None  # longer than its header says
            if old_no == old_end and new_no == new_end:
                break
        hunks.append(
            Hunk(
                old_start=old_start_no,
                old_len=old_end - old_start_no,
                new_start=new_start_no,
                new_len=new_end - new_start_no,
                section=section.rstrip("\r\n"),
                lines=tuple(lines),
            )
        )
    return tuple(hunks)


def raw_rows(raw: str) -> list[tuple[str, int | None, int | None, str]]:
    """Every line of an unparsed file's hunks, read leniently: ``(kind, old, new, text)``.

    ``kind`` is ``+``, ``-``, a space (context), ``@`` for a hunk header (its section text,
    maybe empty), or ``?`` for a line that is none of these (read, but without a line number);
    numbers follow the hunk headers. ``\\ No newline`` markers and blank lines are left out.
    """
    rows: list[tuple[str, int | None, int | None, str]] = []
    append = rows.append
    old_no = new_no = 0
    for line in io.StringIO(raw):
        kind = line[:1]
        text = line[1:]
        if text.endswith("\n"):
            text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
        if kind == "+":
            append(("+", None, new_no, text))
            new_no += 1
        elif kind == "-":
            append(("-", old_no, None, text))
            old_no += 1
        elif kind == " " or line in ("\n", "\r\n", "\r"):
            append((" ", old_no, new_no, text if kind == " " else ""))
            old_no += 1
            new_no += 1
        elif kind == "\\":
            continue
        elif kind == "@" and (match := _HUNK_HEADER.match(line)) is not None:
            try:
                old_no, new_no = int(match.group(1)), int(match.group(3))
            except ValueError:
                append(("?", None, None, line.rstrip("\r\n")))
                continue
            append(("@", None, None, match.group(5).rstrip("\r\n")))
        elif line.strip():
            append(("?", None, None, line.rstrip("\r\n")))
    return rows


def _convert(patch: Iterable[Iterable[UnidiffHunk]]) -> tuple[Hunk, ...]:
    return tuple(_convert_hunk(hunk) for patched_file in patch for hunk in patched_file)


def _convert_hunk(hunk: UnidiffHunk) -> Hunk:
    lines: list[Line] = []
    for line in hunk:
        kind = line.line_type
        if kind == "+":
            lines.append(Line("+", None, line.target_line_no, _text(line.value)))
        elif kind == "-":
            lines.append(Line("-", line.source_line_no, None, _text(line.value)))
        elif kind == " ":
            lines.append(Line(" ", line.source_line_no, line.target_line_no, _text(line.value)))
        # "\" (no newline at end of file) and "" (blank line after the hunk) carry no line
    return Hunk(
        old_start=hunk.source_start,
        old_len=hunk.source_length,
        new_start=hunk.target_start,
        new_len=hunk.target_length,
        section=hunk.section_header.rstrip("\r\n"),
        lines=tuple(lines),
    )


def _text(value: str) -> str:
    """The line's text without its line ending (a CRLF file's "\r" included)."""
    if value.endswith("\n"):
        value = value[:-1]
    return value[:-1] if value.endswith("\r") else value


def _parse_plain(lines: list[str]) -> tuple[FileDiff, ...]:
    """Parse a diff without ``diff --git`` headers (``diff -u``, ``difflib``)."""
    lines = [ln for ln in lines if not (ln.startswith("Binary file") and len(ln) > 4096)]
    try:
        patch = PatchSet(lines)
    except _UNIDIFF_ERRORS as exc:
        reason = (str(exc).splitlines() or ["invalid hunk"])[0][:120]
        raise InputError(f"input is not a valid unified diff: {reason}") from None
    if not patch:
        raise InputError(NOT_A_DIFF)
    files: list[FileDiff] = []
    for patched in patch:
        old, new = _plain_names(patched.source_file, patched.target_file)
        if old is None:
            status = FileStatus.ADDED
        elif new is None:
            status = FileStatus.DELETED
        else:
            status = FileStatus.MODIFIED
        path = (new or old) if status is not FileStatus.DELETED else old
        hunks = tuple(_convert_hunk(hunk) for hunk in patched)
        files.append(
            FileDiff(
                path=path or "",
                old_path=None,
                status=status,
                binary=patched.is_binary_file,
                additions=sum(1 for h in hunks for ln in h.lines if ln.kind == "+"),
                deletions=sum(1 for h in hunks for ln in h.lines if ln.kind == "-"),
                hunks=hunks,
            )
        )
    return tuple(files)


def _plain_names(source: str, target: str) -> tuple[str | None, str | None]:
    """Names of a plain diff's sides without their top folder (``a/x b/x``, ``orig/x new/x``)."""
    old, new = _plain_name(source), _plain_name(target)
    old_rest = old.split("/", 1)[1] if old and "/" in old else None
    new_rest = new.split("/", 1)[1] if new and "/" in new else None
    if old_rest is not None and old_rest == new_rest:
        return old_rest, new_rest
    if old is None and new and new.startswith("b/"):
        return None, new[2:]
    if new is None and old and old.startswith("a/"):
        return old[2:], None
    return old, new


def _plain_name(name: str | None) -> str | None:
    if not name or name == _DEV_NULL:
        return None
    return _unquote(name.split("\t", 1)[0].rstrip("\r\n"))


def _header_name(line: str, prefixed: bool) -> str | None:
    """The path of a ``--- a/x`` or ``+++ b/x`` line; None for /dev/null."""
    name = line[4:].rstrip("\r\n").split("\t", 1)[0]  # git adds a tab after names with spaces
    if name == _DEV_NULL:
        return None
    name = _unquote(name)
    return name[2:] if prefixed and _PREFIX.match(name) else name


def _has_prefixes(header: str, paths: tuple[str, str] | None) -> bool:
    """True when names carry git's side prefixes (``a/`` and ``b/``, or mnemonic ones)."""
    if paths is None:
        return header[len(_GIT_HEADER) :].lstrip('"').startswith("a/")
    old, new = paths
    return bool(_PREFIX.match(old) and _PREFIX.match(new) and old[0] != new[0])


def _git_header_paths(rest: str) -> tuple[str, str] | None:
    """Split the ``a/x b/y`` part of a ``diff --git`` line, quoted or not; None if ambiguous."""
    if rest.startswith('"'):
        first = _read_quoted(rest, 0)
        if first is None or rest[first[1] : first[1] + 1] != " ":
            return None
        return first[0], _unquote(rest[first[1] + 1 :])
    if rest.endswith('"'):
        # inside a quoted name a quote is always escaped, so ' "' starts the second name
        cut = rest.rfind(' "')
        second = _read_quoted(rest, cut + 1) if cut > 0 else None
        if second is not None and second[1] == len(rest):
            return rest[:cut], second[0]
    half = len(rest) // 2
    if len(rest) % 2 == 1 and rest[half] == " " and rest[2:half] == rest[half + 3 :]:
        return rest[:half], rest[half + 1 :]  # same name on both sides (spaces allowed)
    parts = rest.split(" b/")
    if len(parts) == 2:
        return parts[0], "b/" + parts[1]
    return None


def _unquote(name: str) -> str:
    """Undo git's C-style quoting (``"a/x \\"y\\" \\303\\251"``); other names pass through."""
    if name.startswith('"'):
        quoted = _read_quoted(name, 0)
        if quoted is not None and quoted[1] == len(name):
            return quoted[0]
    return name


def _read_quoted(text: str, start: int) -> tuple[str, int] | None:
    """Read the quoted name at ``text[start]``; return it and the index after its end quote."""
    out = bytearray()
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return out.decode("utf-8", errors="replace"), i + 1
        if char != "\\":
            out += char.encode("utf-8", errors="replace")
            i += 1
            continue
        escape = text[i + 1 : i + 2]
        if escape in _C_ESCAPES:
            out.append(_C_ESCAPES[escape])
            i += 2
        elif len(digits := text[i + 1 : i + 4]) == 3 and all(d in "01234567" for d in digits):
            out.append(int(digits, 8) & 0xFF)
            i += 4
        else:
            return None
    return None
