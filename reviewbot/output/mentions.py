"""GitHub's @-mention rule: which ``@`` its renderer could link, and how to stop it doing so.

GitHub links ``@login`` and ``@org/team`` in every text node of the rendered markdown that is not
inside a code span, a code block or a link. Its open-source renderer, ``html-pipeline`` (the
``MentionFilter`` and ``TeamMentionFilter``), matches::

    (?:^|\\W)@((?>[a-z0-9][a-z0-9-]*))(?!\\/)(?=\\.+[ \\t\\W]|\\.+$|[^0-9a-zA-Z_.]|$)   # /ix
    (?<=^|\\W)@([a-z0-9][a-z0-9-]*)\\/([a-z0-9][a-z0-9\\-_]*)\\b                      # /ix

on each text node. Ruby's ``\\W`` is ASCII-only, so ``é``, ``.``, ``-``, ``+``, ``/`` and ``@``
all count as "not a word character", and the start of a text node counts as ``^``: after an
emphasis, a code span or an entity the ``@`` starts a new text node (``_@user_``, ```x`@user``).
Character references are decoded first (``&#64;user``, ``@us&#101;r``).

We cannot know every text-node boundary without rendering, so :func:`neutralize_mentions`
stops a superset: every ``@`` (or a character reference for it) that is followed by a letter,
a digit or a character reference, unless an ASCII letter or digit comes right before it (``a@b``,
e-mail addresses). The rule is checked against the real filter by
``tests/hardening/test_redteam_mentions.py``.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"  # GitHub's renderer and Renovate's "@&#8203;" trick: breaks the login match

_AT = r"(?:@|&#0*64;|&#[xX]0*40;|&commat;)"
# "@" then what a login could start with after decoding: a letter or digit (also the two
# non-ASCII letters that case-fold to ASCII ones), or a character reference.
_AT_LOGIN = re.compile(_AT + r"(?=[A-Za-z0-9\u017f\u212a]|&#|&[A-Za-z])")
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_HEX_DIGITS = "0123456789abcdefABCDEF"
_LOOKBEHIND = 2048  # how far back the start of a URL is looked for
# Up to the last character that ends a word before a URL (whitespace, as str.split sees it,
# "<" or ">"): greedy, so one pass over the text it is given.
_LAST_BREAK = re.compile(r".*[\s<>]", re.S)


def could_link(text: str, at: int) -> bool:
    """Whether GitHub could link a login that follows the ``@`` at ``text[at]``.

    True unless an ASCII letter or digit comes right before it that cannot end a separate
    autolink (an issue number ``#12``, a commit SHA).
    """
    if at == 0:
        return True
    before = text[at - 1]
    if not (before.isascii() and before.isalnum()):
        return True
    window = text[max(0, at - 64) : at]
    run = window[len(window.rstrip(_ALNUM)) :]  # the letters and digits right before the "@"
    start = at - len(run)
    if run.isdigit() and start > 0 and text[start - 1] == "#":
        return True  # "#12@user": the issue link ends the text node
    return len(run) - len(run.rstrip(_HEX_DIGITS)) >= 7  # "a5c3785@user": a commit SHA


def _in_url(text: str, at: int, last_break: int | None = None) -> bool:
    """Whether ``text[at]`` is inside a bare URL or a www. address (GitHub autolinks those,
    and a zero-width space would end up in the link's target).

    ``last_break`` is where the last whitespace, ``<`` or ``>`` before ``at`` is (-1: none),
    when the caller knows it; otherwise it is looked for in the text before ``at``.
    """
    start = max(0, at - _LOOKBEHIND)
    if last_break is None:
        found = _LAST_BREAK.match(text, start, at)
        last_break = found.end() - 1 if found else -1
    word = text[max(start, last_break + 1) : at]
    return "://" in word or word.lower().startswith("www.")


def neutralize_mentions(text: str) -> str:
    """Stop every ``@login`` and ``@org/team`` in ``text`` from pinging anyone.

    A zero-width space goes right after the ``@`` (the text reads the same, nobody is
    notified); inside a bare URL the ``@`` becomes ``%40`` so that the link still works.

    Args:
        text: Markdown or plain text, already free of raw HTML.

    Returns:
        The text with no mention GitHub would link.
    """
    if "@" not in text and "&" not in text:
        return text  # no "@" and no character reference: nothing to neutralise
    out: list[str] = []
    pos = 0
    last_break, looked = -1, 0  # the last word break before "looked" (found once, in order)
    for m in _AT_LOGIN.finditer(text):
        at = m.start()
        if not could_link(text, at):
            continue
        found = _LAST_BREAK.match(text, looked, at)
        if found:
            last_break = found.end() - 1
        looked = at
        out.append(text[pos:at])
        if _in_url(text, at, last_break):
            out.append("%40")
        else:
            out.append(m.group() + ZWSP)
        pos = m.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)
