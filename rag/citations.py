"""Parsing the model's citations and verifying them against the passages it was given."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from .language import ID, match_keys, words
from .retriever import Hit

# [3]  [3, 5]  [3-5]  [¶3]  [Paragraph 3]  [doc.txt ¶3]  [doc.txt:3]  【3】  (3)  (¶3, 4)
_BRACKET = re.compile(r"[\[【]\s*([^\[\]【】\n]{0,80}?)\s*[\]】]")
_PAREN = re.compile(r"\(\s*((?:¶|§|paragraf\s*|paragraph\s*|para\.?\s*|p\.\s*)?\d{1,3}(?:\s*(?:,|-|–|dan|and)\s*(?:¶\s*)?\d{1,3})*)\s*\)", re.I)
_PILCROW = re.compile(r"(?<![\w\[])¶\s*(\d{1,4})")
_PREFIX = r"(?:¶|§|paragraf|paragraph|para\.?|p\.|#)?\s*"
_NUMS = r"(?P<nums>\d{1,4}(?:\s*(?:,|;|-|–|dan|and|&)\s*(?:¶|paragraf|paragraph)?\s*\d{1,4})*)"
_NUM_LIST = re.compile(rf"^{_PREFIX}{_NUMS}$", re.I)
_DOC_NUM_LIST = re.compile(rf"^(?P<doc>[^\[\]:¶]*[^\W\d][^\[\]:¶]*?)\s*(?::|¶|,)\s*{_PREFIX}{_NUMS}$", re.I)
_ANY = re.compile(f"(?P<b>{_BRACKET.pattern})|(?P<p>{_PAREN.pattern})|(?P<c>{_PILCROW.pattern})", re.I)
_SPLIT_NUMS = re.compile(r"\d{1,4}|[-–]")
_SENTENCE = re.compile(r"[^.!?。]+(?:[.!?。]+|$)")


@dataclass(frozen=True)
class Citation:
    """A verified citation: a paragraph that was in the model's context."""

    doc: str
    paragraph: int

    @property
    def key(self) -> tuple[str, int]:
        return (self.doc, self.paragraph)


@dataclass(frozen=True)
class ParsedAnswer:
    text: str  # what the user sees: valid citations normalized to [n], invalid ones removed
    citations: tuple[Citation, ...]  # valid, in order of first appearance
    invalid: tuple[str, ...]  # raw citation strings that were dropped


def _numbers(spec: str) -> list[int]:
    out: list[int] = []
    parts = _SPLIT_NUMS.findall(spec)
    i = 0
    while i < len(parts):
        if parts[i] in "-–":
            i += 1
            continue
        n = int(parts[i])
        if i + 2 < len(parts) and parts[i + 1] in "-–" and parts[i + 2].isdigit():
            m = int(parts[i + 2])
            out.extend(range(n, m + 1) if 0 < m - n <= 10 else [n, m])
            i += 3
        else:
            out.append(n)
            i += 1
    return out


def _resolve(doc_hint: str | None, number: int, passages: Sequence[Hit], span: str = "") -> Hit | None:
    matches = [h for h in passages if h.paragraph == number]
    if doc_hint:
        hint = doc_hint.strip().strip("()").lower()
        named = [h for h in matches if h.doc.lower() == hint or h.doc.lower().startswith(hint)]
        matches = named or matches
    if len(matches) > 1 and span.strip():
        return holding_best(span, matches, passages)
    return matches[0] if matches else None  # no text to go by: the higher-ranked one


def holding_best(span: str, candidates: Sequence[Hit], passages: Sequence[Hit]) -> Hit:
    """Of the passages a bare "[1]" may mean (each document given has a ¶1), the one whose text
    holds most of `span`'s words, rarer words (over all `passages`) weighing more; the
    higher-ranked one on a tie. The rank alone cited a Harbor Town sentence to a cooperative's
    paragraph, and the second reading then withdrew a right answer."""
    want = match_keys(_BRACKET.sub(" ", span))
    pkeys = [match_keys(h.text) for h in passages]
    df: dict[str, int] = {}
    for ks in pkeys:
        for k in ks & want:
            df[k] = df.get(k, 0) + 1
    idf = {k: math.log(1 + len(passages) / d) for k, d in df.items()}

    def score(hit: Hit) -> float:
        return sum(idf.get(k, 0.0) for k in want & match_keys(hit.text))

    return max(candidates, key=score)  # max keeps the first (higher-ranked) of equal scores


