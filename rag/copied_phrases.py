"""A word the answer left out of a phrase it otherwise copies from its cited paragraph.

The small model shortens what it copies ("merebut wilayah" for the source's "merebut kembali
wilayah"), and the reader, or a keyword, looks for the phrase as the source writes it.
"""
from __future__ import annotations

import re
from typing import Sequence

from .citations import in_label
from .language import STOPWORDS

_TOKEN = re.compile(r"\S+")
_EDGE = "\"'“”‘’.,;:!?()[]"


def _norm(token: str) -> str:
    return token.strip(_EDGE).lower()


def _dropped_at(a: list[str], joins: list[bool], s: list[str], s_raw: list[str], i: int) -> str | None:
    """The source word that belongs between answer words i and i+1 (no punctuation after word i),
    or None. The answer must copy at least three words around it, with a content word on each side, and the run it
    copies must not be in the source without that word."""
    for p in range(len(s) - 2):
        x = s_raw[p + 1]
        if (s[p] != a[i] or s[p + 2] != a[i + 1] or s_raw[p][-1] in _EDGE
                or not re.fullmatch(r"[^\W\d_]{2,}", x) or x.lower() in STOPWORDS or x.lower() in a):
            continue
        left = 1
        while i - left >= 0 and p - left >= 0 and a[i - left] == s[p - left] and joins[i - left] \
                and s_raw[p - left][-1] not in _EDGE:
            left += 1
        right = 1
        while i + 1 + right < len(a) and p + 2 + right < len(s) and a[i + 1 + right] == s[p + 2 + right]:
            right += 1
        run_left, run_right = a[i - left + 1:i + 1], a[i + 1:i + 1 + right]
        if left + right < 3 or not any(len(w) >= 4 for w in run_left) or not any(len(w) >= 4 for w in run_right):
            continue
        if f" {' '.join(run_left + run_right)} " in f" {' '.join(s)} ":
            continue
        return x
    return None


def source_dropped_words(text: str, source: str) -> str:
    """A word the answer left out of a phrase it otherwise copies is put back: "merebut wilayah"
    where the source says "merebut kembali wilayah", "nomor 400 meter putri" for "nomor lari 400
    meter putri". Not a function word (STOPWORDS), nor one the answer moved elsewhere."""
    s_raw = _TOKEN.findall(source)
    s = [_norm(t) for t in s_raw]
    for _ in range(4):  # one word per pass: positions shift after each
        found = list(_TOKEN.finditer(text))
        # a citation label is no word of the answer
        a = ["" if m.group()[0] == "[" or in_label(text, m.start()) else _norm(m.group()) for m in found]
        joins = [bool(w) and m.group()[-1] not in _EDGE for w, m in zip(a, found)]  # no punctuation after it
        for i in range(len(a) - 1):
            if joins[i] and a[i + 1] and (x := _dropped_at(a, joins, s, s_raw, i)):
                text = f"{text[:found[i].end()]} {x}{text[found[i].end():]}"
                break
        else:
            return text
    return text


MIN_COPIED_WORDS = 6


def plain_words(text: str) -> str:
    """`text`'s words, lower-cased, one space apart (punctuation and citation brackets dropped)."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def copies_a_source(text: str, sources: Sequence[str]) -> bool:
    """Every sentence of the answer (citations aside) is a run of at least MIN_COPIED_WORDS words
    written word for word in one of `sources`: it says nothing they do not. The support check's
    reading can then only judge whether it answers the question, and withdrew right copies at
    0.39-0.73 (four in the dev sets' runs) where the 23 others, and the one trap, scored 0.76-0.93."""
    plain = [f" {plain_words(s)} " for s in sources]
    body = re.sub(r"\[[^\[\]]*\d\]", " ", text)  # citation labels
    sentences = [plain_words(s) for s in re.split(r"(?<=[.!?])\s+|\n+", body) if plain_words(s)]
    return bool(sentences) and all(len(s.split()) >= MIN_COPIED_WORDS and any(f" {s} " in p for p in plain)
                                   for s in sentences)
