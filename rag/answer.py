"""Passages -> prompt -> LLM (streaming) -> verified Answer.

What the user sees never contains an invalid citation: citations are checked as they stream
(a bracket is held back until it closes), and the final text is parsed once more.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Iterator, Sequence, Union

from .citations import Citation, ParsedAnswer, content_words, parse_citations
from .language import EN, ID
from .llm import LLM
from .prompt import NO_ANSWER, REFUSAL, build_prompt
from .retriever import Hit

_REFUSAL_PATTERNS = re.compile(
    r"no[_ ]answer|tidak (ada|disebutkan|dijelaskan|terdapat|ditemukan|memuat|menyebutkan)|tidak diketahui"
    r"|does not (say|mention|contain|specify|provide|state)|do not (say|mention|contain|specify|provide|state)"
    r"|not (mentioned|provided|specified|stated|found|available)|no information|cannot be (found|determined)",
    re.I)
_OPENERS = "[【("


@dataclass
class Answer:
    """A finished answer, as the CLI, UI, eval and bench use it."""

    question: str
    text: str  # what the user sees
    citations: tuple[Citation, ...] = ()
    passages: tuple[Hit, ...] = ()  # what the model was given
    retrieved: tuple[Hit, ...] = ()  # what retrieval returned (before budget trimming)
    refused: bool = False
    verified: bool = True  # False: not a refusal, yet no valid citation could be kept
    lang: str = EN
    raw: str = ""  # the model's own text of the final attempt
    dropped: tuple[str, ...] = ()  # invalid citations removed from the model's text
    retried: bool = False
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "question": self.question, "answer": self.text, "refused": self.refused,
            "verified": self.verified, "lang": self.lang, "retried": self.retried,
            "citations": [[c.doc, c.paragraph] for c in self.citations],
            "passages": [{"doc": h.doc, "paragraph": h.paragraph, "text": h.text, "score": h.score,
                          "dense": h.dense, "lexical": h.lexical} for h in self.passages],
            "retrieved": [[h.doc, h.paragraph] for h in self.retrieved],
            "dropped_citations": list(self.dropped), "timings": self.timings,
        }


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Reset:
    """The text streamed so far is withdrawn (a stricter retry follows)."""

    reason: str


Event = Union[Token, Reset, Answer]


class CitationFilter:
    """Streams text while holding back unfinished citations and a possible NO_ANSWER sentinel."""

    def __init__(self, passages: Sequence[Hit]):
        self.passages = passages
        self.buffer = ""
        self.started = False

    def feed(self, piece: str) -> str:
        self.buffer += piece
        if not self.started:
            head = self.buffer.lstrip()
            if not head or NO_ANSWER.startswith(head[: len(NO_ANSWER)].upper()) or head.upper().startswith(NO_ANSWER):
                return ""  # might be (or is) the refusal sentinel
            self.started = True
        cut = max(self.buffer.rfind(c) for c in _OPENERS)
        closed = cut >= 0 and any(c in self.buffer[cut:] for c in "]】)")
        if cut >= 0 and not closed and len(self.buffer) - cut < 90:
            ready, self.buffer = self.buffer[:cut], self.buffer[cut:]
        else:
            ready, self.buffer = self.buffer, ""
        return self._clean(ready)

    def _clean(self, text: str) -> str:
        if not text.strip():
            return text
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()):]
        return lead + parse_citations(text, self.passages).text + trail

    def flush(self) -> str:
        rest, self.buffer = self.buffer, ""
        return self._clean(rest) if self.started else ""


def is_refusal(raw: str, parsed: ParsedAnswer) -> bool:
    """The model declined: the sentinel, or a 'not in the text' sentence with no valid citation."""
    text = raw.strip()
    if text.upper().startswith(NO_ANSWER) or text.upper().replace(" ", "_").startswith(NO_ANSWER):
        return True
    return not parsed.citations and bool(_REFUSAL_PATTERNS.search(text))


def has_substance(parsed: ParsedAnswer) -> bool:
    """More than a bare citation: the answer states something."""
    return len(content_words(parsed.text)) >= 1


def generate(llm: LLM, question: str, passages: Sequence[Hit], lang: str, max_tokens: int,
             history: Sequence[str] = (), retrieved: Sequence[Hit] = (), fixed_passages: bool = False) -> Iterator[Event]:
    """Stream events for one answer: Token pieces, maybe a Reset before a stricter retry, then the Answer."""
    start = time.perf_counter()
    answer_lang = lang if lang in (ID, EN) else EN
    timings: dict = {}
    for attempt in (0, 1):
        prompt = build_prompt(question, passages, answer_lang, llm.count, llm.n_ctx, max_tokens,
                              history, strict=attempt == 1, fixed_passages=fixed_passages)
        if not prompt.passages:
            return_answer = Answer(question, REFUSAL[answer_lang], refused=True, lang=answer_lang,
                                   retrieved=tuple(retrieved), timings={"total_s": time.perf_counter() - start})
            yield return_answer
            return
        filt = CitationFilter(prompt.passages)
        raw = ""
        first_token_at = None
        for piece in llm.stream(prompt.text, max_tokens, prompt.cache_prefix):
            raw += piece
            shown = filt.feed(piece)
            if shown:
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                yield Token(shown)
        tail = filt.flush()
        if tail:
            if first_token_at is None:
                first_token_at = time.perf_counter()
            yield Token(tail)
        parsed = parse_citations(raw, prompt.passages)
        usage = getattr(llm, "usage", None)
        timings[f"attempt{attempt}"] = {
            "prompt_tokens": prompt.n_tokens,
            "evaluated_tokens": getattr(usage, "evaluated_tokens", None),
            "completion_tokens": getattr(usage, "completion_tokens", None),
            "llm_ttft_s": getattr(usage, "ttft_s", None), "llm_total_s": getattr(usage, "total_s", None),
        }
        if "ttft_s" not in timings:
            timings["ttft_s"] = (first_token_at or time.perf_counter()) - start
        refused = is_refusal(raw, parsed)
        ok = refused or (parsed.citations and has_substance(parsed))
        if ok or attempt == 1:
            break
        yield Reset("no valid citation; asking again with a stricter prompt")
    timings["total_s"] = time.perf_counter() - start
    if refused:
        text, citations = REFUSAL[answer_lang], ()
    else:
        text, citations = parsed.text, parsed.citations
    yield Answer(
        question=question, text=text, citations=citations, passages=prompt.passages,
        retrieved=tuple(retrieved), refused=refused, verified=bool(refused or citations),
        lang=answer_lang, raw=raw, dropped=parsed.invalid, retried=attempt == 1, timings=timings,
    )
