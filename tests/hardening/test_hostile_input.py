"""Hostile input, property-based: random and mutated real diffs, random findings text.

Never an unhandled exception: ``parse_diff`` may only raise ``InputError``; whatever parses
goes through filtering, secret redaction, the deterministic review and the comment renderer.
Examples are derandomized and budgeted so the suite's time is bounded.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reviewbot.app.cli import main
from reviewbot.checks.secrets import redact_text, scan_files
from reviewbot.config.load import parse_config
from reviewbot.diff.chunks import plan_chunks
from reviewbot.diff.filters import apply_filters
from reviewbot.diff.parse import MAX_PARSED_LINES, parse_diff
from reviewbot.domain import (
    Attempt,
    ChangeType,
    Classification,
    ErrorKind,
    Finding,
    ModelRef,
    PullRequestRef,
    Review,
    Risk,
    Severity,
    SkipReason,
    StepResult,
    Usage,
)
from reviewbot.engine.run import review
from reviewbot.errors import ConfigError, InputError
from reviewbot.output.render import MARKER, render_comment
from tests.conftest import REALDATA
from tests.hardening.harness import run_module

REAL_DIFFS = tuple(
    sorted(
        p.read_bytes() for p in [*REALDATA.glob("diffs/*.diff"), *REALDATA.glob("security/*.diff")]
    )
)
BUDGET = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DEFAULTS = parse_config(None)


def deterministic_review(data: bytes | str) -> Review | None:
    """The whole no-key pipeline on ``data``: None when it is (rightly) not a diff."""
    try:
        result = review(data, config=DEFAULTS, env={})
    except InputError:
        return None
    comment = render_comment(result)
    assert comment.startswith(MARKER) and comment.count(MARKER) == 1
    assert len(comment) <= 65536
    return result


# ---------------------------------------------------------------- mutations


@st.composite
def mutated_diffs(draw: st.DrawFn) -> bytes:
    """A real diff, damaged in one to four ways."""
    data = draw(st.sampled_from(REAL_DIFFS))
    for _ in range(draw(st.integers(1, 4))):
        lines = data.split(b"\n")
        how = draw(
            st.sampled_from(
                [
                    "truncate",
                    "drop",
                    "dup",
                    "counts",
                    "nul",
                    "garbage",
                    "crlf",
                    "latin1",
                    "utf16",
                    "header",
                ]
            )
        )
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if how == "truncate":
            data = data[: draw(st.integers(0, len(data)))]
        elif how == "drop":
            data = b"\n".join(lines[:i] + lines[i + 1 :])
        elif how == "dup":
            data = b"\n".join(lines[: i + 1] + lines[i:])
        elif how == "counts":
            n = str(draw(st.integers(0, 10**6))).encode()
            data = re.sub(
                rb"@@ -(\d+),(\d+) \+(\d+),(\d+) @@",
                rb"@@ -\1,\2 +\3," + n + rb" @@",
                data,
                count=1,
            )
        elif how == "nul":
            data = data[: i * 7] + b"\x00" * draw(st.integers(1, 5)) + data[i * 7 :]
        elif how == "garbage":
            junk = draw(st.binary(min_size=1, max_size=200))
            lines.insert(i, junk)
            data = b"\n".join(lines)
        elif how == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif how == "latin1":
            data = data.decode("utf-8", "replace").encode("latin-1", "replace")
        elif how == "utf16":
            data = data.decode("utf-8", "replace").encode("utf-16")
        else:  # a file header pointing somewhere odd
            lines.insert(
                i,
                draw(
                    st.sampled_from(
                        [
                            b"diff --git a/../../etc/passwd b/../../etc/passwd",
                            b"+++ b/\x00x",
                            b'diff --git "a/\\377" "b/\\377"',
                            b"--- a/x\t\x01",
                            b"@@ -0,0 +1 @@",
                            b"Binary files a/x and b/x differ",
                            b"GIT binary patch",
                            b"rename from ",
                            b"@@ -1," + b"9" * 5000 + b" +1 @@",
                        ]
                    )
                ),
            )
            data = b"\n".join(lines)
    return data


@BUDGET
@given(st.binary(max_size=2000))
def test_random_bytes_are_a_diff_or_an_input_error(data: bytes) -> None:
    deterministic_review(data)


@BUDGET
@given(
    st.text(alphabet=st.sampled_from(list("+- @,-0123456789abdfgi/\n\\\x00\ttxy")), max_size=400)
)
def test_diff_shaped_text_is_a_diff_or_an_input_error(text: str) -> None:
    deterministic_review("diff --git a/x b/x\n--- a/x\n+++ b/x\n" + text)


@settings(BUDGET, max_examples=200)
@given(mutated_diffs())
def test_mutated_real_diffs_never_crash_the_pipeline(data: bytes) -> None:
    result = deterministic_review(data)
    if result is not None:
        for f in result.files:
            assert f.additions >= 0 and f.deletions >= 0
            assert all(ln.kind in "+- " for h in f.hunks for ln in h.lines)


@BUDGET
@given(
    st.sampled_from(REAL_DIFFS),
    st.lists(st.text(min_size=1, max_size=30), max_size=5),
)
def test_filters_take_any_ignore_list(data: bytes, ignore: list[str]) -> None:
    files = parse_diff(data)
    try:
        filtered = apply_filters(files, ignore)
    except ConfigError:
        return
    assert [f.path for f in filtered] == [f.path for f in files]


SECRET = "AKIAQ3EGRSTUVWXYZ234"


@BUDGET
@given(st.text(max_size=300), st.text(max_size=300))
def test_a_secret_among_any_text_is_masked(before: str, after: str) -> None:
    text = f"{before} {SECRET} {after}"
    assert SECRET not in redact_text(text)


@BUDGET
@given(st.text(max_size=200), st.text(max_size=200))
def test_a_secret_on_an_added_line_is_always_found(before: str, after: str) -> None:
    assume("\n" not in before + after and "\r" not in before + after)
    line = f'{before} key = "{SECRET}" {after}'
    diff = f"diff --git a/k.py b/k.py\n--- a/k.py\n+++ b/k.py\n@@ -0,0 +1 @@\n+{line}\n"
    files = parse_diff(diff)
    assert any(h.secret == SECRET for h in scan_files(files))


# ---------------------------------------------------------------- rendering

HOSTILE = st.one_of(
    st.text(max_size=400),
    st.sampled_from(
        [
            MARKER,
            "<!-- reviewbot:summary",
            "@octocat",
            "@org/team",
            "<img src=x onerror=1>",
            "```",
            "````\n",
            "|",
            "\r\n",
            "\x00",
            "\u202e",
            "[x](javascript:alert(1))",
            "<details>",
            "</details>",
            "&lt;",
            "`",
            "<!--",
            "-->",
            "\\",
            "$(whoami)",
            "{{ 7*7 }}",
            "{% raw %}",
        ]
    ),
)
HOSTILE_TEXT = st.lists(HOSTILE, min_size=1, max_size=6).map("".join)


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    """A finding with hostile text everywhere."""
    line = draw(st.none() | st.integers(1, 10**6))
    return Finding(
        step=draw(st.sampled_from(["security", "quality", "docs", "secrets", "injection"])),
        severity=draw(st.sampled_from(list(Severity))),
        category=draw(HOSTILE_TEXT),
        path=draw(HOSTILE_TEXT),
        line=line,
        end_line=None if line is None else draw(st.none() | st.integers(line, line + 50)),
        title=draw(HOSTILE_TEXT),
        body=draw(HOSTILE_TEXT),
        suggestion=draw(st.none() | HOSTILE_TEXT),
    )


@BUDGET
@given(st.lists(findings(), max_size=12), HOSTILE_TEXT, HOSTILE_TEXT)
def test_comment_renders_any_findings_text_safely(
    found: list[Finding], summary: str, error: str
) -> None:
    model = ModelRef.parse("openai:gpt-5.4")
    steps = (
        StepResult(name="classify", status="skipped", reason="heuristic"),
        StepResult(
            name="security",
            status="failed",
            reason=error,
            attempts=(
                Attempt(
                    model,
                    "failed",
                    ErrorKind.SERVER_ERROR,
                    error,
                    Usage(10, 0),
                    Decimal("0.001"),
                    0.1,
                    0.0,
                ),
            ),
        ),
        StepResult(
            name="quality",
            status="ok",
            model=model,
            summary=summary,
            findings=tuple(found),
            attempts=(Attempt(model, "ok", None, None, Usage(10, 5), None, 0.2, 0.0),),
        ),
        StepResult(name="docs", status="skipped", reason=summary),
    )
    result = Review(
        pr=PullRequestRef("o/r", 7, "a" * 40, "b" * 40, summary, error),
        files=(),
        classification=Classification(ChangeType.FEATURE, Risk.HIGH, "model", summary),
        steps=steps,
        findings=tuple(found),
        cost_usd=Decimal("0.001"),
        baseline_cost_usd=None,
        baseline_model=model,
        budget_usd=Decimal(1),
        wall_s=1.0,
        notes=(error,),
    )
    comment = render_comment(result)
    assert comment.startswith(MARKER + "\n")
    assert comment.count("<!-- reviewbot") == 1
    assert len(comment) <= 65000
    assert not re.search(r"<\s*(?:img|script|iframe|svg)\b", comment, re.I)
    assert comment.count("<details") == comment.count("</details>")  # hostile tags stripped


# ---------------------------------------------------------------- explicit cases


def _new_file(path: str, lines: list[str]) -> str:
    body = "".join(f"+{line}\n" for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


def test_a_10_mb_single_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    line = "x = '" + "A1b2" * (10 * 2**20 // 4) + "'"
    path = tmp_path / "big.diff"
    path.write_text(_new_file("big.py", [line]))

    code = main(["review", "--diff", str(path), "--format", "json"], {})

    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err
    assert '"path": "big.py"' in out


def test_50000_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "many.diff"
    with path.open("w") as handle:
        for i in range(50_000):
            handle.write(_new_file(f"pkg{i % 97}/m{i}.py", [f"v = {i}"]))

    result = deterministic_review(path.read_bytes())

    assert result is not None and len(result.files) == 50_000  # every file is listed
    reviewed = [f for f in result.files if f.reviewed]
    unparsed = [f for f in result.files if f.skipped is SkipReason.TOO_LARGE]
    # 350,000 diff lines pass the parser's bound: the files past it are listed as too large to
    # review (still secret-scanned); no other file is dropped for size, only money would.
    assert len(reviewed) + len(unparsed) == 50_000
    assert len(reviewed) * 7 >= MAX_PARSED_LINES - 7 and unparsed
    assert all(s.status == "skipped" for s in result.steps)  # no keys: no model ran
    chunks = plan_chunks(reviewed, DEFAULTS.max_review_tokens)
    assert len(chunks) > 1 and sum(len(c) for c in chunks) == len(reviewed)


def test_nul_bytes_in_lines_and_headers() -> None:
    diff = (_new_file("a.py", ["x = '\x00\x00'", "\x00"]) + _new_file("b\x00c.txt", ["y"])).encode()
    result = deterministic_review(diff)
    assert result is not None
    assert "a.py" in [f.path for f in result.files]


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00" * 64,
        b"\xff\xfe\x00g\x00a\x00r\x00b",
        b"hello world\n",
        b"PK\x03\x04" + bytes(range(256)),
    ],
    ids=["nul", "utf16-bom", "prose", "zip"],
)
def test_cli_on_garbage_exits_2_with_one_line(
    garbage: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "garbage.diff"
    path.write_bytes(garbage)

    code = main(["review", "--diff", str(path)], {})

    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("reviewbot: error: ")


def test_cli_on_garbage_from_stdin_as_a_subprocess() -> None:
    proc = run_module(["review", "--diff", "-"], {}, stdin=b"\x89PNG\r\n\x1a\n" + bytes(300))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
