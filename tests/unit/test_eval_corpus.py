"""The corpus format, and the starter corpus in ``eval/corpus``: provenance, licence, labels."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reviewbot.diff.parse import parse_diff
from reviewbot.eval.corpus import CorpusError, load_corpus
from reviewbot.eval.match import category_family

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "eval" / "corpus"
ADD = (
    "diff --git a/app/db.py b/app/db.py\nindex 1111111..2222222 100644\n"
    "--- a/app/db.py\n+++ b/app/db.py\n@@ -1,2 +1,4 @@\n import db\n"
    "+def find(name):\n+    return db.run(f\"SELECT * FROM t WHERE n = '{name}'\")\n x = 1\n"
)


def _case(root: Path, name: str, expected: object, diff: str = ADD, meta: object = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "pr.diff").write_text(diff)
    if expected is not None:
        (folder / "expected.json").write_text(json.dumps(expected))
    if meta is not None:
        (folder / "case.json").write_text(json.dumps(meta))
    return folder


# ---------------------------------------------------------------- the format


def test_cases_are_found_at_any_depth_and_read(tmp_path: Path) -> None:
    label = {"path": "app/db.py", "lines": [3, 3], "category": "CWE-89", "note": "the query"}
    _case(tmp_path, "vulnerable/sqli", [label], meta={"title": "Add find()", "source": "mine"})
    _case(tmp_path, "clean/same", [])
    cases = load_corpus(tmp_path)
    assert [c.id for c in cases] == ["clean/same", "vulnerable/sqli"]
    clean, vulnerable = cases
    assert clean.clean and clean.pull_request() is None  # reviewed as a local diff
    assert not vulnerable.clean
    assert (vulnerable.labels[0].path, vulnerable.labels[0].start) == ("app/db.py", 3)
    pr = vulnerable.pull_request()
    assert pr is not None and (pr.title, pr.body) == ("Add find()", "")
    assert [c.id for c in load_corpus(tmp_path, ["clean/*"])] == ["clean/same"]


@pytest.mark.parametrize(
    ("expected", "problem"),
    [
        (None, "no expected.json"),
        ({"path": "app/db.py"}, "must be a list"),
        (["app/db.py:3"], "a label is an object"),
        ([{"path": "app/db.py", "lines": [3], "category": "x"}], "lines must be"),
        ([{"path": "app/db.py", "lines": [4, 3], "category": "x"}], "lines must be"),
        ([{"path": "app/db.py", "lines": [0, 3], "category": "x"}], "lines must be"),
        ([{"path": "app/db.py", "lines": [3, 3], "category": ""}], "category must be"),
        ([{"path": "app/db.py", "lines": [3, 3], "category": "x", "cwe": 1}], "unknown keys"),
        ([{"path": "app/web.py", "lines": [3, 3], "category": "x"}], "no such file"),
        ([{"path": "app/db.py", "lines": [40, 50], "category": "x"}], "none of them is a line"),
    ],
)
def test_a_malformed_case_is_refused_before_anything_runs(
    tmp_path: Path, expected: object, problem: str
) -> None:
    _case(tmp_path, "bad", expected)
    with pytest.raises(CorpusError, match=problem):
        load_corpus(tmp_path)


def test_an_empty_corpus_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no case"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match="not a directory"):
        load_corpus(tmp_path / "missing")


# ---------------------------------------------------------------- the starter corpus


def _starter() -> list[Path]:
    return sorted(p.parent for p in CORPUS.rglob("pr.diff"))


def test_the_starter_corpus_loads_and_has_at_least_as_many_clean_cases() -> None:
    cases = load_corpus(CORPUS)
    vulnerable = [c for c in cases if not c.clean]
    clean = [c for c in cases if c.clean]
    assert len(vulnerable) >= 9
    assert len(clean) >= len(vulnerable)
    assert all(c.id.startswith("vulnerable/") for c in vulnerable)
    assert all(c.id.startswith("clean/") for c in clean)
    assert all(c.pull_request() is None for c in cases)  # no title that names the fix


def test_every_starter_case_records_provenance_and_licence() -> None:
    for folder in _starter():
        meta = json.loads((folder / "case.json").read_text())
        source = meta["source"]
        for key in ("repository", "commit", "parent", "commit_url", "file", "derived"):
            assert source.get(key), (folder.name, key)
        assert source["commit_url"].endswith(source["commit"])
        assert meta["licence"] in {"MIT", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0"}
        assert (CORPUS / meta["licence_file"]).is_file(), folder.name
        assert (ROOT / source["file"]).is_file(), folder.name
        assert f"`{folder.relative_to(CORPUS).as_posix()}`" in (CORPUS / "README.md").read_text()


def test_every_starter_label_points_at_a_line_the_reversed_diff_adds() -> None:
    checked = 0
    for folder in _starter():
        labels = json.loads((folder / "expected.json").read_text())
        files = {f.path: f for f in parse_diff((folder / "pr.diff").read_bytes())}
        for label in labels:
            start, end = label["lines"]
            added = {ln.new_no: ln.text for ln in files[label["path"]].added_lines}
            for line in range(start, end + 1):
                assert line in added, (folder.name, label)
            # The note is the vulnerable line as the fix removed it: the same text.
            assert added[start].strip() == label["note"], (folder.name, label)
            assert category_family(label["category"]), label
            checked += 1
    assert checked >= 15


def test_the_vulnerable_cases_are_the_fixes_reversed(realdata: Path) -> None:
    from reviewbot.eval.reverse import reverse_diff

    for folder in (CORPUS / "vulnerable").iterdir():
        meta = json.loads((folder / "case.json").read_text())
        fix = (realdata / "security" / folder.name).with_suffix(".diff").read_bytes()
        reversed_fix = reverse_diff(fix)
        ours = (folder / "pr.diff").read_bytes()
        assert meta["source"]["file"].endswith(f"{folder.name}.diff")
        # Every block of the case is a block of the reversed fix (changelogs may be left out).
        for block in ours.split(b"diff --git ")[1:]:
            assert b"diff --git " + block in reversed_fix, folder.name
        raw = json.loads((realdata / "security" / folder.name).with_suffix(".json").read_text())
        assert meta["source"]["cve"] == raw["cve"]
        assert json.loads((folder / "expected.json").read_text())[0]["category"] == raw["cwe"]


def test_no_vulnerable_case_names_its_fix_in_a_changelog() -> None:
    for folder in (CORPUS / "vulnerable").iterdir():
        paths = [f.path for f in parse_diff((folder / "pr.diff").read_bytes())]
        assert not [p for p in paths if p.startswith(("CHANGES", "news/"))], folder.name


def test_the_starter_corpus_is_what_the_builder_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "eval" / "build_corpus.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
