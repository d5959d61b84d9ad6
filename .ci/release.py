#!/usr/bin/env python3
"""Cut a release of the action: a release commit whose action.yml runs the published image.

The image is built, smoke-tested, pushed and attested by .github/workflows/release.yml; this
script does the rest, with the digest that workflow recorded:

1. checks that the version is X.Y.Z, equals ``reviewbot.__version__`` and is not tagged yet;
2. writes a release commit (on top of HEAD, off any branch) whose ``action.yml`` says
   ``image: docker://ghcr.io/OWNER/NAME@sha256:…`` instead of ``image: Dockerfile``, so a
   user's job pulls that exact image and builds nothing, and a commit-SHA pin of the
   release pins the image too;
3. tags it ``vX.Y.Z`` (annotated, immutable: an existing tag is an error) and moves the
   major tag ``vX`` to it; tags the image ``X.Y.Z`` and ``vX`` in the registry;
4. re-pins the example workflow and the README on the default branch to the release
   commit (``uses: OWNER/NAME@<sha> # vX.Y.Z``).

Usage:
  .ci/release.py --version 1.2.0 --digest sha256:… [--image ghcr.io/owner/name] [--push]
  .ci/release.py --version 1.2.0 --local-image localhost/reviewbot-smoke:latest   # dry run

Without ``--push`` nothing is written, tagged or pushed: the script prints the released
``action.yml`` image line and every command it would run (a dry run). ``--local-image``
takes the digest of a locally built image (podman or docker), for a dry run here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION_RE = re.compile(r"^(?P<major>0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)$")
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
IMAGE_LINE = "  image: Dockerfile"
USES_RE = re.compile(r"(uses: )(?P<repo>[\w.-]+/[\w.-]+)@[0-9a-f]{40}( # .*)?$", re.MULTILINE)
PINNED_FILES = ("examples/workflows/reviewbot.yml", "README.md")


class ReleaseError(Exception):
    """A release that must not go ahead; the message says why."""


def package_version() -> str:
    """``reviewbot.__version__``, read from the source (no import)."""
    text = (ROOT / "reviewbot" / "__init__.py").read_text()
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not match:
        raise ReleaseError("reviewbot/__init__.py has no __version__")
    return match.group(1)


def default_image() -> str:
    """``ghcr.io/<owner>/<name>``, lower-case (registry names must be), from the Actions env."""
    repository = os.environ.get("GITHUB_REPOSITORY", "reviewbot/reviewbot")
    return f"ghcr.io/{repository.lower()}"


def local_digest(tag: str) -> str:
    """The digest of a locally built image, from podman or docker."""
    for tool in ("podman", "docker"):
        if shutil.which(tool):
            out = subprocess.run(
                [tool, "image", "inspect", tag], capture_output=True, text=True, check=False
            )
            if out.returncode == 0:
                info = json.loads(out.stdout)[0]
                digest = info.get("Digest") or ""
                if DIGEST_RE.match(digest):
                    return str(digest)
    raise ReleaseError(f"no local image {tag!r} with a sha256 digest (podman or docker)")


def released_action(action_yml: str, reference: str, version: str) -> str:
    """``action.yml`` with the Dockerfile build replaced by the published image."""
    if action_yml.count(IMAGE_LINE + "\n") != 1:
        raise ReleaseError(f"action.yml must contain exactly one line {IMAGE_LINE.strip()!r}")
    line = f"  image: docker://{reference}  # v{version}, built by .github/workflows/release.yml"
    return action_yml.replace(IMAGE_LINE + "\n", line + "\n")


def repinned(text: str, repo: str, sha: str, version: str) -> str:
    """Every ``uses: <repo>@<sha> # …`` of this action re-pinned to the release commit."""

    def swap(match: re.Match[str]) -> str:
        if match.group("repo").lower() != repo.lower():
            return match.group(0)
        return f"{match.group(1)}{match.group('repo')}@{sha} # v{version}"

    return USES_RE.sub(swap, text)


def git(*args: str, capture: bool = False) -> str:
    """Run git in the repository; raise with git's own message on failure."""
    proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.strip() if capture else ""


