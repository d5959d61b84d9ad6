"""The pure parts of context beyond the hunk and of repository instructions."""

from __future__ import annotations

from typing import Any

import pytest

from reviewbot.config.load import parse_config
from reviewbot.diff.parse import parse_diff
from reviewbot.domain import Guideline
from reviewbot.engine.context import SourceText, gather, mask_secrets, wanted_modes
from reviewbot.errors import ConfigError
from reviewbot.steps import instructions
from reviewbot.steps.context import file_context
from reviewbot.steps.enclosing import MAX_REGION_LINES, enclosing_regions
from reviewbot.steps.views import numbered_diff, view_for

PYTHON = """\
import os


@cache
@other
def outer(a):
    x = 1

    def inner():
        return 2

    return x


class Shop:
    rate = 3

    def total(self, items):
        return sum(items) * self.rate


VALUE = 4
"""


@pytest.mark.parametrize(
    ("line", "region"),
    [
        (7, (4, 12)),  # in outer: decorators included, the nested def too
        (10, (9, 10)),  # in inner: the innermost
        (16, (15, 19)),  # a class attribute: the class
        (19, (18, 19)),  # in a method: the method
        (22, None),  # module level: nothing encloses it
        (1, None),
    ],
)
def test_python_regions_come_from_the_parser(line: int, region: tuple[int, int] | None) -> None:
    assert enclosing_regions("m.py", PYTHON, [line]) == ([region] if region else [])


def test_python_that_does_not_parse_falls_back_to_indentation() -> None:
    broken = "def ok():\n    return 1\n\ndef broken(:\n    x = 1\n    y = 2\n\nz = 3\n"
    assert enclosing_regions("b.py", broken, [5]) == [(4, 6)]


JAVASCRIPT = """\
const TAX = 0.2; // a { in a comment
/* and } in a block comment */
export async function load(user,
                           opts) {
  const s = "}";
  if (user) {
    return `${s} {`;
  }
  items.forEach((x) => {
    x.y = 1;
  });
}

class Store {
  get(key) {
    return this.map[key];
  }
}

const add = async (a, b) => {
  return a + b;
};

describe("cart", () => {
  it("adds", () => {
    expect(add(1, 2)).toBe(3);
  });
});
"""


@pytest.mark.parametrize(
    ("line", "region"),
    [
        (7, (3, 12)),  # in an if inside a function over two lines: the whole function
        (10, (3, 12)),  # in a callback passed to a call: still the named function
        (16, (15, 17)),  # in a method: the method
        (14, (14, 18)),  # on the class line: the class
        (21, (20, 22)),  # in an arrow function assigned to a name
        (26, None),  # test callbacks are not declarations
        (1, None),
    ],
)
def test_brace_languages_find_the_declaration_block(
    line: int, region: tuple[int, int] | None
) -> None:
    for path in ("cart.js", "cart.ts"):
        assert enclosing_regions(path, JAVASCRIPT, [line]) == ([region] if region else [])


def test_go_and_java_headers_count_as_declarations() -> None:
    go = "package m\n\nfunc (s *S) Pay(n int) error {\n\tif n < 0 {\n\t\treturn nil\n\t}\n}\n"
    assert enclosing_regions("pay.go", go, [5]) == [(3, 7)]
    java = "class A {\n  public int pay(int n) throws IOException {\n    return n;\n  }\n}\n"
    assert enclosing_regions("A.java", java, [3]) == [(2, 4)]


def test_other_languages_use_indentation() -> None:
    ruby = "class A\n  def pay(n)\n    n + 1\n  end\nend\n"
    assert enclosing_regions("a.rb", ruby, [3]) == [(2, 4)]


def test_a_region_too_long_to_be_useful_is_left_out() -> None:
    body = "".join(f"    x{n} = {n}\n" for n in range(MAX_REGION_LINES + 5))
    assert enclosing_regions("big.py", f"def big():\n{body}", [3]) == []


def test_unbalanced_braces_fall_back_to_indentation() -> None:
    text = "function f() {\n  if (x) {\n    y();\n"
    assert enclosing_regions("f.js", text, [3]) == [(1, 3)]


def _diff(path: str, old: str, new: str) -> str:
    import difflib

    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}"
    )
    return f"diff --git a/{path} b/{path}\n" + "".join(lines)


def test_the_numbered_view_marks_context_lines_and_keeps_them_out_of_the_hunks() -> None:
    new = PYTHON.replace("        return sum(items) * self.rate", "        return sum(items)")
    (file,) = parse_diff(_diff("m.py", PYTHON, new))
    # The method (lines 18-19) is all inside the hunk: function context adds nothing.
    assert file_context(file, new, "function") is None
    whole = file_context(file, new, "file")
    assert whole is not None
    assert not {n for n, _ in whole.lines} & file.right_lines
    assert {n for n, _ in whole.lines} | file.right_lines == set(range(1, 23))
    text = numbered_diff([file], {"m.py": whole})
    assert "       1 = import os" in text
    assert "=== context: new-file lines 1-15, unchanged, not in the diff ===" in text
    assert text.index("       1 = import os") < text.index("@@ -16,")
    assert file_context(file, new, "hunk") is None


def test_a_function_context_adds_exactly_the_enclosing_function() -> None:
    new = PYTHON.replace("    x = 1\n", "    x = 10\n")
    # A -U0 diff: the changed line alone.
    (file,) = parse_diff(
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -7 +7 @@\n-    x = 1\n+    x = 10\n"
    )
    context = file_context(file, new, "function")
    assert context is not None
    assert [n for n, _ in context.lines] == [4, 5, 6, 8, 9, 10, 11, 12]


