"""Document text made fit for people to read: safe characters, short locations, trimmed snippets.

Plain string functions with no third-party imports, shared by every human-facing
reporter (console, extract view, and later line/github formats).  Text from a letter is
hostile input: control and invisible characters are made visible, whitespace is
collapsed, and long sentences are trimmed around the match.
"""

from __future__ import annotations

from authcheck.model import Evidence
from authcheck.util.patterns import compiled
from authcheck.util.safetext import for_terminal

CONTEXT_CHARS = 90  #: characters of context kept on each side of a match

_SPACES = compiled(r"\s+")


def clean(text: str | None) -> str:
    """Document text made safe to print: whitespace runs become one space, soft hyphens are
    dropped, and other invisible and control characters become visible escapes such as
    ``\\x1b`` or ``\\u202e`` (`safetext.for_terminal`)."""
    if not text:
        return ""
    if not text.isprintable():
        text = "".join(_visible(ch) for ch in text)
    return _SPACES.sub(" ", text)


def _visible(ch: str) -> str:
    """One character as it should be printed."""
    if ch.isspace() and ch not in "\x1c\x1d\x1e\x1f\x85":  # str.isspace() counts these separators too
        return " "
    if ch == "\u00ad":
        return ""
    return for_terminal(ch)


def loc_label(page=None, line=None, part=None, key=None) -> str:
    """A short location such as ``p1 l12 body`` or ``metadata /Author``."""
    bits = [f"p{page}" if page is not None else "", f"l{line}" if line is not None else "", part or "", key or ""]
    return " ".join(clean(b) for b in bits if b)


def split_context(ev: Evidence) -> tuple[str, str, str]:
    """(before, match, after) around the match within its context, trimmed to a window.

    Without a context the evidence text is shown as it is; without a highlight the
    evidence text is looked for in the context.
    """
    if not ev.context:
        return ev.text, "", ""
    span = ev.highlight or find_span(ev.context, ev.text)
    if span is None or not (0 <= span[0] <= span[1] <= len(ev.context)):
        return ev.context, "", ""
    start, end = span
    return trim_left(ev.context[:start]), ev.context[start:end], trim_right(ev.context[end:])


def find_span(context: str, text: str) -> tuple[int, int] | None:
    """Where `text` first occurs in `context`, ignoring case."""
    at = context.lower().find(text.lower()) if text else -1
    return (at, at + len(text)) if at >= 0 else None


def trim_left(text: str, keep: int = CONTEXT_CHARS) -> str:
    """The last `keep` characters, cut at a word boundary, with a leading ellipsis."""
    if len(text) <= keep:
        return text
    tail = text[-keep:]
    return "…" + tail[tail.find(" ") + 1 :] if " " in tail else "…" + tail


def trim_right(text: str, keep: int = CONTEXT_CHARS) -> str:
    """The first `keep` characters, cut at a word boundary, with a trailing ellipsis."""
    if len(text) <= keep:
        return text
    head = text[:keep]
    return head[: head.rfind(" ")] + "…" if " " in head else head + "…"