def plan(version: str, image: str, digest: str) -> list[list[str]]:
    """The commands a release runs after the release commit exists (``{sha}`` filled in later)."""
    major = "v" + version.split(".")[0]
    return [
        ["git", "tag", "--annotate", f"v{version}", "-m", f"reviewbot v{version}", "{sha}"],
        ["git", "tag", "--force", "--annotate", major, "-m", f"reviewbot {major}", "{sha}"],
        ["git", "push", "origin", f"refs/tags/v{version}"],
        ["git", "push", "--force", "origin", f"refs/tags/{major}"],
        ["docker", "buildx", "imagetools", "create", "--tag", f"{image}:{version}",
         "--tag", f"{image}:{major}", f"{image}@{digest}"],
    ]  # fmt: skip


def main(argv: list[str]) -> int:
    """Parse the arguments and run (or print) the release."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", required=True, help="X.Y.Z, equal to reviewbot.__version__")
    parser.add_argument("--digest", help="sha256:… of the pushed image (release.yml records it)")
    parser.add_argument("--local-image", help="take the digest of this local image (dry run)")
    parser.add_argument("--image", default=default_image(), help="registry repository")
    repository = os.environ.get("GITHUB_REPOSITORY", "reviewbot/reviewbot")
    parser.add_argument("--repo", default=repository, help="owner/name the examples pin")
    parser.add_argument("--push", action="store_true", help="really commit, tag and push")
    args = parser.parse_args(argv)
    try:
        return release(args)
    except ReleaseError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 2


def release(args: argparse.Namespace) -> int:
    """Check, then write and push (or print) the release."""
    version: str = args.version.removeprefix("v")
    if not VERSION_RE.match(version):
        raise ReleaseError(f"version {args.version!r} is not X.Y.Z")
    if version != package_version():
        raise ReleaseError(
            f"version {version} differs from reviewbot.__version__ {package_version()}: "
            "bump reviewbot/__init__.py first"
        )
    if args.local_image and args.push:
        raise ReleaseError("--local-image is for dry runs; a release needs the pushed --digest")
    digest = args.digest or (local_digest(args.local_image) if args.local_image else None)
    if not digest or not DIGEST_RE.match(digest):
        raise ReleaseError("give --digest sha256:<64 hex> (or --local-image for a dry run)")
    if git("tag", "--list", f"v{version}", capture=True):
        raise ReleaseError(f"tag v{version} exists; releases are immutable, bump the version")

    reference = f"{args.image}@{digest}"
    action = released_action((ROOT / "action.yml").read_text(), reference, version)
    commands = plan(version, args.image, digest)
    print(f"release: v{version}")
    print(f"release: image   {reference}")
    print("release: action.yml of the release commit runs:")
    print("  " + next(line for line in action.splitlines() if "image: docker://" in line).strip())
    if not args.push:
        print("release: dry run; would commit that action.yml on top of HEAD, then run:")
        for command in commands:
            print("  $ " + " ".join(command).replace("{sha}", "<release-commit>"))
        pinned = ", ".join(PINNED_FILES)
        print(f"  then re-pin {pinned} on the default branch to the release commit")
        return 0

    head = git("rev-parse", "HEAD", capture=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Commit through a temporary index: the work tree and the branch stay as they are.
        env_index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        os.environ.update(env_index)
        try:
            git("read-tree", head)
            blob = subprocess.run(
                ["git", "hash-object", "-w", "--stdin"],
                cwd=ROOT, input=action, capture_output=True, text=True, check=True,
            ).stdout.strip()  # fmt: skip
            git("update-index", "--cacheinfo", f"100644,{blob},action.yml")
            tree = git("write-tree", capture=True)
        finally:
            del os.environ["GIT_INDEX_FILE"]
    message = f"Release v{version}\n\naction.yml runs {reference}"
    sha = git("commit-tree", tree, "-p", head, "-m", message, capture=True)
    print(f"release: release commit {sha}")
    for command in commands:
        filled = [part.replace("{sha}", sha) for part in command]
        print("  $ " + " ".join(filled))
        subprocess.run(filled, cwd=ROOT, check=True)
    for name in PINNED_FILES:
        path = ROOT / name
        path.write_text(repinned(path.read_text(), args.repo, sha, version))
    print(f"release: re-pinned {', '.join(PINNED_FILES)} to {sha}; commit and push them to main")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
