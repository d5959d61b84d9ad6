"""Red team, mentions: no ``@login`` or ``@org/team`` written by a model is linked on GitHub.

The class: every way GitHub's renderer links a mention that a simpler rule misses. GitHub links
``@`` after any non-word character of Ruby's ASCII ``\\W`` (``-@a``, ``+@a``, ``.@a``, ``/@a``,
``@@a``, ``é@a``), at the start of any text node (``_@a_``, `` `x`@a ``, ``*@a*``), through
character references (``&#64;a``, ``@us&#101;r``), in table cells, headings and list items
that cut what looked like a code span, and for teams (``-@org/team``).

Three guards, from the strongest:

- with ``ruby`` and GitHub's open-source renderer installed (``html-pipeline``, Debian
  ``ruby-html-pipeline`` + ``ruby-commonmarker``), thousands of generated texts are rendered
  before and after :func:`reviewbot.output.sanitize.clean`: afterwards no mention is linked;
- always: ``mention_table.json``, recorded from that renderer, lists what GitHub links in each
  red-team text and the sanitised text it verified; the sanitiser must still produce exactly
  that (re-record with ``python -m tests.hardening.test_redteam_mentions``);
- end to end: a model that writes mentions in every field; the posted comment, inline comments,
  job summary and annotations link nobody.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from reviewbot.domain import Attempt, ErrorKind, ModelRef, Review, Usage
from reviewbot.output.inline import comment_body
from reviewbot.output.render import render_comment
from reviewbot.output.sanitize import clean, clean_inline
from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import VendorFakes
from tests.golden.reviews import all_ok
from tests.hardening import github_render
from tests.hardening.harness import FAST, action_run

TABLE = Path(__file__).with_name("mention_table.json")
RECORD = "python -m tests.hardening.test_redteam_mentions  (needs ruby-html-pipeline)"
needs_ruby = pytest.mark.skipif(not github_render.available(), reason=github_render.SKIP_REASON)

# Members of the class: each is linked by GitHub as written (the table records by whom).
ATTACKS = (
    "-@octocat",
    "+@user",
    "thanks.@user",
    "/@user",
    "@@user",
    "_@user_",
    "-@org/team",
    "cc @acme/security-team.",
    "é@user",
    "(@user)",
    "*@user*",
    "**@user**",
    "~~@user~~",
    "`x`@user",
    "x`y`@user",
    "a ` b @user c",
    "\\`@user`",
    "&#64;user",
    "&#x40;user",
    "@us&#101;r",
    "&lt;@user&gt;",
    "@user.",
    "@user...",
    "@user, @other and @third",
    "ping\n@user",
    "- @user",
    "1. @user",
    "> @user",
    "# @user",
    "| a | b |\n|---|---|\n| @user | x |",
    "a|b\n-|-\n`c|@user`",
    "`x\n# @user`",
    "`x\n- @user`",
    "```foo`bar\n@user\n```",
    "1. a\n\n   ```\n   x\n@user\n   ```",
    "https://@user",
    "[@user]",
    "foo](@user)",
)
# GitHub links nothing here. Code and e-mail addresses are kept as they are; the last two are
# changed anyway (the rule is a superset: a URL's "@" becomes %40, an "@" before a login-like
# word gets a zero-width space), which is invisible or harmless.
KEPT = (
    "mail ops@example.com",
    "already `@octocat` quoted",
    "```python\n@dataclass\nclass A: ...\n```",
)
BENIGN = (*KEPT, "see https://medium.com/@user/post", "@user_name and @user.name")


def _cleaned(text: str) -> str:
    return clean(text, 1000)


# ---------------------------------------------------------------- the table (always runs)


def _table() -> list[dict[str, Any]]:
    if not TABLE.exists():
        return []
    rows: list[dict[str, Any]] = json.loads(TABLE.read_text(encoding="utf-8"))
    return rows


def test_the_whole_table_is_sanitised_as_github_was_seen_to_accept() -> None:
    """Every red-team text, and the benign ones: code and e-mail addresses are kept."""
    rows = _table()
    assert [row["text"] for row in rows] == [*ATTACKS, *BENIGN], f"re-record: {RECORD}"
    for row in rows:
        assert _cleaned(row["text"]) == row["cleaned"], f"sanitiser changed; re-record: {RECORD}"
        assert row["linked_after"] == []
        assert bool(row["linked"]) == (row["text"] in ATTACKS), row["text"]
        if row["text"] in KEPT:  # (a leading fence gets a line break before it)
            assert row["cleaned"].removeprefix("\n") == row["text"]


@pytest.mark.parametrize(
    "row", [r for r in _table() if r["text"] in ATTACKS], ids=lambda r: repr(r["text"])[:40]
)
def test_sanitised_text_is_the_one_github_was_seen_to_link_nobody_in(row: dict[str, Any]) -> None:
    """GitHub's renderer linked ``row["linked"]`` in the text and nobody in ``row["cleaned"]``."""
    assert row["linked"], "not a member of the class: GitHub links nothing in it"
    assert _cleaned(row["text"]) == row["cleaned"], f"the sanitiser changed; re-record: {RECORD}"
    assert row["linked_after"] == []


