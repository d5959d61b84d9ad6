"""The comment command grammar: ``/reviewbot <command> [args]`` on a comment's first line (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Every command, with the one line ``help`` shows for it.
COMMANDS: dict[str, str] = {
    "review": "review the pull request now (like a push)",
    "full-review": "review the whole pull request again, from scratch",
    "ask": "`ask <question>`: answer a question about this pull request",
    "ignore": "`ignore [reason]` as a reply to one of reviewbot's inline comments: dismiss "
    "that finding for this pull request",
    "help": "list the commands",
}
PREFIX = "/reviewbot"
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command: its lower-cased name (may be unknown) and the text after it."""

    name: str
    args: str

    @property
    def known(self) -> bool:
        """True for a command reviewbot has."""
        return self.name in COMMANDS


def _prefixes(handle: str | None) -> tuple[str, ...]:
    names = [PREFIX]
    if handle:
        names.append("@" + handle.lstrip("@"))
    return tuple(name.casefold() for name in names)


def looks_like_command(body: str | None, handle_possible: bool = True) -> bool:
    """A cheap first look before anything is fetched: may the first line be a command?

    ``handle_possible``: any ``@word`` counts, since the config that names the handle is not
    read yet.
    """
    first = (body or "").lstrip().split("\n", 1)[0].casefold()
    return first.startswith(PREFIX) or (handle_possible and first.startswith("@"))


def parse_command(body: str | None, handle: str | None = None) -> Command | None:
    """The command on ``body``'s first line, or None when the comment is not a command.

    Case-insensitive, leading whitespace allowed, ``@handle`` as an alias of ``/reviewbot``
    when the config names one. ``ask``'s argument runs to the end of the comment; the other
    commands take the rest of the first line and anything below it.
    """
    text = (body or "").lstrip()
    lowered = text.casefold()
    for prefix in _prefixes(handle):
        if not lowered.startswith(prefix):
            continue
        rest = text[len(prefix) :]
        if rest and not rest[0].isspace():  # "/reviewbotx" is not ours
            continue
        first, _, below = rest.partition("\n")
        word = _WORD.search(first)
        if word is None:
            return Command("help", "")
        args = (first[word.end() :].strip() + "\n" + below).strip()
        return Command(word.group(0).casefold(), args)
    return None
