"""Make untrusted text (model replies, vendor errors, diff paths) safe in a GitHub comment."""

from __future__ import annotations

import bisect
import html
import re
import unicodedata

from reviewbot.output.mdscan import Span, code_spans, link_text_ends, split_fences
from reviewbot.output.mentions import neutralize_mentions

TRUNCATED = "… (truncated)"

_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# Elements GitHub would render (or strip) as HTML; in code they are defused, not removed.
_TAG_NAMES = (
    "a|abbr|b|bdi|bdo|blockquote|br|button|caption|center|cite|code|col|colgroup|dd|del|details|"
    "dfn|div|dl|dt|em|embed|font|form|h[1-6]|hr|i|iframe|img|input|ins|kbd|li|link|map|mark|meta|"
    "object|ol|p|picture|pre|q|rp|rt|ruby|s|samp|script|section|small|source|span|strike|strong|"
    "style|sub|summary|sup|svg|table|tbody|td|textarea|tfoot|th|thead|tr|tt|u|ul|var|video|wbr|"
    "math|base|body|head|html|frame|frameset|noscript|template|title|audio|track|area|marquee"
)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# (?=[a-z]) and (?=[a-z/!?]): every tag name starts with a letter (a class folds case as the
# names do), so a "<" that no tag can follow is passed over without trying the hundred names.
_HTML_TAG = re.compile(
    rf"</?(?=[a-z])(?:{_TAG_NAMES})(?![\w-])(?:[^<>\"']|\"[^\"]*\"|'[^']*')*>?", re.I
)
_CODE_TAG = re.compile(rf"<(?=[a-z/!?])(?=/?(?:{_TAG_NAMES})[\s/>]|!--|!\[CDATA|\?)", re.I)
_LT = re.compile(r"<")
_BARE_LT = re.compile("<(?!\u200b)")
_LONE_TICK = re.compile(r"(?<!\\)((?:\\\\)*)`")  # a backtick no backslash escapes
_IMAGE = re.compile(r"!\[")
# A link target with a script or data scheme (inline ``](…)`` or a reference definition).
# Blank runs are possessive (``*+``): two adjacent ``\s*`` could share a run of n blanks in n
# ways at every "](", which made a 20 KB reply take seconds (quadratic).
_UNSAFE_LINK = re.compile(
    r"(\]\(\s*+(?:&lt;)?|^[ \t]*+\[[^\]\n]+\]:[ \t]*+(?:&lt;)?)\s*+"
    r"(?=(?:javascript|vbscript|data)\s*:)",
    re.I | re.M,
)
_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)
_ZWSP = "\u200b"
# A line that may open a fenced code block, inside block quotes and list items too.
_FENCE_OPENER = re.compile(
    r"^(?P<prefix>(?:[ \t>]|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t]))*)"
    r"(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)$",
    re.M,
)
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2060-\u206f"
    "\ufe00-\ufe0f\ufeff]"
)
# What a reader takes for a web address: a scheme, "www.", a domain name or an IPv4 address.
_SCHEME = re.compile(r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*+:/")
_DOTTED = re.compile(r"(?<![\w-])[\w-]++(?:\.[\w-]++)++")
_DOTS = str.maketrans(dict.fromkeys("\u3002\uff0e\uff61\u2024\u2027\u00b7\u30fb", "."))
_MARKUP = re.compile(r"\\(?=[!-/:-@\[-`{-~])|[`*_~]")  # escapes, code and emphasis marks
_LINK_TEXT_LIMIT = 1000  # a longer link text is made plain without looking into it
# The destination right after a link text, in its simple forms: ``(url)`` or ``(url "title")``.
_INLINE_DEST = re.compile(r"\(\s*([^\s()<>]+)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")


def strip_controls(text: str) -> str:
    """Normalise newlines and drop control and bidi-override characters (keeps tab and newline)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def defuse_code(text: str) -> str:
    """Make code safe to show verbatim: only HTML-looking ``<`` get a zero-width space after them.

    Code inside a fence or a code span is not HTML to GitHub, but a marker or a tag in it must not
    become live if the text ever lands outside the fence; ordinary ``a < b`` stays untouched.
    """
    return _CODE_TAG.sub("<" + _ZWSP, strip_controls(text))


def _defuse_clean(text: str) -> str:
    """:func:`defuse_code` of text already free of control characters (all that
    :func:`_inline` is given)."""
    return _CODE_TAG.sub("<" + _ZWSP, text) if "<" in text else text


def _gap(m: re.Match[str]) -> str:
    """What a removed tag or comment leaves, so that the code around it pairs as before.

    Its line breaks (the lines after it keep their places, fences included), and an invisible
    space where removing it would join backticks or tildes, or start a line with them.
    """
    text, start, end = m.string, m.start(), m.end()
    breaks = "\n" * m.group().count("\n")
    # Is the line blank up to the tag? Walked back over blanks only (not copied up to the
    # line's start for every tag: a line of a thousand tags would cost a million).
    at = start
    while at > 0 and text[at - 1] != "\n" and text[at - 1].isspace():
        at -= 1
    blank = at == 0 or text[at - 1] == "\n"
    before = text[start - 1 : start] if start > 0 and text[start - 1] != "\n" else ""
    if blank or before in ("`", "~") or text[end : end + 1] in ("`", "~"):
        return _ZWSP + breaks
    return breaks


def _prose(text: str) -> str:
    # Each pattern runs only on text that has its first character (a test in C): a reply
    # of many short code spans has as many bits of prose between them.
    if "<" in text:
        text = _HTML_COMMENT.sub(_gap, text)
        text = _HTML_TAG.sub(_gap, text)
    # Backticks left in prose pair with nothing here; escaped, they cannot pair with the
    # template's code spans around the text either (turning those into prose).
    if "`" in text:
        text = _LONE_TICK.sub(r"\1\\`", text)
    if "<" in text:
        text = _LT.sub("&lt;", text)
    if "![" in text:
        text = _IMAGE.sub("[", text)  # no images: a model must not make readers fetch URLs
    if "]" in text and ":" in text:
        text = _UNSAFE_LINK.sub(
            lambda m: m.group(1).removesuffix("&lt;").rstrip("(: \t") + " ", text
        )  # plain text
    return neutralize_mentions(text)


def _inline(text: str) -> str:
    """Sanitise a chunk with no fenced code: prose is cleaned, code spans are kept.

    A code span GitHub surely renders as code keeps its mentions; one it might render as
    prose (see :func:`reviewbot.output.mdscan.code_spans`) gets its mentions neutralised too.
    """
    spans = code_spans(text)
    plain = _plain_link_openers(text, spans)
    out: list[str] = []
    pos = 0
    for span in spans:
        out.append(_prose(_escape_at(text, pos, span.start, plain)))
        inner = text[span.start + span.ticks : span.end - span.ticks]
        code = _defuse_clean(inner)
        if not span.trusted:  # maybe prose to GitHub: no mention, no link that lies, no HTML
            inner = _escape_at(text, span.start + span.ticks, span.end - span.ticks, plain)
            code = _defuse_clean(neutralize_mentions(inner))
            if "<" in code:
                code = _BARE_LT.sub("<" + _ZWSP, code)
        fence = "`" * span.ticks
        out.append(fence + code + fence)
        pos = span.end
    out.append(_prose(_escape_at(text, pos, len(text), plain)))
    return "".join(out)


def _escape_at(text: str, start: int, end: int, positions: list[int]) -> str:
    """``text[start:end]`` with a backslash before each index of ``positions`` (sorted)."""
    if not positions:
        return text[start:end]
    inside = positions[bisect.bisect_left(positions, start) : bisect.bisect_left(positions, end)]
    if not inside:
        return text[start:end]
    pieces = []
    pos = start
    for i in inside:
        pieces.append(text[pos:i])
        pieces.append("\\")
        pos = i
    pieces.append(text[pos:end])
    return "".join(pieces)


def _plain_link_openers(text: str, spans: list[Span]) -> list[int]:
    """The ``[`` whose link text looks like a web address but may point elsewhere.

    Escaping such a ``[`` turns the link into plain text: the reader sees the text and, for an
    inline link, the real target next to it (GitHub autolinks both addresses). A link whose
    text is exactly its target is left alone.
    """
    trusted = [s for s in spans if s.trusted]
    starts = [s.start for s in trusted]
    plain: set[int] = set()
    addresses: dict[str, bool] = {}  # label -> whether it reads as an address: labels repeat
    for opening, closing in link_text_ends(text, spans).items():
        k = bisect.bisect_right(starts, opening) - 1
        if k >= 0 and opening < trusted[k].end:
            continue  # inside code
        label = text[opening + 1 : closing]
        if len(label) > _LINK_TEXT_LIMIT:
            plain.add(opening)
            continue
        looks = addresses.get(label)
        if looks is None:
            looks = addresses[label] = _looks_like_address(_as_read(label))
        if not looks:
            continue
        dest = _INLINE_DEST.match(text, closing + 1)
        if dest and _address(label) == _address(dest.group(1)):
            continue  # [https://x.org/a](https://x.org/a): the text is the target
        plain.add(opening)
    return sorted(plain)


def _as_read(text: str) -> str:
    """What a reader sees of a bit of markdown: no markup, references decoded, lower case."""
    text = _HTML_COMMENT.sub("", text)
    text = _HTML_TAG.sub("", text)
    text = html.unescape(text)
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text).translate(_DOTS)
    return _MARKUP.sub("", text).strip().lower()


def _looks_like_address(shown: str) -> bool:
    if "www." in shown or _SCHEME.search(shown):
        return True
    for token in _DOTTED.finditer(shown):
        labels = token.group().split(".")
        top = labels[-1]
        if top.isalpha() and len(top) >= 2:
            return True  # github.com, example.org, db.py
        if len(labels) == 4 and all(label.isdigit() and len(label) <= 3 for label in labels):
            return True
    return False


def _address(text: str) -> str:
    return html.unescape(text).strip().lower().rstrip("/")


def _defuse_suggestions(text: str) -> str:
    """Drop the info string of any fence that GitHub could render as a ``suggestion`` block.

    Only the finding's structured ``suggestion`` field may propose a change; a fence in the
    body that says ``suggestion`` (any case, fence length or character, with attributes,
    written with character references, inside a quote or a list) becomes a plain code block.
    """

    def plain(m: re.Match[str]) -> str:
        info = m.group("info")
        if m.group("fence")[0] == "`" and "`" in info:
            return m.group(0)  # not a fence
        if "suggestion" not in _as_read(info).replace(" ", ""):
            return m.group(0)
        return m.group("prefix") + m.group("fence")

    return _FENCE_OPENER.sub(plain, text)


def _cap(text: str, limit: int, *, one_line: bool = False) -> str:
    if len(text) <= limit:
        return text
    size = max(limit - len(TRUNCATED) - 8, 0)
    cut = text[:size]
    # A code span cut in two is prose to GitHub: its mentions must not come alive.
    last_line = cut.rfind("\n") + 1
    cut = (cut[:last_line] + neutralize_mentions(cut[last_line:]))[:size]
    cut = re.sub(r"&[a-z]*$", "", cut)  # never leave half an entity
    fences = [] if one_line else [m.group() for m in _FENCE_LINE.finditer(cut)]
    if len(fences) % 2:  # closed as indented as the last one was opened
        cut = cut.rstrip("\n") + "\n" + fences[-1]
        return cut + "\n" + TRUNCATED
    if cut.count("`") % 2:
        cut = cut[: cut.rfind("`")]
    return cut.rstrip() + " " + TRUNCATED


def clean(text: str, limit: int) -> str:
    """Sanitise untrusted markdown for a GitHub comment.

    Removes HTML tags and comments (so our hidden marker can never be forged), turns images
    into links, neutralises every ``@user`` and ``@org/team`` mention GitHub could link (see
    :mod:`reviewbot.output.mentions`), makes links whose text looks like a web address plain text,
    turns ``suggestion`` fences into plain code blocks, drops control characters, keeps fenced
    and inline code readable, and caps the length.

    Args:
        text: Text from a model, a vendor error or a diff.
        limit: Maximum length of the result, the truncation note included.

    Returns:
        Markdown that notifies nobody, has no raw HTML and is at most ``limit`` characters.
    """
    text = strip_controls(text)[: limit * 4 + 1024]  # bound the work on huge replies
    text = _defuse_suggestions(text)
    out = [
        defuse_code(chunk) if is_code else _inline(chunk) for is_code, chunk in split_fences(text)
    ]
    result = "".join(out).strip()
    if _FENCE_LINE.match(result):  # after "**security**: " a fence would not be one any more
        result = "\n" + result
    return _cap(result, limit)


def clean_plain(text: str, limit: int) -> str:
    """Untrusted text for a place that shows it as plain text (a workflow annotation).

    No control or bidi characters and no mention GitHub could link, at most ``limit``
    characters (cut before the mentions are neutralised, so none is cut in half).
    """
    return neutralize_mentions(strip_controls(text)[:limit])


def clean_inline(text: str, limit: int) -> str:
    """Like :func:`clean`, but on one line and safe inside a markdown table cell.

    The line is shown after other text (a title, a table cell), so nothing in it is taken for
    a block: a leading ```` ``` ```` is inline backticks, not a fence, and stays on the line.
    """
    flat = _defuse_suggestions(" ".join(strip_controls(text).split())[: limit * 4 + 1024])
    return _cap(_inline(flat).strip(), limit, one_line=True).replace("|", "\\|")


def clean_text(text: str, limit: int) -> str:
    """Untrusted text for a plain-text field that other tools show (SARIF's ``message.text``).

    No HTML comment (removed, so no hidden marker rides along), no live HTML tag (a
    zero-width space after its ``<``, so code that quotes a tag stays readable), no
    ``suggestion`` fence, no control or bidi character, no mention GitHub could link, at most
    ``limit`` characters with a visible note when cut.
    """
    text = _defuse_suggestions(strip_controls(text)[: limit * 4 + 1024])
    text = _HTML_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    text = neutralize_mentions(defuse_code(text)).strip()
    if len(text) <= limit:
        return text
    return text[: max(limit - len(TRUNCATED) - 1, 0)].rstrip() + " " + TRUNCATED
