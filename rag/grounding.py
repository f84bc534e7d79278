"""Checking an answer against its passages: which paragraph supports each sentence (the names
and numbers the passages never mention: `figures`).

A small model often cites a neighbour of the right paragraph (corpus mode shows it 19
numbered paragraphs) or the first paragraph it saw. Each cited span is therefore
matched word by word against the passages: a citation keeps its place only when its
paragraph supports the span nearly as well as the best passage does; otherwise the best
passage replaces it. Matching uses stems cut to a short prefix so that an English answer
still meets an Indonesian paragraph on names, numbers and shared roots
("February"/"Februari", "Ukraine"/"Ukraina").
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from .citations import Citation, ParsedAnswer, citation_label, spans_documents
from .language import match_keys
from .held_details import SENTENCE_BREAK, keep_held_details, last_sentence
from .retriever import Hit

KEEP_RATIO = 0.6  # a cited paragraph stays if it scores at least this share of the best passage
MIN_SUPPORT = 2.0  # below this (about two shared rare words) no attribution is made
SHORT_SPAN_KEYS = 3  # spans with fewer content keys are scored together with the question
MIN_GAIN = 2.0  # a further paragraph cited for the same span must add this much support of its own
DUPLICATE_SHARE = 0.9  # paragraphs sharing this share of their keys are copies of one text
CITATION_LABEL = re.compile(r"\[(?:(?P<doc>[^\[\]]+?) ¶)?(?P<n>\d{1,4})\]")

keys = match_keys  # the name used throughout this module


@dataclass(frozen=True)
class Grounded:
    text: str
    citations: tuple[Citation, ...]
    changed: bool  # a citation was moved, dropped or added
    # details (names, numbers) of a sentence that only the paragraph the model cited holds, while
    # its words are another document's: the citation stays, and the answer is not vouched for
    crossed: tuple[str, ...] = ()


class Attributor:
    """Scores how well each passage supports a span of answer text (IDF-weighted shared keys)."""

    def __init__(self, passages: Sequence[Hit], question: str):
        self.passages = list(passages)
        self.pkeys = [keys(h.text) for h in self.passages]
        n = len(self.passages)
        df: dict[str, int] = {}
        for ks in self.pkeys:
            for k in ks:
                df[k] = df.get(k, 0) + 1
        self.idf = {k: math.log(1 + n / d) for k, d in df.items()}
        self.qkeys = keys(question)

    def scores(self, span: str) -> list[float]:
        s = keys(span)
        weight = self._weights(s)
        return [sum(weight[k] for k in s & pk) for pk in self.pkeys]

    def _weights(self, span_keys: set[str]) -> dict[str, float]:
        # words the question does not already contain are the answer's own content: they weigh more
        return {k: self.idf.get(k, 0.0) * (1.0 if k in self.qkeys else 1.5) for k in span_keys}

    def complementary(self, span: str, cited: list[int], sc: list[float]) -> list[int]:
        """Of paragraphs cited together for one span, those that each add support the better ones lack.

        A small model often cites a second paragraph that merely shares the span's words with
        the first ("February", "Beijing"); a multi-part answer cites paragraphs that each hold
        a different part of it, and keeps them all."""
        if len(cited) < 2:
            return cited
        s = keys(span)
        weight = self._weights(s)
        covered: set[str] = set()
        kept: list[int] = []
        for j in sorted(cited, key=lambda j: -sc[j]):  # stable: ties keep the model's order
            own = (s & self.pkeys[j]) - covered
            if not kept or sum(weight[k] for k in own) >= MIN_GAIN or self._copy_of_kept(j, kept):
                kept.append(j)
                covered |= s & self.pkeys[j]
        return [j for j in cited if j in kept]

    def _copy_of_kept(self, j: int, kept: list[int]) -> bool:
        """Paragraph j is (nearly) the same text as one already kept: the same evidence in
        another document (news corpora repeat paragraphs), so it is cited as well."""
        pj = self.pkeys[j]
        return any(len(pj & self.pkeys[i]) >= DUPLICATE_SHARE * len(pj | self.pkeys[i]) for i in kept)

    def clear_best(self, span: str, margin: float = 1.5) -> int:
        """The passage that supports `span` clearly best, or -1."""
        s = keys(span)
        sc = self.scores(span)
        order = sorted(range(len(sc)), key=lambda j: (-sc[j], j))
        if not order:
            return -1
        top = order[0]
        second = sc[order[1]] if len(order) > 1 else 0.0
        shared = len(s & self.pkeys[top])
        return top if shared >= 2 and sc[top] >= MIN_SUPPORT and sc[top] >= margin * second else -1


def split_end(text: str) -> tuple[str, str]:
    """("Kyiv", ".") from "Kyiv. ": the text without its closing punctuation, and that mark."""
    body = text.rstrip()
    end = body[-1] if body[-1:] in (".", "!", "?") else ""
    return body[: len(body) - len(end)].rstrip(), end


def repair_citations(parsed: ParsedAnswer, passages: Sequence[Hit], question: str,
                     attribute_uncited: bool = False) -> Grounded:
    """Re-check each citation group against the text it follows (its span); move or drop weak ones.

    `attribute_uncited`: an answer the model left without any citation gets the passage that
    clearly supports it best (at least two shared words, well ahead of the runner-up); the
    caller still shows it as unverified, since the model did not cite it."""
    if not passages:
        return Grounded(parsed.text, parsed.citations, False)
    multi_doc = spans_documents(passages)
    by_label = {citation_label(h, multi_doc): i for i, h in enumerate(passages)}
    # the labels themselves, not a pattern: document names may hold brackets
    one = "|".join(re.escape(lab) for lab in sorted(by_label, key=len, reverse=True))
    group = re.compile(rf"(?:\s*(?:{one}))+")
    att = Attributor(passages, question)
    out, last, changed = [], 0, False
    found: list[Citation] = []
    crossed: list[str] = []

    def add(i: int) -> str:
        c = Citation(passages[i].doc, passages[i].paragraph)
        if c not in found:
            found.append(c)
        return citation_label(passages[i], multi_doc)

    for m in group.finditer(parsed.text):
        span = parsed.text[last:m.start()]
        cited = [by_label[lab] for lab in re.findall(one, m.group(0))]
        # a short answer ("Kyiv.") is a claim only together with the question it answers
        claim = span if len(keys(span)) >= SHORT_SPAN_KEYS else f"{span} {question}"
        sc = att.scores(claim)
        best = max(range(len(sc)), key=lambda j: (sc[j], -j))
        keep = cited
        if sc[best] >= MIN_SUPPORT:
            strong = dict.fromkeys(i for i in cited if sc[i] >= KEEP_RATIO * sc[best])
            keep = att.complementary(claim, list(strong), sc)
        if not keep:
            keep = [best]
        keep, lost = keep_held_details(last_sentence(span), cited, keep, passages, question)
        crossed.extend(d for d in lost if d not in crossed)
        changed |= keep != cited
        span, more = _cite_earlier_sentences(span, att, set(keep), add, whole=False)
        out.append(span + " " + "".join(dict.fromkeys(add(i) for i in keep)))
        changed |= more
        last = m.end()
    tail = parsed.text[last:]
    if found:  # sentences after the model's last citation
        tail, more = _cite_earlier_sentences(tail, att, set(), add, whole=True)
        changed |= more
    out.append(tail)
    text = "".join(out).strip()
    if not found and attribute_uncited:
        i = att.clear_best(parsed.text)
        if i >= 0:
            body, end = split_end(text)
            text = body + " " + add(i) + end
            changed = True
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return Grounded(text, tuple(found), changed, tuple(crossed))


_SENTENCE_SPLIT = re.compile(f"({SENTENCE_BREAK.pattern})")  # keeps the separators


def _cite_earlier_sentences(span: str, att: Attributor, cited: set[int], add, whole: bool) -> tuple[str, bool]:
    """Give each sentence of `span` that a single passage clearly supports its own citation.

    A model often ends a list or several sentences with one citation ("1. Medvedev ... 2. Qin
    Gang ... [18]"): the earlier sentences then get the paragraph that holds them, unless the
    group already cites it. With `whole` False the last sentence is left to the group that follows."""
    parts = _SENTENCE_SPLIT.split(span)  # sentence, separator, sentence, ...
    filled = [i for i in range(0, len(parts), 2) if parts[i].strip()]
    todo = filled if whole else filled[:-1]
    changed = False
    for i in todo:
        if len(keys(parts[i])) < SHORT_SPAN_KEYS:
            continue
        j = att.clear_best(parts[i])
        if j >= 0 and j not in cited:
            body, end = split_end(parts[i])
            parts[i] = f"{body} {add(j)}{end}" + parts[i][len(parts[i].rstrip()):]
            changed = True
    return "".join(parts), changed
