"""A withdrawn answer asked once more, with the words of the passages closest to the question pointed out.

The small model often has the right paragraph before it and reads the wrong part of it ("Menurut
Xi, apa yang pasti akan gagal?" answered with the partnership ¶12 opens with, where ¶12's last
clause says "sanksi dan gangguan pasti akan gagal"). When the second reading then withdraws that
answer and nothing can be quoted, the question is asked again over the same passages with one
more line before it: the clause that shares most content words with the question.

Measured (2026-12-03, the 189 Indonesian questions of the thirteen seed sets, retrieved passages):
the line on every question changed 23 outcomes (9 gained, 13 lost, 1 trap answered; 114 -> 110 of
149 right), so it is not used on every question. Only after a withdrawal the same runs give 4
right answers for 10 refusals (e15, f11, m08, n11: 114 -> 118; the idea came from f11) and
answer no trap (34 of 40 refused either way). FacQA test-100: 4 asked again, 1 more right
(test-0018), 1 wrong answer shown instead of the refusal. English questions (the clause taken
from the English copy, with the whole corpus in context) gained 1 of 16 and answered 2 of 17
traps: they are not asked again.
An answer the checks refused (a figure or name no passage holds, the wrong kind of answer) is
asked again the same way, and the new answer stands only when the model states it and every
check passes; a quote or refusal leaves the first refusal. "China membeli minyak Rusia dengan
harga seperti apa?" had been answered "100 USD per ton [5]" and refused in four seed sets; pointed
at ¶5's "... minyak Rusia dengan harga diskon", "dengan harga seperti diskon [5]".
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Iterator

from .answer import Answer, Event, Reset, close_events
from .citations import parse_citations
from .prompt import closest_clause
from .reply_shape import is_refusal


def refused_by_checks(answer: Answer) -> bool:
    """Refused though the model stated an answer (not withdrawn by the second reading)."""
    return (answer.refused and not answer.withdrawn and not answer.quoted and bool(answer.raw.strip())
            and not is_refusal(answer.raw, parse_citations(answer.raw, answer.passages)))


def needs_pointing(answer: Answer) -> bool:
    """Withdrawn by the second reading or refused by the checks, nothing quoted instead, and a
    clause to point out."""
    return (answer.refused and not answer.quoted and (answer.withdrawn or refused_by_checks(answer))
            and closest_clause(answer.question, answer.passages, answer.lang) is not None)


def _stated(answer: Answer) -> bool:
    """The model's own answer, shown: neither a refusal nor a quote."""
    return not answer.refused and not answer.quoted


def ask_again_pointed(events: Iterator[Event], again: Callable[[], Iterator[Event]]) -> Iterator[Event]:
    """Pass `events` through; a final answer that `needs_pointing` is replaced by the events of
    `again()` (the same question over the same passages, the closest clause pointed out)."""
    start = time.perf_counter()
    try:
        for event in events:
            if not (isinstance(event, Answer) and needs_pointing(event)):
                yield event
                continue
            yield Reset("asking once more, with the words closest to the question pointed out")
            only_stated = not event.withdrawn  # after the checks' refusal: a quote is no better
            second = again()
            try:
                for later in second:
                    if isinstance(later, Answer):
                        if only_stated and not _stated(later):
                            yield Reset("the answer asked again is not kept either")
                            later = event
                        later = replace(later, timings={
                            **later.timings, "ttft_s": event.timings.get("ttft_s", 0.0),
                            "first_answer_s": event.timings.get("total_s"),
                            "total_s": time.perf_counter() - start})
                    yield later
            finally:
                close_events(second)
    finally:
        close_events(events)
