"""Every regex reviewbot holds, and a child process that runs each on hostile input.

``discover()`` finds the compiled patterns of every ``reviewbot`` module: module globals,
patterns inside tuples, dicts and rule objects, and what the zero-argument cached builders
return (the secret rules, the skip lists' gitignore patterns). Every one of them may read
untrusted text (diff lines, paths, the PR text, model replies, vendor errors), so every one
is checked, including those added later.

``python -m tests.hardening.redos [--skip ID ...]`` runs each pattern on its hostile
families from ``bench.hostile``: a screening pass at a small size picks the slowest shapes,
which then run at 1 MB, followed by a generic 1 MB line. A pattern is run the way the code
uses it (:func:`usage`): with ``finditer`` (an attempt at every position, the harshest use)
unless every use in its module is an anchored ``match``/``fullmatch``, and on input no longer
than its bound when it is only ever given bounded input (:data:`BOUNDED`). The child prints
one JSON line when it starts a pattern and one when it is done, so that the parent can kill
it on a pattern that does not finish and carry on with the others.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import pkgutil
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

from bench.hostile import Family, families, megabyte_lines

SCREEN_SIZE = 400  # characters per screening input: a quadratic shape already stands out
STAGE_SIZE = 1 << 20  # the slowest shapes again at 1 MB: a quadratic pattern takes hours there
TOP = 2  # shapes per pattern taken to the second stage
MEGABYTE_LINE = "printable"

# Patterns that only ever see input of a bounded length, with that bound (characters) and where
# it is enforced. They are run on hostile input of exactly that length.
BOUNDED: dict[str, int] = {
    # could_link() searches at most the 64 characters before an "@"
    "reviewbot.output.mentions._ALNUM_TAIL": 64,
    # _HEX only reads the run _ALNUM_TAIL found, so at most 64 characters too
    "reviewbot.output.mentions._HEX": 64,
}


def _walk(
    value: Any, key: str, depth: int, seen: set[int]
) -> Iterator[tuple[str, re.Pattern[str]]]:
    if id(value) in seen or depth > 4:
        return
    seen.add(id(value))
    if isinstance(value, re.Pattern):
        if isinstance(value.pattern, str):
            yield key, value
    elif isinstance(value, dict):
        for k, item in value.items():
            yield from _walk(item, f"{key}[{k!r}]"[:120], depth + 1, seen)
    elif isinstance(value, (tuple, list, set, frozenset)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{key}[{i}]", depth + 1, seen)
    elif type(value).__module__.split(".")[0] in ("reviewbot", "pathspec"):
        attributes = getattr(value, "__dict__", None) or {
            name: getattr(value, name)
            for cls in type(value).__mro__
            for name in getattr(cls, "__slots__", ())
            if hasattr(value, name)
        }
        for name, item in attributes.items():
            yield from _walk(item, f"{key}.{name}", depth + 1, seen)


def _cached_builders(module: Any) -> Iterator[tuple[str, Any]]:
    """Zero-argument cached functions of ``module`` (rule tables built once), called."""
    for name, value in vars(module).items():
        wrapped = getattr(value, "__wrapped__", None)
        if not isinstance(value, functools._lru_cache_wrapper) or wrapped is None:
            continue
        if getattr(wrapped, "__module__", None) != module.__name__:
            continue
        params = inspect.signature(wrapped).parameters.values()
        if all(p.default is not inspect.Parameter.empty for p in params):
            yield f"{name}()", value()


def discover() -> dict[str, re.Pattern[str]]:
    """``{"module.NAME[...]": pattern}`` for every distinct compiled pattern reviewbot holds."""
    import reviewbot

    found: dict[str, re.Pattern[str]] = {}
    distinct: set[tuple[str, int]] = set()
    modules = pkgutil.walk_packages(reviewbot.__path__, "reviewbot.")
    names = ["reviewbot", *(m.name for m in modules if not m.name.endswith(".__main__"))]
    for name in sorted(names):
        module = importlib.import_module(name)
        roots: list[tuple[str, Any]] = [
            (attr, value) for attr, value in vars(module).items() if not inspect.ismodule(value)
        ]
        roots += list(_cached_builders(module))
        seen: set[int] = set()
        for attr, value in roots:
            for key, pattern in _walk(value, f"{name}.{attr}", 0, seen):
                identity = (pattern.pattern, pattern.flags)
                if identity not in distinct:
                    distinct.add(identity)
                    found[key] = pattern
    return found


def usage(key: str) -> tuple[str, int | None]:
    """How the code runs the pattern ``key``: the method to time it with, and its input bound.

    A module global used only as ``NAME.match(`` or ``NAME.fullmatch(`` in its module is
    anchored (one attempt); anything else (``search``, ``finditer``, ``sub``, passed around
    in a table) is timed with ``finditer``.
    """
    bound = next((size for prefix, size in BOUNDED.items() if key.startswith(prefix)), None)
    module_name, _, name = key.rpartition(".")
    if not name.isidentifier() or module_name not in sys.modules:
        return "finditer", bound
    source = inspect.getsource(sys.modules[module_name])
    mentions = len(re.findall(rf"\b{re.escape(name)}\b", source))
    calls = re.findall(rf"\b{re.escape(name)}\.(\w+)\(", source)
    if calls and mentions == len(calls) + 1 and set(calls) <= {"match", "fullmatch"}:
        return ("fullmatch" if "fullmatch" in calls else "match"), bound
    return "finditer", bound


def _time(pattern: re.Pattern[str], method: str, text: str) -> float:
    started = time.perf_counter()
    if method == "finditer":
        for _ in pattern.finditer(text):
            pass
    else:
        getattr(pattern, method)(text)
    return time.perf_counter() - started


def check(key: str, pattern: re.Pattern[str]) -> dict[str, Any]:
    """Screen the hostile shapes of ``pattern``, then run the slowest ones and a 1 MB line."""
    started = time.perf_counter()
    method, bound = usage(key)
    stage = bound or STAGE_SIZE
    screened: list[tuple[float, Family]] = sorted(
        (
            (_time(pattern, method, f.at(min(SCREEN_SIZE, stage))), f)
            for f in families(pattern.pattern)
        ),
        key=lambda pair: -pair[0],
    )
    worst = (0.0, "")
    for _, family in screened[:TOP]:
        seconds = _time(pattern, method, family.at(stage)[: stage + 1])
        worst = max(worst, (seconds, family.describe()))
    line = megabyte_lines()[MEGABYTE_LINE][:stage]
    worst = max(
        worst, (_time(pattern, method, line), f"{len(line)}-character {MEGABYTE_LINE} line")
    )
    return {
        "method": method,
        "bound": bound,
        "seconds": round(time.perf_counter() - started, 3),
        "worst_s": round(worst[0], 3),
        "worst": worst[1],
    }


def main(argv: list[str]) -> int:
    """Check every discovered pattern not named after ``--skip``; one JSON line per event."""
    skip = set(argv[argv.index("--skip") + 1 :]) if "--skip" in argv else set()
    for key, pattern in discover().items():
        if key in skip:
            continue
        print(json.dumps({"id": key, "event": "start"}), flush=True)
        print(json.dumps({"id": key, "event": "done", **check(key, pattern)}), flush=True)
    print(json.dumps({"event": "end"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