def in_label(text: str, at: int) -> bool:
    """Position `at` is inside a citation label ("[report FY.txt ¶3]")."""
    return text.rfind("[", 0, at) > text.rfind("]", 0, at)


def spans_documents(passages: Sequence[Hit]) -> bool:
    """True when the passages come from several documents (labels then name the document)."""
    return len({h.doc for h in passages}) > 1


def citation_label(hit: "Hit | Citation", multi_doc: bool) -> str:
    """How a valid citation is shown: [n], or [doc ¶n] when the passages come from several documents."""
    return f"[{hit.doc} ¶{hit.paragraph}]" if multi_doc else f"[{hit.paragraph}]"


def parse_citations(text: str, passages: Sequence[Hit], before: str = "") -> ParsedAnswer:
    """Find every citation in `text`; keep those naming a passage given to the model.

    A number that several documents' paragraphs have is resolved by the text it follows
    (`holding_best`); `before` is the text that came before `text` (a streamed piece)."""
    multi_doc = spans_documents(passages)
    found: list[Citation] = []
    invalid: list[str] = []
    # the text each citation follows: since the previous citation ("[1][2]" share one)
    said = {"span": before.rsplit("]", 1)[-1], "end": 0}

    def cite(doc_hint: str | None, spec: str, raw: str) -> str:
        labels = []
        for n in _numbers(spec):
            hit = _resolve(doc_hint, n, passages, said["span"])
            if hit is None:
                invalid.append(raw)
                continue
            c = Citation(hit.doc, hit.paragraph)
            if c not in found:
                found.append(c)
            label = citation_label(hit, multi_doc)
            if label not in labels:
                labels.append(label)
        return "".join(labels)

    def bracket(m: re.Match) -> str:
        inner = m.group(1)
        parsed = _NUM_LIST.match(inner)
        if parsed:
            return cite(None, parsed.group("nums"), m.group(0))
        parsed = _DOC_NUM_LIST.match(inner)
        if parsed:
            return cite(parsed.group("doc"), parsed.group("nums"), m.group(0))
        return m.group(0)  # "[sic]", "[Reuters]": not a citation

    def paren(m: re.Match) -> str:
        return cite(None, m.group(1), m.group(0))

    def pilcrow(m: re.Match) -> str:
        return cite(None, m.group(1), m.group(0))

    def any_form(m: re.Match) -> str:  # one pass, so normalized labels are never re-read
        between = text[said["end"]:m.start()]
        if between.strip():
            said["span"] = (said["span"] if said["end"] == 0 else "") + between
        said["end"] = m.end()
        if m.group("b") is not None:
            return bracket(_BRACKET.fullmatch(m.group(0)))
        return paren(_PAREN.fullmatch(m.group(0))) if m.group("p") is not None else pilcrow(_PILCROW.fullmatch(m.group(0)))

    out = _ANY.sub(any_form, text)
    out = re.sub(r"(\[[^\[\]]+\])(?:\s*\1)+", r"\1", out)  # "[3][3]" -> "[3]"
    out = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", out)).strip()
    return ParsedAnswer(out, tuple(found), tuple(invalid))


def content_words(text: str, lang: str = ID) -> set[str]:
    """Match keys of a text with citations removed (for the answer-has-substance check)."""
    return match_keys(_BRACKET.sub(" ", text), lang)


_CHOICE = re.compile(r"([^\W\d_][\w-]*)\s+(?:or|atau)\s+([^\W\d_][\w-]*)", re.I)


def picks_option(text: str, question: str) -> bool:
    """The question offers a choice ("awal atau akhir", "personal or official") and the text names
    one of its options, not the other: an answer, though all its words are the question's."""
    said = set(words(_BRACKET.sub(" ", text)))
    for first, second in _CHOICE.findall(question):
        a, b = first.lower() in said, second.lower() in said
        if a != b:
            return True
    return False
