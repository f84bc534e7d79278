"""Quotes of a passage, shown instead of an answer the model could not state from the documents."""
from __future__ import annotations

import re
from typing import Sequence

from .citations import Citation, citation_label, spans_documents
from .grounding import asks_figure, keys, new_figures
from .language import EN, ID
from .llm import LLM
from .prompt import REFUSAL
from .retriever import Hit
from .support import MIN_ANSWERS, best_answering

QUOTE_INTRO = {ID: "Bagian dokumen yang paling relevan:", EN: "The most relevant passage says:"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“A-Z0-9])")


def quote_passage(question: str, hit: Hit, lang: str, multi_doc: bool) -> tuple[str, Citation]:
    """The sentence of `hit` that shares most with the question, quoted and cited. For a question
    asking for a figure, a sentence that gives one the question does not come first: the sentence
    that repeats the question's words often only introduces the figure the next one gives."""
    q = keys(question)
    sentences = [x.strip() for x in _SENTENCE_END.split(hit.text) if x.strip()] or [hit.text.strip()]
    figure = asks_figure(question)
    best = max(sentences, key=lambda x: (figure and new_figures(x, question), len(keys(x) & q)))
    return f"{QUOTE_INTRO[lang]} “{best}” {citation_label(hit, multi_doc)}", Citation(hit.doc, hit.paragraph)


def ranked_given(passages: Sequence[Hit], ranked: Sequence[Hit]) -> list[Hit]:
    """The given passages in retrieval order (all of them in their own order if none was ranked)."""
    given = {h.key: h for h in passages}
    return [given[h.key] for h in ranked if h.key in given] or list(passages)


def quote_best(question: str, passages: Sequence[Hit], ranked: Sequence[Hit],
               lang: str) -> tuple[str, Citation] | None:
    """A quote of the top-ranked passage given to the model (`quote_passage`).

    Used when the model twice stated nothing beyond the question (an echo, a bare citation):
    the user then sees the source's own words instead of an empty answer."""
    top = ranked_given(passages, ranked)
    return quote_passage(question, top[0], lang, spans_documents(passages)) if top else None


QUOTE_CANDIDATES = 4


def quote_answering(llm: LLM, question: str, passages: Sequence[Hit], ranked: Sequence[Hit],
                    lang: str) -> tuple[str, Citation] | None:
    """After an answer was withdrawn or refused by the checks: a quote of the passage (of the
    top-ranked few) that the model, asked of each alone, clearly judges to answer the question;
    else None. The answer model picked the wrong relation; as a judge of one paragraph it is better
    (seed dev: it picked a gold paragraph for 12 of 13 questions, the retrieval rank for 10).
    Also used for a middling answer, with `ranked` its cited passages (`agreement.quote_middling`)."""
    found = best_answering(llm, question, ranked_given(passages, ranked)[:QUOTE_CANDIDATES])
    if found is None or found[1] < MIN_ANSWERS:
        return None
    return quote_passage(question, found[0], lang, spans_documents(passages))


def quote_or_refusal(llm: LLM, question: str, passages: Sequence[Hit], ranked: Sequence[Hit],
                     lang: str) -> tuple[str, tuple[Citation, ...], bool]:
    """(text, citations, quoted): `quote_answering`'s quote if there is one, else the refusal."""
    quote = quote_answering(llm, question, passages, ranked, lang)
    return (quote[0], (quote[1],), True) if quote else (REFUSAL[lang], (), False)
