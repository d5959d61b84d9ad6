"""Red team, routing: a PR cannot talk its way out of its security review.

The red team turned an auth check into ``return True`` and described the PR as docs-only;
the cheap classifier model answered ``docs/low``; ``security`` and ``quality`` were skipped
"for docs changes", and the comment said "No findings".

The floor (``reviewbot.engine.routing.FLOOR``): whatever a model says the change is, ``security``
runs while the reviewed files include code, config, CI or dependency manifests, and
``quality`` runs while they include code. The model still chooses the chains, but when its
type contradicts the files its risk is not trusted below the path heuristic's. The comment
says when the model's type and the files disagree. A classification made from the paths
themselves (docs only, tests only) still skips as configured.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from reviewbot.config.load import parse_config
from reviewbot.diff.kinds import FileKind
from reviewbot.domain import ChangeType, Classification, Risk
from reviewbot.engine.routing import FLOOR, route
from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import VendorFakes
from tests.hardening.harness import FAST, ActionRun, action_run

AUTH_BYPASS = """\
diff --git a/app/auth.py b/app/auth.py
index 1111111..2222222 100644
--- a/app/auth.py
+++ b/app/auth.py
@@ -10,8 +10,6 @@ def check_token(token: str) -> bool:
     \"\"\"True when the token is valid for this service.\"\"\"
-    if not token:
-        return False
-    claims = decode(token, KEY)
-    return claims.get("aud") == AUDIENCE
+    # simplified
+    return True
 
 
 def current_user(request):
"""


def new_file(path: str, lines: int, text: str = "line") -> str:
    """A diff that adds ``path`` with ``lines`` lines."""
    body = "".join(f"+{text} {i}\n" for i in range(lines))
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{lines} @@\n{body}"
    )


DOCS = new_file("docs/guide.md", 8, "Some prose")
# (case, diff, what the classifier model answers, steps that must run, steps that may skip)
CASES = [
    ("auth-bypass-called-docs", AUTH_BYPASS + DOCS, "docs", {"security", "quality"}, set()),
    (
        "workflow-called-docs",
        DOCS + new_file(".github/workflows/release.yml", 8, "# step"),
        "docs",
        {"security"},
        {"quality"},
    ),
    (
        "manifest-called-docs",
        DOCS + new_file("package.json", 8, '"x": 1,'),
        "docs",
        {"security"},
        {"quality"},
    ),
    ("code-called-tests", AUTH_BYPASS + DOCS, "tests", {"security", "quality"}, set()),
    ("code-called-deps", AUTH_BYPASS + DOCS, "deps", {"security", "quality"}, set()),
]
CONFIG = FAST


def _run(
    github: FakeGitHub,
    fakes: VendorFakes,
    tmp: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
    diff: str,
    answer: str,
) -> ActionRun:
    run = action_run(github, fakes, tmp, realdata)
    run.serve(diff, title="Docs: fix typos", body="Docs-only change, nothing to review.")
    run.base_config(CONFIG)
    # the classifier (openai:gpt-5-mini) is the first OpenAI call of the run
    classification = {"change_type": answer, "risk": "low", "rationale": "Only docs changed."}
    fakes.reply_json("openai", classification)
    assert run.run(capsys) == 0, run.stdout + run.stderr
    return run


@pytest.mark.parametrize(
    ("diff", "answer", "must_run", "may_skip"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_model_classification_cannot_skip_the_reviews_the_files_need(
    diff: str,
    answer: str,
    must_run: set[str],
    may_skip: set[str],
    github: FakeGitHub,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _run(github, vendor_fakes, tmp_path, realdata, capsys, diff, answer)
    report = run.report()
    assert report["classification"]["source"] == "model"
    assert report["classification"]["change_type"] == answer
    for step in must_run:
        assert run.step(step)["status"] == "ok", run.step(step)
    for step in may_skip:
        assert run.step(step)["status"] == "skipped"
    comment = run.comment()
    assert f"the classifier called this a {answer} change, but it changes" in comment
    assert " ran anyway" in comment


def test_the_lying_classifier_does_not_pick_the_cheapest_security_model(
    github: FakeGitHub,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _run(github, vendor_fakes, tmp_path, realdata, capsys, AUTH_BYPASS + DOCS, "docs")
    # app/auth.py is a sensitive path: the path heuristic says high risk, so the high chain
    assert run.step("security")["model"] == "anthropic:claude-opus-4-7"


def test_an_honest_docs_classification_still_skips(
    github: FakeGitHub,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    diff = DOCS + new_file("tests/test_guide.py", 8, "assert True  #")
    run = _run(github, vendor_fakes, tmp_path, realdata, capsys, diff, "docs")
    assert run.step("security")["status"] == "skipped"
    assert run.step("quality")["status"] == "skipped"
    assert "the classifier called this" not in run.comment()


def test_a_docs_only_pr_decided_by_its_paths_skips_as_configured(
    github: FakeGitHub,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata)
    run.serve(DOCS)
    run.base_config(CONFIG)
    assert run.run(capsys) == 0
    assert run.report()["classification"]["source"] == "heuristic"
    assert run.step("security")["status"] == "skipped"
    assert not vendor_fakes.requests_for("anthropic")


KINDS: tuple[FileKind, ...] = ("code", "test", "docs", "deps", "config", "ci", "data")


@pytest.mark.parametrize("change_type", list(ChangeType))
@pytest.mark.parametrize("source", ["model", "default"])
def test_no_model_answer_skips_a_step_below_its_floor(change_type: ChangeType, source: str) -> None:
    """Every change type a model could answer, against every set of file kinds (2^7)."""
    every = "[docs, tests, deps, config, chore, feature, bugfix, refactor]"
    config = parse_config(
        f"steps: {{security: {{skip_for: {every}}}, quality: {{skip_for: {every}}}}}"
    )
    classification = Classification(change_type, Risk.LOW, source, "")  # type: ignore[arg-type]
    for size in range(len(KINDS) + 1):
        for kinds in itertools.combinations(KINDS, size):
            for step, floor in FLOOR.items():
                plan = route(step, classification, config, kinds)
                if floor & set(kinds):
                    assert plan.skip_reason is None, (step, change_type, kinds)
                    assert plan.chain
                else:
                    assert plan.skip_reason is not None, (step, change_type, kinds)
