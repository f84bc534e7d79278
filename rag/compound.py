"""Two questions in one ("When did Putin visit Xi, and when did they last meet?", "When and where
did they meet?").

The small model answers one part of such a question and drops the other: on the seed dev sets,
all three questions joined by ", and <question word>" / ", dan <kata tanya>" were answered in
part (e22, g19, g20). Each part is therefore asked on its own, the earlier parts serving as its
chat history when it refers back to them (so "mereka" / "they" in the second part is
understood), and the answers are joined: one message, every sentence with its own citations.
A part the documents do not answer says so by name; when no part is answered the reply is the
plain refusal.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Iterator, Sequence

from .answer import Answer, Event, Reset, Token, close_events
from .citations import citation_label, spans_documents
from .copied_phrases import plain_words
from .language import EN, ID
from .prompt import REFUSAL
from .rewrite import looks_like_followup

# longer forms first: the pattern takes the first alternative that matches
_EN_ASK = r"how many|how much|how long|how far|in which|in what|who|whom|whose|what|when|where|which|why|how"
# "pada bulan apa", "di kota mana", "tanggal berapa": a noun of time or place asked with apa / mana / berapa
_ID_NOUN_ASK = r"(?:(?:pada|di|ke|dari|dalam) )?(?:tahun|bulan|tanggal|hari|kota|negara|pihak) (?:apa|mana|berapa)"
_ID_ASK = (rf"berapa banyak|berapa lama|sejak kapan|{_ID_NOUN_ASK}|dengan siapa|untuk apa"
           r"|(?:siapa|apa|kapan|di ?mana|ke ?mana|dari ?mana|mengapa|kenapa|bagaimana|berapa)(?:kah)?")
_ASK = rf"(?:{_EN_ASK}|{_ID_ASK})"
# "X, and who ..." / "X dan kapan ...": a coordinator followed by a question word starts a new question
_JOIN = re.compile(rf",?\s+(?:and|dan|serta)\s+(?={_ASK}\b)", re.I)
# "When and where did they meet?" / "Kapan dan di mana mereka bertemu?": two question words, one rest
_PAIR = re.compile(rf"^({_ASK})\s*,?\s+(?:and|dan|serta)\s+({_ASK})\s+(\S.*)$", re.I)
# "in which season", "what kind": the noun after such a word is what it asks for
_ASKS_A_NOUN = {"in which", "in what", "which", "what", "whose"}
_NOUN_ASKED = re.compile(r"(?!(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could|should|may|might)\b)"
                         r"([^\W\d_][\w'’-]*)\s+", re.I)
MIN_PART_WORDS = 3  # "..., and why?" is one question about the first part, not two
MAX_PARTS = 3
_PART_REFUSAL = {ID: "Tentang “{part}”: informasi itu tidak ada dalam dokumen.",
                 EN: "On “{part}”: the documents do not say."}


def split_question(question: str) -> list[str] | None:
    """The parts of a question that asks two or three things, each as a question; None for one."""
    pair = _PAIR.match(question.strip())
    if pair:
        first, second, rest = pair.groups()
        shared = first.lower() in _ASKS_A_NOUN or first.lower() in ("how many", "how much")
        noun = _NOUN_ASKED.match(rest) if second.lower() in _ASKS_A_NOUN and not shared else None
        if noun:  # "Where and in which season is ...": "season" is the second part's, not the first's
            # ("How many and which provinces ...": the first asks for it too)
            second, rest = f"{second} {noun.group(1)}", rest[noun.end():]
        return [f"{first[0].upper()}{first[1:]} {rest.rstrip('?').strip()}?",
                f"{second[0].upper()}{second[1:]} {rest.rstrip('?').strip()}?"]
    parts = [p.strip().rstrip("?").strip() for p in _JOIN.split(question.strip())]
    if not 2 <= len(parts) <= MAX_PARTS or any(len(p.split()) < MIN_PART_WORDS for p in parts):
        return None
    return [p[0].upper() + p[1:] + "?" for p in parts]


def _unique(items: Sequence, key: Callable) -> tuple:
    seen, out = set(), []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            out.append(item)
    return tuple(out)


def part_text(answer: Answer, part: str) -> str:
    """What a part contributes to the joined message: its answer, or a refusal naming it."""
    if not answer.refused:
        return answer.text
    return _PART_REFUSAL.get(answer.lang, _PART_REFUSAL[EN]).format(part=part.rstrip("?"))


def _same(a: Answer, b: Answer) -> bool:
    """Two answered parts saying the same thing (case, spacing and punctuation aside)."""
    return not b.refused and plain_words(a.text) == plain_words(b.text)


def _labelled(answer: Answer, part: str, multi_doc: bool) -> str:
    """`part_text`, its bare "[n]" labels written "[doc ¶n]" when the parts read passages of several
    documents (a part whose passages all came from one document was labelled "[n]")."""
    text = part_text(answer, part)
    if multi_doc and not spans_documents(answer.passages):
        for c in answer.citations:
            text = text.replace(f"[{c.paragraph}]", citation_label(c, True))
    return text


def join_answers(question: str, parts: Sequence[str], answers: Sequence[Answer]) -> Answer:
    """One Answer for the whole question: the parts' texts in order, their citations and passages."""
    first = answers[0]
    supports = [a.support for a in answers if a.support is not None]
    timings: dict = {"parts": [a.timings for a in answers], "n_parts": len(answers)}
    for a in answers:  # each step's seconds summed over the parts (retrieval_s, support_s, ...)
        for key, value in a.timings.items():
            if key.endswith("_s") and key not in ("ttft_s", "total_s") and isinstance(value, (int, float)):
                timings[key] = timings.get(key, 0.0) + value
    timings["ttft_s"] = first.timings.get("ttft_s", 0.0)
    if all(a.refused for a in answers):
        text = REFUSAL.get(first.lang, REFUSAL[EN])
    else:
        multi_doc = spans_documents([h for a in answers for h in a.passages])
        text = " ".join(_labelled(a, p, multi_doc) for a, p in zip(answers, parts))
    return Answer(
        question=question, text=text,
        citations=_unique([c for a in answers for c in a.citations], lambda c: c.key),
        passages=_unique([h for a in answers for h in a.passages], lambda h: h.key),
        retrieved=_unique([h for a in answers for h in a.retrieved], lambda h: h.key),
        refused=all(a.refused for a in answers), verified=all(a.verified for a in answers), lang=first.lang,
        raw="\n".join(a.raw for a in answers), dropped=tuple(d for a in answers for d in a.dropped),
        retried=any(a.retried for a in answers), reattributed=any(a.reattributed for a in answers),
        invented=tuple(w for a in answers for w in a.invented), quoted=any(a.quoted for a in answers),
        support=min(supports) if supports else None, withdrawn=any(a.withdrawn for a in answers),
        timings=timings,
    )


