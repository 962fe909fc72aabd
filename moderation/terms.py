"""Content-safety term matching: normalise the text, then one Aho-Corasick pass.

Normalisation folds the usual evasions onto one form before matching: NFKC
(full-width letters and digits become half-width), case folding, traditional
to simplified Chinese (OpenCC tables), and removal of the characters people
insert between the letters of a word (spaces, punctuation, symbols, zero-width
marks). Every normalised character remembers the position it came from, so a
match can be shown, and masked, in the original text.

Usage::

    matcher = TermMatcher([("黑鸦", "demo", "block")], allowed=["黑鸦湖条例"])
    for hit in matcher.find("Ｈ黑*鸦"):
        print(hit.term, hit.start, hit.end)
"""

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
import opencc

_converter = opencc.OpenCC("t2s")

# Unicode categories removed before matching: separators, punctuation,
# symbols, control and format characters (zero-width joiners and the like).
_IGNORABLE_PREFIXES = ("Z", "P", "S", "C")


@lru_cache(maxsize=65536)
def _fold_char(char):
    folded = unicodedata.normalize("NFKC", char).casefold()
    out = []
    for piece in folded:
        if unicodedata.category(piece).startswith(_IGNORABLE_PREFIXES):
            continue
        out.append(_converter.convert(piece) if ord(piece) > 0x2E7F else piece)
    return "".join(out)


def normalise(text):
    """Return the normalised form of ``text`` (no position map)."""
    return "".join(_fold_char(char) for char in text)


def normalise_with_map(text):
    """Return (normalised text, list mapping each of its characters to ``text``)."""
    chars = []
    positions = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        chars.append(folded)
        positions.extend([index] * len(folded))
    return "".join(chars), positions


@dataclass(frozen=True)
class Hit:
    term: str
    category: str
    action: str
    start: int  # in the original text
    end: int  # exclusive, in the original text
    matched: str  # the original characters, evasions included


class TermMatcher:
    """Find listed terms in text, skipping those inside allow-listed phrases."""

    def __init__(self, terms, allowed=()):
        self._terms = ahocorasick.Automaton()
        count = 0
        for text, category, action in terms:
            key = normalise(text)
            if not key:
                continue
            entries = self._terms.get(key, ())
            self._terms.add_word(key, (*entries, (text, category, action, len(key))))
            count += 1
        self.size = count
        if count:
            self._terms.make_automaton()
        self._allowed = ahocorasick.Automaton()
        allowed_count = 0
        for phrase in allowed:
            key = normalise(phrase)
            if key:
                self._allowed.add_word(key, len(key))
                allowed_count += 1
        if allowed_count:
            self._allowed.make_automaton()
        self._has_allowed = bool(allowed_count)

    def _allowed_spans(self, folded):
        if not self._has_allowed:
            return []
        return [
            (end - length + 1, end + 1) for end, length in self._allowed.iter(folded)
        ]

    def find(self, text):
        """Return every hit in ``text``, in order of position."""
        if not self.size or not text:
            return []
        folded, positions = normalise_with_map(text)
        allowed = self._allowed_spans(folded)
        hits = []
        for end, entries in self._terms.iter(folded):
            for term, category, action, length in entries:
                start = end - length + 1
                if any(a <= start and end + 1 <= b for a, b in allowed):
                    continue
                first, last = positions[start], positions[end]
                hits.append(
                    Hit(
                        term=term,
                        category=category,
                        action=action,
                        start=first,
                        end=last + 1,
                        matched=text[first : last + 1],
                    )
                )
        hits.sort(key=lambda hit: (hit.start, hit.end))
        return hits

    def mask(self, text, actions=("mask",)):
        """Return ``text`` with the hits whose action is in ``actions`` starred."""
        hits = [hit for hit in self.find(text) if hit.action in actions]
        if not hits:
            return text
        chars = list(text)
        for hit in hits:
            for index in range(hit.start, hit.end):
                if not unicodedata.category(chars[index]).startswith("Z"):
                    chars[index] = "＊"
        return "".join(chars)


_cache = {"key": None, "matcher": None}


def current_matcher():
    """Return a matcher over the term lists in the database, rebuilt on change."""
    from django.db.models import Count, Max

    from .models import AllowedPhrase, Term, TermCategory

    stats = Term.objects.aggregate(n=Count("pk"), top=Max("pk"), at=Max("created_at"))
    allowed_stats = AllowedPhrase.objects.aggregate(n=Count("pk"), top=Max("pk"))
    categories = tuple(TermCategory.objects.values_list("pk", "name", "action"))
    key = (tuple(stats.values()), tuple(allowed_stats.values()), categories)
    if _cache["key"] != key:
        terms = Term.objects.values_list(
            "text", "category__name", "category__action"
        ).iterator()
        allowed = AllowedPhrase.objects.values_list("text", flat=True)
        _cache["matcher"] = TermMatcher(terms, allowed)
        _cache["key"] = key
    return _cache["matcher"]


def reset_matcher_cache():
    _cache["key"] = None
    _cache["matcher"] = None