def _config(text: str) -> Any:
    return parse_config(text)


def test_context_modes_default_by_step_and_are_validated() -> None:
    config = _config("steps:\n  perf: {models: [openai:gpt-5-mini]}\n")
    modes = {n: config.steps.get(n).context for n in config.steps.review_steps()}
    assert modes == {"security": "function", "quality": "function", "docs": "hunk", "perf": "hunk"}
    with pytest.raises(ConfigError, match=r"steps\.security\.context"):
        _config("steps:\n  security: {context: everything}\n")
    with pytest.raises(ConfigError, match="classify cannot"):
        _config("steps:\n  classify: {context: file}\n")
    old = _config("budget_usd: 0.5\nsteps:\n  security: {models: [openai:gpt-5-mini]}\n")
    assert old.steps.get("security").context == "function" and old.guidelines


def test_path_instructions_join_only_the_steps_that_read_a_matching_file() -> None:
    config = _config(
        "instructions: every step\n"
        "path_instructions:\n"
        "  - {path: 'src/api/**', instructions: api only}\n"
        "  - {path: '*.md', instructions: markdown only}\n"
    )
    files = parse_diff(
        _diff("src/api/a.py", "x = 1\n", "x = 2\n") + _diff("README.md", "a\n", "b\n")
    )
    guide = (Guideline("AGENTS.md", "use tabs", 8, False),)
    security = instructions.sections(config, view_for("security", files), guide)
    docs = instructions.sections(config, view_for("docs", files), guide)
    assert [t for _, t in security] == ["use tabs", "every step", "api only"]
    assert [t for _, t in docs] == ["use tabs", "every step", "api only", "markdown only"]
    readme_only = instructions.sections(config, [files[1]], ())
    assert [t for _, t in readme_only] == ["every step", "markdown only"]


def test_guidelines_are_capped_per_file_and_in_all() -> None:
    big = "".join(f"line {n}\n" for n in range(3000))  # about 26 KB
    capped = instructions.cap_guidelines(
        [("AGENTS.md", "short\n"), ("CLAUDE.md", big), ("CONTRIBUTING.md", big)]
    )
    sizes = [len(g.text.encode()) for g in capped]
    assert capped[0].text == "short\n" and not capped[0].truncated
    assert capped[1].truncated and sizes[1] <= 8192 and capped[1].text.endswith("\n")
    assert capped[2].truncated and sum(sizes) <= 16384
    assert capped[2].bytes == len(big)
    note = instructions.guideline_note(capped)
    assert note is not None and "CLAUDE.md" in note and "CONTRIBUTING.md" in note


def test_guideline_text_is_masked_for_secrets() -> None:
    token = "ghp_" + "Zq8rT2vX9kLm4NpW7yB3cD6fH1jK5sA0eG2u"
    (guide,) = instructions.cap_guidelines([("AGENTS.md", f"deploy with {token}\n")])
    assert token not in guide.text and "[REDACTED" in guide.text


class _Source:
    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.asked: list[str] = []

    def read(self, path: str, max_bytes: int) -> SourceText:
        self.asked.append(path)
        text = self.texts.get(path)
        if text is None:
            return SourceText(None, 0, "not_found")
        if len(text) > max_bytes:
            return SourceText(None, len(text), "too_large")
        return SourceText(text, len(text))


def test_gather_reads_each_file_once_and_stops_at_the_limits() -> None:
    names = [f"m{n}.py" for n in range(4)]
    new = PYTHON.replace("    x = 1\n", "    x = 10\n")
    files = parse_diff("".join(_diff(n, PYTHON, new) for n in names))
    config = _config(
        "context_limits: {max_files: 3, max_file_bytes: 1000, max_total_bytes: 100000}\n"
    )
    views = {s: view_for(s, files) for s in ("security", "quality", "docs")}
    modes = wanted_modes(views, config)
    assert modes == {n: {"function"} for n in names}
    source = _Source({"m0.py": new, "m1.py": new * 10})
    got = gather(files, modes, source, config, token_room=100_000)
    assert source.asked == names[:3]  # once each; the fourth is past max_files
    statuses = [(f.path, f.status) for f in got.files]
    assert statuses == [
        ("m0.py", "used"), ("m1.py", "too_large"), ("m2.py", "not_found"), ("m3.py", "limit")
    ]  # fmt: skip
    assert set(got.for_view(files, "function")) == {"m0.py"}
    assert any("context_limits" in note for note in got.notes)


def test_gather_leaves_context_out_when_max_review_tokens_has_no_room() -> None:
    new = PYTHON.replace("    x = 1\n", "    x = 10\n")
    files = parse_diff(_diff("m.py", PYTHON, new))
    config = _config(None)
    modes = {"m.py": {"function"}}
    got = gather(files, modes, _Source({"m.py": new}), config, token_room=5)
    assert [f.status for f in got.files] == ["budget"] and not got.contexts
    assert any("max_review_tokens" in note for note in got.notes)


def test_fetched_text_is_masked_like_the_diff_and_for_the_diffs_own_secrets() -> None:
    token = "ghp_" + "Zq8rT2vX9kLm4NpW7yB3cD6fH1jK5sA0eG2u"
    assert token not in mask_secrets(f'KEY = "{token}"\n')
    odd = "not-a-known-format-but-found-in-the-diff"
    assert mask_secrets(f"x = '{odd}'\n", [(odd, "[REDACTED:x]")]) == "x = '[REDACTED:x]'\n"
