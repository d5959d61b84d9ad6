"""GitHub's open-source markdown renderer, run for real: what a comment would link and show.

``html-pipeline`` (Debian ``ruby-html-pipeline``, with ``ruby-commonmarker`` for GitHub's
cmark-gfm) is the renderer GitHub open-sourced: its ``MentionFilter`` and ``TeamMentionFilter``
decide which ``@`` become links. :func:`render` runs the same chain GitHub documents (GFM
markdown, then the two mention filters) over many texts in one ``ruby`` process and reports,
for each text, the mentions linked, the other links (visible text and target) and the
languages of the code blocks (``suggestion`` makes a "Commit suggestion" button).

Run as a script to print what GitHub would do with texts given on the command line::

    python -m tests.hardening.github_render '-@octocat' 'thanks.@user'
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache

_SCRIPT = r"""
require "json"
require "html/pipeline"
pipeline = HTML::Pipeline.new(
  [HTML::Pipeline::MarkdownFilter, HTML::Pipeline::MentionFilter,
   HTML::Pipeline::TeamMentionFilter],
  {base_url: "/", gfm: true,
   commonmarker_extensions: [:table, :strikethrough, :tagfilter, :autolink]})
texts = JSON.parse($stdin.read)
out = texts.map do |text|
  doc = pipeline.call(text)[:output]
  mentions = doc.css("a.user-mention, a.team-mention").map { |a| a.text }
  links = doc.css("a").reject { |a| (a["class"] || "").include?("mention") }
             .map { |a| [a.text, a["href"].to_s] }
  langs = doc.css("pre").map { |pre| pre["lang"].to_s }
  {"mentions" => mentions, "links" => links, "langs" => langs, "html" => doc.to_html}
end
puts JSON.generate(out)
"""
SKIP_REASON = (
    "GitHub's renderer is not installed: `apt-get install ruby-html-pipeline ruby-commonmarker`"
)


@dataclass(frozen=True)
class Rendered:
    """What GitHub's renderer made of one text."""

    mentions: tuple[str, ...]  # "@login" / "@org/team" that became links
    links: tuple[tuple[str, str], ...]  # (visible text, target) of every other link
    langs: tuple[str, ...]  # the language of each code block, "" when none
    html: str


@cache
def available() -> bool:
    """Whether ``ruby`` with ``html-pipeline`` and ``commonmarker`` can be run here."""
    if shutil.which("ruby") is None:
        return False
    probe = subprocess.run(
        ["ruby", "-e", 'require "html/pipeline"; require "commonmarker"'],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return probe.returncode == 0


def render(texts: list[str]) -> list[Rendered]:
    """Render each text as GitHub's open-source pipeline does (one ruby process for all)."""
    proc = subprocess.run(
        ["ruby", "-e", _SCRIPT],
        input=json.dumps(texts).encode("utf-8"),
        capture_output=True,
        timeout=300,
        check=True,
    )
    return [
        Rendered(
            tuple(item["mentions"]),
            tuple((text, href) for text, href in item["links"]),
            tuple(item["langs"]),
            item["html"],
        )
        for item in json.loads(proc.stdout)
    ]


if __name__ == "__main__":  # pragma: no cover - a tool for humans
    for text, seen in zip(sys.argv[1:], render(sys.argv[1:]), strict=True):
        print(f"{text!r}: mentions={list(seen.mentions)} links={list(seen.links)}")
