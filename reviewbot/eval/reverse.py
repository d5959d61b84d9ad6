"""Reverse a unified diff by text: the fix of a vulnerability becomes the PR that introduces it.

``reverse_diff(d)`` is the diff from ``d``'s new side back to its old side, as git would
write it: ``-`` and ``+`` swapped, the old and new ranges of every hunk header swapped, the
removed lines of each change block before the added ones (git's order), and the file headers
reversed (``---``/``+++`` names, ``new file mode`` <-> ``deleted file mode``, ``old mode`` <->
``new mode``, ``index a..b`` -> ``index b..a``, ``rename from/to``, ``Binary files``). Bytes
stay bytes: CRLF endings, non-UTF-8 text and ``\\ No newline at end of file`` markers (which
stay with the line they follow) are kept exactly. Reversing twice gives back any diff that git
wrote.

Copies (``copy from``/``copy to``) and ``GIT binary patch`` bodies cannot be reversed as text;
they raise ``ValueError``, as does a hunk whose line counts do not match its header.
"""

from __future__ import annotations

import re

_HUNK = re.compile(rb"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_LINE = re.compile(rb"[^\n]*\n|[^\n]+\Z")
_INDEX = re.compile(rb"index ([0-9a-fA-F]+)\.\.([0-9a-fA-F]+)(.*)", re.DOTALL)


def split_lines(data: bytes) -> list[bytes]:
    """``data`` as lines that keep their ``\\n`` (a lone ``\\r`` does not end a line)."""
    return _LINE.findall(data)


def _ending(line: bytes) -> bytes:
    return line[len(line.rstrip(b"\r\n")) :]


def _body(line: bytes) -> bytes:
    return line.rstrip(b"\r\n")


def reverse_diff(data: bytes | str) -> bytes:
    """The reverse of the unified diff ``data`` (git or plain), as bytes.

    Raises:
        ValueError: a copy, a binary patch, or a hunk that does not match its header.
    """
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    lines = split_lines(raw)
    out: list[bytes] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(b"diff --git "):
            i = _git_header(lines, i, out)
        elif line.startswith(b"--- ") and i + 1 < len(lines) and lines[i + 1].startswith(b"+++ "):
            old, new = lines[i], lines[i + 1]
            out.append(b"--- " + _swap_prefix(_body(new)[4:], b"b/", b"a/") + _ending(old))
            out.append(b"+++ " + _swap_prefix(_body(old)[4:], b"a/", b"b/") + _ending(new))
            i += 2
        elif _HUNK.match(line):
            i = _hunk(lines, i, out)
        elif line.startswith(b"Binary files ") and b" and " in line:
            out.append(_binary(line))
            i += 1
        elif line.startswith(b"GIT binary patch"):
            raise ValueError("a GIT binary patch cannot be reversed as text")
        else:
            out.append(line)  # a preamble (commit message) or a line no parser reads
            i += 1
    return b"".join(out)


def _swap_prefix(name: bytes, old: bytes, new: bytes) -> bytes:
    """``a/x`` -> ``b/x`` (and inside a quoted name); ``/dev/null`` and others as they are."""
    if name.startswith(b'"' + old):
        return b'"' + new + name[1 + len(old) :]
    if name.startswith(old):
        return new + name[len(old) :]
    return name


def _git_header(lines: list[bytes], start: int, out: list[bytes]) -> int:
    """Reverse one ``diff --git`` header block; return the index of the line after it."""
    block = [lines[start]]
    i = start + 1
    while i < len(lines):
        line = lines[i]
        if line.startswith(
            (b"diff --git ", b"--- ", b"+++ ", b"Binary files ", b"GIT binary")
        ) or _HUNK.match(line):
            break
        block.append(line)
        i += 1
    renamed_from = renamed_to = None
    result: list[bytes] = []
    old_mode: bytes | None = None
    for line in block[1:]:
        body, end = _body(line), _ending(line)
        if body.startswith((b"copy from ", b"copy to ")):
            raise ValueError("a copied file cannot be reversed as a diff")
        if body.startswith(b"old mode "):
            old_mode = line
            continue
        if body.startswith(b"new mode ") and old_mode is not None:
            result.append(b"old mode " + body[len(b"new mode ") :] + end)
            result.append(b"new mode " + _body(old_mode)[len(b"old mode ") :] + _ending(old_mode))
            old_mode = None
            continue
        if body.startswith(b"new file mode "):
            result.append(b"deleted file mode " + body[len(b"new file mode ") :] + end)
        elif body.startswith(b"deleted file mode "):
            result.append(b"new file mode " + body[len(b"deleted file mode ") :] + end)
        elif body.startswith(b"rename from "):
            renamed_from = body[len(b"rename from ") :]
            result.append(line)  # rewritten below, once both names are known
        elif body.startswith(b"rename to "):
            renamed_to = body[len(b"rename to ") :]
            result.append(line)
        elif m := _INDEX.fullmatch(body):
            result.append(b"index " + m.group(2) + b".." + m.group(1) + m.group(3) + end)
        else:
            result.append(line)
    if old_mode is not None:
        result.append(old_mode)
    head = block[0]
    if renamed_from is not None and renamed_to is not None:
        result = [
            b"rename from " + renamed_to + _ending(x)
            if _body(x).startswith(b"rename from ")
            else b"rename to " + renamed_from + _ending(x)
            if _body(x).startswith(b"rename to ")
            else x
            for x in result
        ]
        head = (
            b"diff --git "
            + _prefixed(b"a/", renamed_to)
            + b" "
            + _prefixed(b"b/", renamed_from)
            + _ending(head)
        )
    out.append(head)
    out.extend(result)
    return i


def _prefixed(prefix: bytes, name: bytes) -> bytes:
    """``a/name``, keeping git's quoting of a name that needs it."""
    if name.startswith(b'"'):
        return b'"' + prefix + name[1:]
    return prefix + name


def _binary(line: bytes) -> bytes:
    """``Binary files a/x and b/y differ`` -> ``Binary files a/y and b/x differ``."""
    body, end = _body(line), _ending(line)
    inner = body[len(b"Binary files ") :]
    suffix = b" differ" if inner.endswith(b" differ") else b""
    inner = inner[: len(inner) - len(suffix)]
    old, sep, new = inner.partition(b" and ")
    if not sep:
        return line
    return (
        b"Binary files "
        + _swap_prefix(new, b"b/", b"a/")
        + b" and "
        + _swap_prefix(old, b"a/", b"b/")
        + suffix
        + end
    )


def _hunk(lines: list[bytes], start: int, out: list[bytes]) -> int:
    """Reverse one hunk; return the index of the line after it."""
    header = lines[start]
    m = _HUNK.match(header)
    assert m is not None
    old_start, old_len, new_start, new_len = m.groups()
    old_left = int(old_len) if old_len is not None else 1
    new_left = int(new_len) if new_len is not None else 1
    old_range = old_start + (b"," + old_len if old_len is not None else b"")
    new_range = new_start + (b"," + new_len if new_len is not None else b"")
    out.append(b"@@ -" + new_range + b" +" + old_range + b" @@" + header[m.end() :])

    # Each item is a line with the "\ No newline" marker that may follow it.
    items: list[tuple[bytes, list[bytes]]] = []
    i = start + 1
    while old_left > 0 or new_left > 0:
        if i >= len(lines):
            raise ValueError(f"hunk at line {start + 1} ends early: {header!r}")
        line = lines[i]
        kind = line[:1]
        if kind == b"\\" and items:
            items[-1][1].append(line)
        elif kind in (b" ", b"\n", b"\r"):
            old_left -= 1
            new_left -= 1
            items.append((line, []))
        elif kind == b"-":
            old_left -= 1
            items.append((line, []))
        elif kind == b"+":
            new_left -= 1
            items.append((line, []))
        else:
            raise ValueError(f"hunk at line {start + 1} has a line that is not part of it")
        if old_left < 0 or new_left < 0:
            raise ValueError(f"hunk at line {start + 1} does not match its header: {header!r}")
        i += 1
    while i < len(lines) and lines[i].startswith(b"\\") and items:
        items[-1][1].append(lines[i])
        i += 1

    removed: list[tuple[bytes, list[bytes]]] = []
    added: list[tuple[bytes, list[bytes]]] = []

    def flush() -> None:
        for text, markers in (*removed, *added):
            out.append(text)
            out.extend(markers)
        removed.clear()
        added.clear()

    for text, markers in items:
        kind = text[:1]
        if kind == b"-":
            added.append((b"+" + text[1:], markers))
        elif kind == b"+":
            removed.append((b"-" + text[1:], markers))
        else:
            flush()
            out.append(text)
            out.extend(markers)
    flush()
    return i