def record() -> None:
    """Render every table text and its sanitised form with GitHub's renderer; write the table."""
    texts = [*ATTACKS, *BENIGN]
    cleaned = [_cleaned(t) for t in texts]
    before = github_render.render(texts)
    after = github_render.render(cleaned)
    rows = []
    for text, out, seen, seen_after in zip(texts, cleaned, before, after, strict=True):
        assert not seen_after.mentions, (text, out, seen_after.mentions)
        rows.append(
            {
                "text": text,
                "linked": list(seen.mentions),
                "cleaned": out,
                "linked_after": list(seen_after.mentions),
            }
        )
    TABLE.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- the real renderer


@needs_ruby
def test_table_is_what_githubs_renderer_does() -> None:
    rows = _table()
    assert [_cleaned(row["text"]) for row in rows] == [row["cleaned"] for row in rows]
    before = github_render.render([row["text"] for row in rows])
    after = github_render.render([row["cleaned"] for row in rows])
    for row, seen, seen_after in zip(rows, before, after, strict=True):
        assert list(seen.mentions) == row["linked"], row["text"]
        assert not seen_after.mentions, (row["text"], row["cleaned"], seen_after.html)


_PREFIXES = (
    "", "-", "+", ".", "/", "@", "_", "*", "**", "~~", "é", "x", "(", "[", "#12", "a5c3785",
    "&#97;", "\\", "`", "``", "|", ":", "'", '"', "&amp;", "\u200b", "K", "!", "=", " ",
)  # fmt: skip
_ATS = ("@", "@", "@", "&#64;", "&#x40;", "&commat;")
_LOGINS = ("octocat", "org/team", "us&#101;r", "a-b", "u_x", "u.x", "u.", "a", "0day", "x/")
_CONTEXTS = (
    "{}", "{}", "- {}", "1. {}", "> {}", "# {}", "*{}*", "_{}_", "**{}**", "~~{}~~", "`x`{}",
    "{}`x`", "[{}](https://e.org)", "[{}]", "\\`{}`", "a ` b {}", "```\nx\n```\n{}",
    " ```\n{}\n```", "   ```\n   x\n{}\n   ```", "text\n{}", "| a | b |\n|---|---|\n| {} | c |",
    "`a|{}`", "`x\n# {}`", "{} and {}", "{}\n\n{}", "~~~\n{}\n~~~\n{}", "<b>{}</b>",
    "<!-- {} -->{}",
)  # fmt: skip


