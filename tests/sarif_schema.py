"""Check a SARIF log against the official SARIF 2.1.0 schema and code scanning's own rules.

The schema is OASIS's (``tests/data/sarif``, provenance in its README). ``jsonschema`` is a dev
dependency (``requirements-dev.lock``); where it is missing, :func:`assert_valid_sarif` skips the
test that calls it, and :func:`check_if_possible` (the hardening harness's after-run check)
does nothing, so the rest of a suite still runs.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "sarif" / "sarif-schema-2.1.0.json"
# RFC 3986 URI reference characters (a relative path: no scheme, percent-escapes well formed).
_URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@/]|%[0-9A-Fa-f]{2})*")


def have_jsonschema() -> bool:
    """True when the validator is installed."""
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def sarif_problems(log: dict[str, Any]) -> list[str]:
    """Every way ``log`` breaks the official schema or what code scanning needs to show it."""
    problems = [
        f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator().iter_errors(log)
    ]
    for run in log.get("runs", []):
        rules = run["tool"]["driver"].get("rules", [])
        for rule in rules:
            for field in ("shortDescription", "fullDescription", "help"):
                if not rule.get(field, {}).get("text"):
                    problems.append(f"rule {rule['id']}: no {field}.text")
        for i, result in enumerate(run.get("results", [])):
            where = f"result {i}"
            if not result.get("message", {}).get("text"):
                problems.append(f"{where}: empty message.text")
            if rules[result["ruleIndex"]]["id"] != result["ruleId"]:
                problems.append(f"{where}: ruleIndex does not point at ruleId")
            if not result.get("partialFingerprints", {}).get("primaryLocationLineHash"):
                problems.append(f"{where}: no primaryLocationLineHash")
            for location in result.get("locations", []):
                physical = location["physicalLocation"]
                uri = physical["artifactLocation"]["uri"]
                if not uri or not _URI_REFERENCE.fullmatch(uri):
                    problems.append(f"{where}: {uri!r} is not a relative URI reference")
                if physical.get("region", {}).get("startLine", 0) < 1:
                    problems.append(f"{where}: no region.startLine")
    return problems


def assert_valid_sarif(log: dict[str, Any]) -> None:
    """Fail with every problem of ``log``; skip the test when ``jsonschema`` is missing."""
    if not have_jsonschema():
        pytest.skip("jsonschema is not installed (pip install -r requirements-dev.lock)")
    problems = sarif_problems(log)
    assert not problems, "\n".join(problems)


def check_if_possible(path: Path) -> bool:
    """Validate the SARIF file at ``path`` when it exists and a validator is installed.

    Returns:
        True when the file was validated (an invalid one fails the calling test).
    """
    if not path.is_file() or not have_jsonschema():
        return False
    log = json.loads(path.read_text(encoding="utf-8"))
    problems = sarif_problems(log)
    assert not problems, f"{path}:\n" + "\n".join(problems)
    return True
