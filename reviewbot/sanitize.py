"""Make untrusted text (model replies, vendor errors, diff paths) safe in a GitHub comment."""

from __future__ import annotations

import re

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
_HTML_TAG = re.compile(rf"</?(?:{_TAG_NAMES})(?![\w-])(?:[^<>\"']|\"[^\"]*\"|'[^']*')*>?", re.I)
_CODE_TAG = re.compile(rf"<(?=/?(?:{_TAG_NAMES})[\s/>]|!--|!\[CDATA|\?)", re.I)
_LT = re.compile(r"<")
# @user or @org/team not preceded by a word char, dot, slash or backtick (keeps emails intact).
_MENTION = re.compile(
    r"(?<![\w.`/@+-])@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9][\w-]*)?"
)
_IMAGE = re.compile(r"!\[")
# A link target with a script or data scheme (inline ``](…)`` or a reference definition).
_UNSAFE_LINK = re.compile(
    r"(\]\(\s*(?:&lt;)?|^[ \t]*\[[^\]\n]+\]:[ \t]*(?:&lt;)?)\s*"
    r"(?=(?:javascript|vbscript|data)\s*:)",
    re.I | re.M,
)
_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_ZWSP = "\u200b"


def strip_controls(text: str) -> str:
    """Normalise newlines and drop control and bidi-override characters (keeps tab and newline)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def defuse_code(text: str) -> str:
    """Make code safe to show verbatim: only HTML-looking ``<`` get a zero-width space after them.

    Code inside a fence or a code span is not HTML to GitHub, but a marker or a tag in it must not
    become live if the text ever lands outside the fence; ordinary ``a < b`` stays untouched.
    """
    return _CODE_TAG.sub("<" + _ZWSP, strip_controls(text))


def _prose(text: str) -> str:
    text = _HTML_COMMENT.sub("", text)
    text = _HTML_TAG.sub("", text)
    text = _LT.sub("&lt;", text)
    text = _IMAGE.sub("[", text)  # no images: a model must not make readers' browsers fetch URLs
    text = _UNSAFE_LINK.sub(
        lambda m: m.group(1).removesuffix("&lt;").rstrip("(: \t") + " ", text
    )  # plain text
    return _MENTION.sub(lambda m: f"`{m.group(0)}`", text)


def _inline(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _INLINE_CODE.finditer(text):
        if "\n\n" in m.group(2):
            continue
        out.append(_prose(text[pos : m.start()]))
        out.append(m.group(1) + defuse_code(m.group(2)) + m.group(1))
        pos = m.end()
    out.append(_prose(text[pos:]))
    return "".join(out)


def _split_fences(text: str) -> list[tuple[bool, str]]:
    """Split into (is_code, chunk); an unclosed fence is closed at the end."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    while True:
        opening = _FENCE_LINE.search(text, pos)
        if not opening:
            parts.append((False, text[pos:]))
            return parts
        parts.append((False, text[pos : opening.start()]))
        fence = opening.group(1)
        closer = re.compile(rf"^ {{0,3}}{fence[0]}{{{len(fence)},}}[ \t]*$", re.M)
        line_end = text.find("\n", opening.end())
        closing = closer.search(text, line_end + 1) if line_end != -1 else None
        if closing is None:
            parts.append((True, text[opening.start() :].rstrip("\n") + "\n" + fence))
            return parts
        parts.append((True, text[opening.start() : closing.end()]))
        pos = closing.end()


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(TRUNCATED) - 8, 0)]
    cut = re.sub(r"&[a-z]*$", "", cut)  # never leave half an entity
    fences = _FENCE_LINE.findall(cut)
    if len(fences) % 2:
        cut = cut.rstrip("\n") + "\n" + str(fences[-1])
        return cut + "\n" + TRUNCATED
    if cut.count("`") % 2:
        cut = cut[: cut.rfind("`")]
    return cut.rstrip() + " " + TRUNCATED


def clean(text: str, limit: int) -> str:
    """Sanitise untrusted markdown for a GitHub comment.

    Removes HTML tags and comments (so our hidden marker can never be forged), turns images
    into links, neutralises ``@user`` and ``@org/team`` mentions, drops control characters,
    keeps fenced and inline code readable, and caps the length.

    Args:
        text: Text from a model, a vendor error or a diff.
        limit: Maximum length of the result, the truncation note included.

    Returns:
        Markdown that notifies nobody, has no raw HTML and is at most ``limit`` characters.
    """
    text = strip_controls(text)[: limit * 4 + 1024]  # bound the work on huge replies
    out = [
        defuse_code(chunk) if is_code else _inline(chunk) for is_code, chunk in _split_fences(text)
    ]
    return _cap("".join(out).strip(), limit)


def clean_inline(text: str, limit: int) -> str:
    """Like :func:`clean`, but on one line and safe inside a markdown table cell."""
    flat = " ".join(strip_controls(text).split())
    return clean(flat, limit).replace("|", "\\|")
