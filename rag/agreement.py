"""Middling answers checked once more: a second answer from the top passages alone (the whole
corpus in context), or a judged quote of the cited passage (retrieved passages).

With the whole corpus in context (one short document) an answer the second reading scores
just above its minimum is as often a trap answered as a right answer: on the four seed dev
sets, 4 answers to unanswerable questions scored 0.750-0.783 and 8 right answers 0.748-0.799.
The small model's made-up answers are unstable, its right ones are not: asked the same question
again over only the 3 passages retrieval ranks first (the retrieved-mode prompt, question
before and after them), it cited a paragraph of its first answer for all 8 right answers and
for 2 of the 4 traps (the other two: a different paragraph, and a name no passage holds). An
answer in that band that the second one does not back up is withdrawn like one the second
reading rejects: a passage the model clearly judges to answer is quoted, else the refusal.
Measured: seed sets, the 2 traps refused and no answer lost; held out (88 answerable FacQA valid
questions, in Indonesian and English, each over its own article as the whole corpus): of the 10
answers in the band (5 right), 1 wrong one withdrawn and 1 right one lost (then quoted from
another paragraph). Costs one fresh prompt of ~3 passages, only for answers in the band (median
2.9 s here on the seed sets, 12 of 89 questions; 4.5 s on the longer FacQA articles).

With retrieved passages (a large corpus) the prompt already holds only the top passages, so a
middling answer is checked the other way (`quote_middling`): when the model, asked of its cited
passage alone, clearly judges that the passage answers the question while the answer itself got
only a middling reading, the passage's own sentence is shown instead: the model found the right
passage and may have misread it. FacQA valid (first 100, where this was chosen): 16 answers read
below 0.76, 5 of them wrong; 3 had their cited passage judged at 0.8 or more: 2 wrong answers
became quotes holding the answer, 1 right one a quote holding it too (accuracy 0.80 -> 0.82).
Checked on FacQA test (first 100): 9 such answers; 2 wrong ones became quotes holding the answer,
1 right one a quote without it, 6 right ones quotes holding it (0.70 -> 0.71). FacQA train (first
100): 3 quoted, 1 right answer lost (the judge took another article's paragraph as answering;
0.78, 0.79 without it). Costs one reading (median 1.4 s) for answers below 0.76 (a sixth of them there).
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Iterator, Sequence

from .answer import Answer, Event, Reset, cited_passages, close_events, generate
from .citations import parse_citations
from .figures import specifics
from .llm import LLM
from .quotes import quote_answering, quote_or_refusal
from .retriever import Hit

AGREE_BELOW = 0.80  # answers whose support is at or above the minimum but below this are asked again
AGREE_PASSAGES = 3


def _cited(answer: Answer) -> set[tuple[str, int]]:
    """The paragraphs an answer cites, as shown and as the model wrote them."""
    written = parse_citations(answer.raw, answer.passages).citations if answer.raw else ()
    return {c.key for c in (*answer.citations, *written)}


def _shown_below(answer: Answer, bound: float) -> bool:
    """A shown (not refused, quoted or withdrawn), cited answer whose support score is below `bound`."""
    return (not answer.refused and not answer.quoted and not answer.withdrawn and answer.support is not None
            and answer.support < bound and bool(answer.citations))


def needs_second_answer(answer: Answer) -> bool:
    """A shown, cited answer whose support score lies in the middling band."""
    return _shown_below(answer, AGREE_BELOW)


def second_answer(llm: LLM, answer: Answer, ranked: Sequence[Hit], max_tokens: int,
                  history: Sequence[str] = ()) -> Answer | None:
    """The answer to the same question over the top `AGREE_PASSAGES` ranked passages alone (the
    usual checks, without a second reading)."""
    final = None
    for event in generate(llm, answer.question, list(ranked[:AGREE_PASSAGES]), answer.lang, max_tokens,
                          history, ranked, check=False):
        if isinstance(event, Answer):
            final = event
    return final


def agrees(first: Answer, second: Answer | None, history: Sequence[str] = ()) -> bool:
    """The second answer is the model's own statement (not a refusal, not a quote of a passage),
    cites a paragraph the first one cites, and repeats every name and number the first one adds
    to the question ("held in Beijing" and "held in Washington, D.C." cite the same paragraph)."""
    if second is None or second.refused or second.quoted or not _cited(first) & _cited(second):
        return False
    restated = Hit(doc="", paragraph=0, text=second.text, score=0.0)
    return not specifics(first.text, [restated], " ".join([*history, first.question])).invented


def confirm_middling(llm: LLM, events: Iterator[Event], ranked: Sequence[Hit], max_tokens: int,
                     history: Sequence[str] = ()) -> Iterator[Event]:
    """Pass `events` through; a final answer in the middling band that a second answer does not
    back up is withdrawn (a Reset, then a quote of a passage judged to answer, or the refusal)."""
    try:
        for event in events:
            if not isinstance(event, Answer) or not ranked or not needs_second_answer(event):
                yield event
                continue
            t0 = time.perf_counter()
            second = second_answer(llm, event, ranked, max_tokens, history)
            timings = {**event.timings, "second_answer_s": time.perf_counter() - t0}
            if agrees(event, second, history):
                yield replace(event, timings=timings)
                continue
            yield Reset("asked again over the top passages alone, the model did not give this answer; it is withdrawn")
            t0 = time.perf_counter()
            text, citations, quoted = quote_or_refusal(llm, event.question, event.passages, ranked, event.lang)
            timings["quote_s"] = time.perf_counter() - t0  # (the pipeline sets total_s to the wall time)
            yield replace(event, text=text, citations=citations, refused=not quoted, quoted=quoted,
                          verified=True, withdrawn=True, reattributed=False, invented=(), timings=timings)
    finally:
        close_events(events)


QUOTE_BELOW = 0.76  # retrieved mode: answers read below this have their cited passage judged (see above)


def needs_judging(answer: Answer) -> bool:
    """A shown, cited answer whose support is below `QUOTE_BELOW`."""
    return _shown_below(answer, QUOTE_BELOW)


def quote_middling(llm: LLM, events: Iterator[Event]) -> Iterator[Event]:
    """Pass `events` through; a final answer `needs_judging` whose cited passage the model clearly
    judges to answer the question is replaced (a Reset, then the quote) by that passage's sentence."""
    try:
        for event in events:
            if not isinstance(event, Answer) or not needs_judging(event):
                yield event
                continue
            t0 = time.perf_counter()
            quote = quote_answering(llm, event.question, event.passages,
                                    cited_passages(event.passages, event.citations), event.lang)
            timings = {**event.timings, "judge_s": time.perf_counter() - t0}
            if quote is None:
                yield replace(event, timings=timings)
                continue
            yield Reset("the cited paragraph answers the question, but the answer was not clearly read in it; "
                        "showing the paragraph's own words")
            yield replace(event, text=quote[0], citations=quote[1], quoted=True, verified=True,
                          reattributed=False, invented=(), timings=timings)
    finally:
        close_events(events)
