"""Build the starter corpus ``eval/corpus`` from the real data in ``tests/data/realdata``.

    python eval/build_corpus.py            # rewrites eval/corpus
    python eval/build_corpus.py --check    # exits 1 if eval/corpus differs from a rebuild

- ``vulnerable/<S…>``: each security fix of ``tests/data/realdata/security`` reversed with
  ``reviewbot.eval.reverse`` so that the PR *introduces* the vulnerability. The labels are the
  fix's ``vulnerable_removed_lines``: after the reversal each is a line the PR adds, at the
  same number (a removed line's old-file number is the reversed diff's new-file number).
  Changelog files whose lines name the fix (``CHANGES``, ``news/*``) are left out of the
  reversed diff: they would tell the reviewer what to look for. Tests stay.
- ``clean/<NN…>``: the ordinary commits of ``tests/data/realdata/diffs`` as they are (CI,
  renames, style, release notes, tests, dependency bumps, docs, a refactor), with no label:
  any finding on them counts as a false positive. Left out: ``13_huge_lockfile`` (280 KB, and
  ``10`` is a dependency bump already) and ``15`` (the forward fix of ``S2``).

Every case's ``case.json`` records where it comes from (repository, commit, parent, URL) and
its licence; the licence texts are copied to ``eval/corpus/LICENSES``; ``eval/corpus/README.md``
is the provenance table.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewbot.eval.corpus import without_changelogs, write_case  # noqa: E402
from reviewbot.eval.match import Label  # noqa: E402
from reviewbot.eval.reverse import reverse_diff  # noqa: E402

REALDATA = ROOT / "tests" / "data" / "realdata"
OUT = ROOT / "eval" / "corpus"
LEFT_OUT = {"13_huge_lockfile.diff", "15_security_fix_path_traversal.diff"}
CLEAN_KINDS = {
    "01": "tooling: a pre-commit workflow set up, its config renamed",
    "02": "rename: a workflow file renamed",
    "03": "style: debugger CSS, JS and a binary image updated",
    "04": "chore: the executable bit removed from example scripts",
    "05": "release: changelog fragments folded into CHANGES.rst",
    "06": "tests: test packages reorganised, fixtures narrowed",
    "07": "ci: azure-pipelines.yml reformatted",
    "08": "whitespace: a trailing newline added",
    "09": "whitespace: a test file converted from CRLF to LF",
    "10": "dependency bump: requests 2.30.0 -> 2.31.0 in a requirements file",
    "11": "test data: three sample files in legacy encodings",
    "12": "dependency bump: a submodule pointer",
    "14": "docs: README wording",
    "16": "refactor: a vendored library replaced by the standard library",
}


def _source(meta: dict[str, Any], file: str) -> dict[str, Any]:
    keys = ("repository", "commit", "parent", "commit_url", "subject", "author", "author_date")
    return {**{k: meta[k] for k in keys if k in meta}, "file": f"tests/data/realdata/{file}"}


def _licence_file(repository: str) -> str:
    return f"LICENSES/{repository.replace('/', '_')}.txt"


def build(realdata: Path, out: Path) -> list[dict[str, Any]]:
    """Write the corpus into ``out`` (emptied first); return one provenance row per case."""
    if out.exists():
        shutil.rmtree(out)
    rows: list[dict[str, Any]] = []
    for meta_path in sorted((realdata / "security").glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        diff, dropped = without_changelogs(
            reverse_diff(meta_path.with_suffix(".diff").read_bytes())
        )
        labels = [
            Label(v["path"], v["old_line"], v["old_line"], meta["cwe"])
            for v in meta["vulnerable_removed_lines"]
        ]
        notes = [v["text"].strip() for v in meta["vulnerable_removed_lines"]]
        derived = (
            "the reverse of the fix commit's diff (reviewbot.eval.reverse), so the PR introduces "
            "the vulnerability; labels: the fix's vulnerable removed lines, now added lines"
        )
        if dropped:
            derived += f"; left out because they name the fix: {', '.join(dropped)}"
        source = {
            **_source(meta, f"security/{meta_path.with_suffix('.diff').name}"),
            "derived": derived,
            "cve": meta.get("cve"),
            "cwe": meta.get("cwe"),
            "cwe_name": meta.get("cwe_name"),
            "affected": meta.get("affected"),
            "references": meta.get("references", []),
        }
        case = {
            "kind": "vulnerable",
            "summary": meta.get("summary"),
            "source": source,
            "licence": meta["license"],
            "licence_file": _licence_file(meta["repository"]),
        }
        case_id = f"vulnerable/{meta_path.stem}"
        write_case(out / case_id, diff, labels, case, notes)
        rows.append({"id": case_id, "labels": len(labels), **case})
    expected = json.loads((realdata / "diffs" / "expected.json").read_text(encoding="utf-8"))
    for meta in expected["diffs"]:
        name = Path(meta["file"]).name
        if name in LEFT_OUT:
            continue
        diff = (realdata / meta["file"]).read_bytes()
        case = {
            "kind": "clean",
            "summary": CLEAN_KINDS[name[:2]],
            "source": {**_source(meta, meta["file"]), "derived": "verbatim (git's own diff)"},
            "licence": meta["license"],
            "licence_file": _licence_file(meta["repository"]),
        }
        case_id = f"clean/{Path(name).stem}"
        write_case(out / case_id, diff, [], case)
        rows.append({"id": case_id, "labels": 0, **case})
    licences = out / "LICENSES"
    licences.mkdir(parents=True, exist_ok=True)
    for row in rows:
        source_licence = realdata / row["licence_file"]
        shutil.copyfile(source_licence, out / row["licence_file"])
    (out / "README.md").write_text(_readme(rows), encoding="utf-8")
    return rows


def _readme(rows: list[dict[str, Any]]) -> str:
    lines = [
        "# reviewbot eval: the starter corpus",
        "",
        "Generated by `python eval/build_corpus.py` from `tests/data/realdata` (do not edit by "
        "hand; a test rebuilds it and compares). The case format is described in the README "
        '("Evaluate your configuration").',
        "",
        "Every diff here is other people's code, from the public repositories and commits below, "
        "under their own licences (texts in `LICENSES/`); it is kept only as evaluation input. "
        "`vulnerable/` cases are real security fixes *reversed*, so that the PR introduces the "
        "vulnerability; their labels are the lines the fix removed. `clean/` cases are ordinary "
        "commits as they are: no known problem, so any finding on them counts as a false "
        "positive (clean means no *known* vulnerability, not proven correct).",
        "",
        "| case | kind | source | labels | licence |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        source = row["source"]
        what = row["summary"]
        if row["kind"] == "vulnerable":
            what = f"{source['cve']} ({source['cwe']}, {source['cwe_name']})"
        commit = f"[{source['repository']}@{source['commit'][:12]}]({source['commit_url']})"
        lines.append(
            f"| `{row['id']}` | {row['kind']}: {what} | {commit} | {row['labels']} | "
            f"{row['licence']} |"
        )
    lines += [
        "",
        "Left out of `tests/data/realdata/diffs`: `13_huge_lockfile` (280 KB; `10` is a dependency "
        "bump already) and `15_security_fix_path_traversal` (the forward fix of `S2`).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--realdata", default=str(REALDATA))
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--check", action="store_true", help="compare with a fresh build")
    args = parser.parse_args(argv)
    if not args.check:
        build(Path(args.realdata), Path(args.out))
        print(f"wrote {args.out}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "corpus"
        build(Path(args.realdata), fresh)
        differences = _differences(fresh, Path(args.out))
    for line in differences:
        print(line)
    return 1 if differences else 0


def _differences(fresh: Path, current: Path) -> list[str]:
    out = []
    left = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    right = (
        {p.relative_to(current) for p in current.rglob("*") if p.is_file()}
        if current.exists()
        else set()
    )
    for path in sorted(left - right):
        out.append(f"missing: {path}")
    for path in sorted(right - left):
        out.append(f"not built: {path}")
    for path in sorted(left & right):
        if not filecmp.cmp(fresh / path, current / path, shallow=False):
            out.append(f"differs: {path}")
    return out


if __name__ == "__main__":
    sys.exit(main())