def ask_parts(question: str, parts: Sequence[str], history: Sequence[str],
              ask: Callable[[str, list[str]], Iterator[Event]]) -> Iterator[Event]:
    """Stream the answers to `parts` one after another as one message, then the joined Answer.

    `ask(part, history)` streams one part's events; a part's Reset withdraws only that part, so
    the finished parts are written out again after it."""
    done: list[Answer] = []
    shown = ""  # the finished parts' text, as the user sees it
    for i, part in enumerate(parts):
        answer, streamed = None, ""
        # the parts before it are its context only when it refers back ("mereka", "they", "itu"):
        # an unrelated part's words would pull retrieval and the prompt towards the first part
        stream = ask(part, [*history, *parts[:i]] if looks_like_followup(part) else list(history))
        try:
            for event in stream:
                if isinstance(event, Answer):
                    answer = event
                    continue
                yield event
                if isinstance(event, Reset):
                    streamed = ""
                    if shown:
                        yield Token(shown + " ")
                else:
                    streamed += event.text
        finally:
            close_events(stream)
        assert answer is not None
        if not answer.refused and any(_same(answer, a) for a in done):
            # "In February. [16] In February. [16]": one statement cannot answer two different
            # questions; the later part's is the earlier part's answer again (seed_extra23 g18)
            answer = replace(answer, text=REFUSAL.get(answer.lang, REFUSAL[EN]), citations=(), refused=True,
                             quoted=False, invented=())
        done.append(answer)
        text, gap = part_text(answer, part), (" " if i < len(parts) - 1 else "")
        shown = " ".join(part_text(a, p) for a, p in zip(done, parts))
        if not streamed.strip():  # a refused part streams nothing: its sentence is added
            yield Token(text + gap)
        elif streamed.strip() != text.strip():  # the checks changed this part: shown again as checked
            yield Reset("checked against the cited paragraphs")
            yield Token(shown + gap)
        elif gap:
            yield Token(gap)
    final = join_answers(question, parts, done)
    if final.refused:  # no part answered: one plain refusal instead of one per part
        yield Reset("the documents answer no part of the question")
        yield Token(final.text)
    yield final
