"""What kind of file a path is (code, test, docs, deps, config, ci, data), from its name alone."""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePosixPath
from typing import Literal

FileKind = Literal["code", "test", "docs", "deps", "config", "ci", "data"]

_DOC_EXT = {".md", ".rst", ".txt", ".adoc", ".asciidoc", ".org", ".textile", ".rdoc", ".mdx"}
_DOC_NAMES = {
    "readme",
    "changelog",
    "changes",
    "history",
    "news",
    "authors",
    "contributors",
    "license",
    "licence",
    "copying",
    "notice",
    "contributing",
    "code_of_conduct",
    "security",
    "migration",
    "upgrading",
    "releasing",
}
_DOC_DIRS = {"docs", "doc", "documentation", "changelog.d", "changes", "newsfragments", "man"}

_DEPS_NAMES = {
    # manifests
    "package.json",
    "requirements.txt",
    "requirements-dev.txt",
    "pipfile",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "cargo.toml",
    "go.mod",
    "gemfile",
    "composer.json",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "mix.exs",
    "pubspec.yaml",
    "packages.config",
    "directory.packages.props",
    "environment.yml",
    "conda.yml",
    "vcpkg.json",
    "conanfile.txt",
    # lockfiles
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "bun.lock",
    "poetry.lock",
    "pipfile.lock",
    "pdm.lock",
    "uv.lock",
    "cargo.lock",
    "go.sum",
    "gemfile.lock",
    "composer.lock",
    "mix.lock",
    "pubspec.lock",
    "packages.lock.json",
    "gradle.lockfile",
    "flake.lock",
    "podfile.lock",
    "package.resolved",
}
_CONFIG_EXT = {".yml", ".yaml", ".toml", ".ini", ".cfg", ".conf", ".properties", ".env"}
_CONFIG_NAMES = {
    "dockerfile",
    "makefile",
    ".editorconfig",
    ".gitignore",
    ".gitattributes",
    ".dockerignore",
    ".pre-commit-config.yaml",
    "tox.ini",
    ".flake8",
    ".pylintrc",
    "mypy.ini",
    "pytest.ini",
    ".eslintrc",
    ".eslintrc.json",
    ".prettierrc",
    "tsconfig.json",
    "renovate.json",
    ".nvmrc",
    ".python-version",
    "codeowners",
    "docker-compose.yml",
    "docker-compose.yaml",
}
_CI_DIRS = (".github/workflows/", ".circleci/", ".gitlab/", ".buildkite/", ".azure-pipelines/")
_CI_NAMES = {".gitlab-ci.yml", ".travis.yml", "jenkinsfile", "azure-pipelines.yml", "appveyor.yml"}
_DATA_EXT = {".json", ".csv", ".tsv", ".xml", ".svg", ".snap", ".golden", ".lock"}
_TEST_DIRS = {"test", "tests", "__tests__", "spec", "specs", "testing", "testdata", "fixtures"}


def split_path(path: str) -> tuple[list[str], str, str]:
    """``PurePosixPath(path)``'s folders (``parts[:-1]``), ``name`` and ``suffix``.

    A path as git writes it (no empty, ``.`` or leading ``/`` part) is split as a string,
    without building a PurePosixPath (a few microseconds each, for every file of a diff).
    """
    if (
        not path
        or path.startswith(("/", "./"))
        or path.endswith(("/", "/."))
        or "//" in path
        or "/./" in path
        or path == "."
    ):
        p = PurePosixPath(path)
        return list(p.parts[:-1]), p.name, p.suffix
    *folders, name = path.split("/")
    dot = name.rfind(".")
    return folders, name, (name[dot:] if 0 < dot < len(name) - 1 else "")


@lru_cache(maxsize=65536)
def file_kind(path: str) -> FileKind:
    """Classify ``path`` by name: tests before code, deps before config."""
    folders, name, suffix = split_path(path)
    name = name.lower()
    stem = name.split(".", 1)[0]
    parts = [part.lower() for part in folders]
    lower = path.lower()
    if name in _DEPS_NAMES or (name.startswith("requirements") and name.endswith((".txt", ".in"))):
        return "deps"
    if lower.startswith(_CI_DIRS) or name in _CI_NAMES:
        return "ci"
    if (
        any(part in _TEST_DIRS for part in parts)
        or name.startswith("test_")
        or stem.endswith(("_test", "_spec"))
        or ".test." in name
        or ".spec." in name
        or name == "conftest.py"
    ):
        return "test"
    in_doc_dir = any(d in _DOC_DIRS for d in parts)
    if suffix.lower() in _DOC_EXT or stem in _DOC_NAMES or (in_doc_dir and not suffix):
        return "docs"
    if name in _CONFIG_NAMES or suffix.lower() in _CONFIG_EXT or name.startswith(".env"):
        return "config"
    if suffix.lower() in _DATA_EXT:
        return "data"
    return "code"
