"""The release script: the released action.yml runs the image by digest; tags are immutable."""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "release.py"
DIGEST = "sha256:" + "ab" * 32


def _load(root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"release_{id(root)}", root / ".ci/release.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A repository with this project's release inputs and a bare origin to push to."""
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    _git(tmp_path, "init", "-q", "--bare", str(origin))
    _git(tmp_path, "init", "-q", "-b", "main", str(work))
    for name in ("action.yml", "README.md", "examples/workflows/reviewbot.yml",
                 "reviewbot/__init__.py", ".ci/release.py"):  # fmt: skip
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, work / name)
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "main")
    _git(work, "remote", "add", "origin", str(origin))
    _git(work, "push", "-q", "origin", "main")
    return work


def _version() -> str:
    return str(_load(ROOT).package_version())


def _run(work: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GITHUB_REPOSITORY": "Reviewbot/Reviewbot"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env |= {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    if path:
        env["PATH"] = path + os.pathsep + env["PATH"]
    return subprocess.run(
        [sys.executable, str(work / ".ci/release.py"), *args],
        cwd=work, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_dry_run_prints_the_digest_reference_and_changes_nothing(checkout: Path) -> None:
    before = _git(checkout, "rev-parse", "HEAD")
    run = _run(checkout, "--version", _version(), "--digest", DIGEST)
    assert run.returncode == 0, run.stderr
    assert f"image: docker://ghcr.io/reviewbot/reviewbot@{DIGEST}" in run.stdout
    assert "git push origin refs/tags/v" in run.stdout
    assert _git(checkout, "rev-parse", "HEAD") == before
    assert _git(checkout, "tag", "--list") == ""
    assert "image: Dockerfile" in (checkout / "action.yml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "1.2", "--digest", DIGEST], "is not X.Y.Z"),
        (["--version", "99.0.0", "--digest", DIGEST], "differs from reviewbot.__version__"),
        (["--version", "{v}", "--digest", "sha256:1234"], "--digest sha256:<64 hex>"),
        (["--version", "{v}", "--digest", "latest"], "--digest sha256:<64 hex>"),
        (["--version", "{v}", "--local-image", "x", "--push"], "for dry runs"),
    ],
)
def test_bad_releases_are_refused_with_a_reason(
    checkout: Path, args: list[str], message: str
) -> None:
    run = _run(checkout, *[a.replace("{v}", _version()) for a in args])
    assert run.returncode == 2
    assert message in run.stderr


def test_a_release_commits_the_digest_tags_it_and_repins_the_examples(
    checkout: Path, tmp_path: Path
) -> None:
    # The registry step goes through `docker buildx imagetools`; a stand-in records the call.
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "docker").write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "docker-args"}\n')
    (shim / "docker").chmod(stat.S_IRWXU)
    version, main = _version(), _git(checkout, "rev-parse", "HEAD")

    run = _run(checkout, "--version", version, "--digest", DIGEST, "--push", path=str(shim))

    assert run.returncode == 0, run.stderr + run.stdout
    tagged = _git(checkout, "rev-parse", f"v{version}^{{commit}}")
    major = "v" + version.split(".")[0]
    assert _git(checkout, "rev-parse", f"{major}^{{commit}}") == tagged
    assert _git(checkout, "rev-parse", f"{tagged}^") == main  # on top of main
    assert _git(checkout, "rev-parse", "HEAD") == main  # the branch did not move
    released = _git(checkout, "show", f"{tagged}:action.yml")
    assert f"image: docker://ghcr.io/reviewbot/reviewbot@{DIGEST}" in released
    assert "image: Dockerfile" not in released
    origin = checkout.parent / "origin.git"
    assert _git(origin, "rev-parse", f"v{version}^{{commit}}") == tagged
    pushed = (tmp_path / "docker-args").read_text()
    assert f"ghcr.io/reviewbot/reviewbot:{version}" in pushed
    assert f"ghcr.io/reviewbot/reviewbot@{DIGEST}" in pushed
    example = (checkout / "examples/workflows/reviewbot.yml").read_text()
    assert f"@{tagged} # v{version}" in example
    assert f"@{tagged} # v{version}" in (checkout / "README.md").read_text()

    again = _run(checkout, "--version", version, "--digest", DIGEST, "--push", path=str(shim))
    assert again.returncode == 2
    assert "releases are immutable" in again.stderr
