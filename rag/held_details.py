"""Which of a sentence's details (numbers, days, names) a paragraph holds that others lack.

Re-attribution (`grounding.repair_citations`) moves a citation to the paragraph that holds
most of the sentence's words. That paragraph may lack the one detail the model took from
the paragraph it cited: the date ("... pada hari Selasa, 14 Maret 2023 [1]", moved to ¶2,
which then lost "14" and "2023" to the cut of made-up dates), or the person the sentence is
about ("Vladimir Putin said stabilising the relationship would take time [15]", moved to
another document's paragraph that says Wong said it, and then shown verified).
"""
from __future__ import annotations

import re
from typing import Sequence

from .language import STOPWORDS, match_keys, near_spelling, words
from .retriever import Hit
from .verbatim import day_spans

_LABEL = re.compile(r"\[[^\[\]]*\]")
_NUMBER = re.compile(r"(?<!\w)(\d+(?:[.,:]\d+)*)(?:st|nd|rd|th)?(?!\w)")
_CAPITAL = re.compile(r"(?<![\w.])([A-Z][\w'’-]+)")
# A sentence break in a model's answer; grounding splits on the same pattern.
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_OPENS = ".!?:\"“("  # a capital after these may only open a sentence


def last_sentence(span: str) -> str:
    """The last sentence of `span` that has words (a citation group follows it)."""
    parts = [p for p in SENTENCE_BREAK.split(_LABEL.sub(" ", span)) if words(p)]
    return parts[-1] if parts else ""


def _named_mid_sentence(word: str, passages: Sequence[Hit]) -> bool:
    """Some passage writes `word` capitalised inside a sentence: a name, not a sentence's first word."""
    pattern = re.compile(rf"(?<![\w'’-]){re.escape(word)}(?![\w'’-])")
    for hit in passages:
        for m in pattern.finditer(hit.text):
            before = hit.text[:m.start()].rstrip()
            if before and before[-1] not in _OPENS:
                return True
    return False


def details(sentence: str, question: str, passages: Sequence[Hit]) -> list[str]:
    """The sentence's numbers (two digits or more, or a day beside a month) and names that the
    question does not contain. A capitalised first word counts when the passages write it
    capitalised inside a sentence ("Putin said ...")."""
    body = _LABEL.sub(" ", sentence)
    q_words = set(words(question))
    found: list[str] = []
    days = day_spans(body)
    for m in _NUMBER.finditer(body):
        num = m.group(1)
        if len(re.sub(r"\D", "", num)) < 2 and m.span(1) not in days:
            continue
        if not re.search(rf"(?<![\d.,]){re.escape(num)}(?![\d]|[.,]\d)", question):
            found.append(num)
    for m in _CAPITAL.finditer(body):
        word, low = m.group(1), m.group(1).lower()
        if len(low) <= 2 or low in STOPWORDS or low in q_words or near_spelling(low, q_words):
            continue
        before = body[:m.start()].rstrip()
        if (not before or before[-1] in _OPENS) and not _named_mid_sentence(word, passages):
            continue
        found.append(word)
    return list(dict.fromkeys(found))


def holds(hit: Hit, detail: str) -> bool:
    """The passage writes `detail`: a number as it stands, a name in either language's spelling."""
    if detail[0].isdigit():
        text = re.sub(r"(?<![\w.,])(\d+), (\d+)(?!\w)", r"\1,\2", hit.text)  # "3, 717" split into tokens
        return bool(re.search(rf"(?<![\d.,]){re.escape(detail)}(?![\d]|[.,]\d)", text))
    low = detail.lower()
    vocabulary = set(words(hit.text))
    return low in vocabulary or bool(match_keys(detail) & match_keys(hit.text)) or near_spelling(low, vocabulary)


def lost_details(sentence: str, cited: Hit, kept: Sequence[Hit], question: str,
                 passages: Sequence[Hit]) -> list[str]:
    """The details of `sentence` that `cited` holds and none of `kept` does."""
    return [d for d in details(sentence, question, passages)
            if holds(cited, d) and not any(holds(h, d) for h in kept)]


def keep_held_details(sentence: str, cited: list[int], keep: list[int], passages: Sequence[Hit],
                      question: str) -> tuple[list[int], list[str]]:
    """`keep` (indices into `passages`), with each of the model's `cited` paragraphs put back
    that holds a number, day or name of the sentence the kept ones lack: it is cited as well
    (the date from ¶1, the rest from ¶2). When the citation would move to another document's
    paragraph the model did not cite, nothing moves and those details are returned: the
    sentence joins one document's name to another's words."""
    dropped = [i for i in cited if i not in keep]
    back: list[int] = []
    for i in dropped:
        lost = lost_details(sentence, passages[i], [passages[k] for k in keep], question, passages)
        if not lost:
            continue
        if any(k not in cited and passages[k].doc != passages[i].doc for k in keep):
            return cited, lost
        back.append(i)
    return ([i for i in cited if i in back] + keep if back else keep), []
