"""Chinese-aware site search.

Full-text engines split words on spaces and punctuation, and Chinese has
neither, so a run of Chinese characters would be one long token that only the
whole run can match. Pufa segments the text itself, on both sides:

- index side: every page carries a hidden search field made of the
  overlapping character bigrams of its Chinese text (宪法是 → 宪法 法是), the
  words jieba finds in it, and its Latin words and numbers in lower case;
- query side: the query is cut into the same bigrams and Latin words, and
  every term must match.

So any two-character word of a page's text finds the page, on SQLite FTS5
and PostgreSQL full-text search alike, with no extension installed.
"""

import html
import logging
import re

from django.utils.html import strip_tags

logger = logging.getLogger("pufa.search")

# CJK unified ideographs (with extension A) and compatibility ideographs.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[0-9A-Za-z]+")
_CJK_RUN_RE = re.compile(rf"^[{_CJK}]+$")

_jieba = None


def _get_jieba():
    global _jieba
    if _jieba is None:
        import jieba

        # jieba announces building its dictionary on stderr otherwise.
        jieba.setLogLevel(logging.WARNING)
        _jieba = jieba
    return _jieba


def _bigrams(run):
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_terms(text):
    """Return the search terms of ``text`` for the index: bigrams, words, Latin."""
    if not text:
        return []
    terms = []
    for token in _TOKEN_RE.findall(text):
        if _CJK_RUN_RE.match(token):
            terms.extend(_bigrams(token))
            if len(token) > 2:
                words = _get_jieba().cut_for_search(token)
                terms.extend(word for word in words if len(word) > 2)
        else:
            terms.append(token.lower())
    return terms


def index_text(*texts):
    """Return the hidden, space-separated search text of some plain texts."""
    return " ".join(term for text in texts for term in index_terms(text))


def query_terms(query):
    """Return the terms a query must all match: bigrams and Latin words.

    A single Chinese character stays a term of its own; it matches only
    one-character runs in the index, so the search view asks for two.
    """
    terms = []
    for token in _TOKEN_RE.findall(query or ""):
        if _CJK_RUN_RE.match(token):
            terms.extend(_bigrams(token))
        else:
            terms.append(token.lower())
    # Keep the order for highlighting, drop repeats for the engine.
    return list(dict.fromkeys(terms))


def plain_text(value):
    """Return the visible text of rich text or a StreamField value."""
    if value is None:
        return ""
    if hasattr(value, "raw_data") or hasattr(value, "stream_block"):
        parts = []
        for block in value:
            parts.append(_block_text(block.value))
        return "\n".join(part for part in parts if part)
    return html.unescape(strip_tags(str(value)))


def _block_text(value):
    if hasattr(value, "source"):  # RichText
        return html.unescape(strip_tags(value.source))
    if isinstance(value, dict):
        texts = []
        for key, item in value.items():
            if key in {"image", "video"}:
                continue
            texts.append(_block_text(item))
        return "\n".join(text for text in texts if text)
    if isinstance(value, str):
        return html.unescape(strip_tags(value))
    return ""


def snippet(text, terms, width=90):
    """Return HTML: a window of ``text`` around the first term, terms marked."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    lowered = text.lower()
    positions = [lowered.find(term) for term in terms if term]
    positions = [pos for pos in positions if pos >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    window = text[start : start + width]
    marked = _mark(window, [term for term in terms if term])
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return prefix + marked + suffix


def _mark(window, terms):
    """Escape ``window`` and wrap every stretch covered by a term in <mark>."""
    covered = [False] * len(window)
    lowered = window.lower()
    for term in terms:
        pos = lowered.find(term)
        while pos >= 0:
            for i in range(pos, pos + len(term)):
                covered[i] = True
            pos = lowered.find(term, pos + 1)
    out = []
    inside = False
    for char, flag in zip(window, covered, strict=True):
        if flag and not inside:
            out.append("<mark>")
        elif not flag and inside:
            out.append("</mark>")
        inside = flag
        out.append(html.escape(char))
    if inside:
        out.append("</mark>")
    return "".join(out)