def generated_texts(count: int, seed: int = 11) -> list[str]:
    """Texts built from the class's ingredients: prefixes, ``@`` forms, logins and contexts."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        text = "{}"
        for _ in range(rng.randint(1, 3)):
            text = text.replace("{}", rng.choice(_CONTEXTS), 1)
        while "{}" in text:
            mention = rng.choice(_PREFIXES) + rng.choice(_ATS) + rng.choice(_LOGINS)
            text = text.replace("{}", mention, 1)
        texts.append(text)
    return texts


@needs_ruby
def test_no_generated_text_links_a_mention_after_sanitising() -> None:
    texts = generated_texts(2500)
    before = github_render.render(texts)
    after = github_render.render(
        [clean(t, 4000) for t in texts] + [clean_inline(t, 4000) for t in texts]
    )
    linked_before = sum(1 for seen in before if seen.mentions)
    assert linked_before > len(texts) // 3  # the generator does produce live mentions
    leaks = [
        (texts[i % len(texts)], seen.mentions) for i, seen in enumerate(after) if seen.mentions
    ]
    assert leaks == []


def hostile_review(texts: list[str]) -> Review:
    """A rendered-comment Review whose every model-written field is one of ``texts``."""
    base = all_ok()
    pick = iter(texts * 8).__next__
    findings = tuple(
        dataclasses.replace(f, title=pick(), body=pick(), category=pick(), suggestion=pick())
        for f in base.findings
    )
    failed = Attempt(ModelRef("openai", "gpt-5.4"), "failed", ErrorKind.OVERLOADED, pick(),
                     Usage(), None, 0.1)  # fmt: skip
    steps = tuple(
        dataclasses.replace(s, summary=pick(), attempts=(failed, *s.attempts)) for s in base.steps
    )
    rationale = dataclasses.replace(base.classification, rationale=pick())
    return dataclasses.replace(
        base, findings=findings, steps=steps, classification=rationale, notes=(pick(), pick())
    )


@needs_ruby
def test_no_comment_or_inline_body_built_from_generated_texts_links_a_mention() -> None:
    """Where the text lands matters (after a label, in a table cell, a quote, a list item)."""
    texts = generated_texts(1200, seed=3)
    documents = []
    for i in range(0, len(texts), 6):
        review = hostile_review(texts[i : i + 6])
        documents.append(render_comment(review))
        documents.extend(comment_body(f, "0" * 16) for f in review.findings)
    leaks = [
        (doc, seen.mentions)
        for doc, seen in zip(documents, github_render.render(documents), strict=True)
        if seen.mentions
    ]
    assert leaks == []


@pytest.mark.parametrize("text", ["```\n@octocat\n```", "~~~ @octocat ~~~", "   ~~~\n   x"])
def test_model_text_is_never_taken_for_a_block_where_it_lands_mid_line(text: str) -> None:
    """A fence is one only at the start of a line: after "**security**: " or in a title it is
    inline text, so whatever was kept as code there would be prose."""
    assert "\n" not in clean_inline(text, 200)
    out = clean(text, 200)
    assert out.startswith("\n") or not out.lstrip().startswith(("```", "~~~")), out


# ---------------------------------------------------------------- end to end

CONFIG = (
    FAST
    + "steps:\n"
    + "  classify: {models: []}\n"
    + "  security: {models: ['anthropic:claude-sonnet-4-6']}\n"
    + "  quality: {models: ['openai:gpt-5.4']}\n"
    + "  docs: {models: ['google:gemini-2.5-pro']}\n"
)
DIFF = (
    "diff --git a/app/handler.py b/app/handler.py\nnew file mode 100644\n"
    "index 0000000..1111111\n--- /dev/null\n+++ b/app/handler.py\n@@ -0,0 +1,3 @@\n"
    "+def handle(request):\n+    return run(request.args['cmd'])\n+# end\n"
)
LOUD = " ".join(ATTACKS[:20]).replace("\n", " ")


def _mention_reply() -> dict[str, Any]:
    finding = {
        "path": "app/handler.py",
        "line": 2,
        "end_line": None,
        "severity": "high",
        "category": "CWE-78 -@org/team",
        "title": f"Command injection, ask -@octocat {LOUD}",
        "body": f"{LOUD}\n\n" + "\n".join(ATTACKS),
        "suggestion": "return run(shlex.quote(request.args['cmd']))  # -@octocat",
    }
    return {"summary": f"Reviewed. thanks.@user {LOUD}", "findings": [finding]}


_LIVE = re.compile(r"(?<![A-Za-z0-9])(?:@|&#0*64;|&#x0*40;|&commat;)(?=[A-Za-z0-9&])", re.I)


def _live_mentions(markdown: str) -> list[str]:
    """Mentions GitHub could link: rendered for real when possible, else by a strict pattern."""
    if github_render.available():
        return list(github_render.render([markdown])[0].mentions)
    return _LIVE.findall(markdown)


def test_no_posted_text_pings_anyone(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata)
    run.serve(DIFF, body="Adds a handler.")
    run.base_config(CONFIG)
    for vendor in ("anthropic", "openai", "google"):
        vendor_fakes.set_default(vendor, _mention_reply())
    assert run.run(capsys) == 0, run.stdout + run.stderr

    comment = run.comment()
    assert "Command injection" in comment  # the finding is shown...
    assert _live_mentions(comment) == []  # ...and pings nobody
    inlines = github.pulls[run.number].review_comments
    assert inlines and all(_live_mentions(c["body"]) == [] for c in inlines)
    assert _live_mentions(run.summary()) == []
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::warning")]
    assert annotations and not any(_LIVE.search(line) for line in annotations)


if __name__ == "__main__":  # pragma: no cover - re-records the table with the real renderer
    if not github_render.available():
        sys.exit(github_render.SKIP_REASON)
    record()
    print(f"wrote {TABLE}")
