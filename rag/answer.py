"""Passages -> prompt -> LLM (streaming) -> verified Answer.

What the user sees never contains an invalid citation: citations are checked as they stream
(a bracket is held back until it closes), and the final text is parsed once more."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterator, Sequence, Union

from .asked_role import CONTENT, TURN, invents_place, party_unnamed, post_unnamed
from .citation_completion import complete_citation
from .citations import Citation, ParsedAnswer, parse_citations
from .copied_phrases import copies_a_source
from .dated import names_asked, writes_names, wrong_place
from .language import EN, ID, detect_language, written_in_other_language
from .answer_type import fills_with_a_paragraph, wrong_answer_type
from .figures import asks_figure, counts_not_cited, invents_figure, source_number_form, specifics, stray_dates
from .grounding import repair_citations, split_end
from .llm import LLM
from .name_lists import mixes_a_list
from .name_runs import invented_name_runs
from .prompt import (LANG_NAME, NO_ANSWER, NO_SUBSTANCE_NOTE, REFUSAL, RENAMED_NOTE, STRICT_NOTE,
                     WRONG_LANGUAGE_NOTE, build_prompt)
from .retriever import Hit
from .quotes import passage_naming, quote_best, quote_given, quote_or_refusal
from .reply_shape import adds_nothing_cited, has_substance, is_refusal, leaks_instructions, repeated_from
from .support import MIN_YES, support
from .unstated import drop_invented_figures
from .verbatim import restore_source_forms

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
    reattributed: bool = False  # citations were moved to the paragraphs that support the text
    invented: tuple[str, ...] = ()  # names/numbers in the text that no passage holds (then verified is False)
    quoted: bool = False  # the text quotes a passage (the model stated nothing twice, or its answer was refused)
    support: float | None = None  # the second reading's P(the cited text says this)
    withdrawn: bool = False  # the support was below the minimum (or a name crossed documents): refused or quoted
    lookup: str = ""  # "overview": a document's opening paragraphs; "paragraph": one asked by number (not one fact)
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "question": self.question, "answer": self.text, "refused": self.refused,
            "verified": self.verified, "lang": self.lang, "retried": self.retried,
            "citations": [[c.doc, c.paragraph] for c in self.citations],
            "passages": [{"doc": h.doc, "paragraph": h.paragraph, "text": h.text, "score": h.score,
                          "dense": h.dense, "lexical": h.lexical} for h in self.passages],
            "retrieved": [[h.doc, h.paragraph] for h in self.retrieved],
            "dropped_citations": list(self.dropped), "reattributed": self.reattributed,
            "not_in_documents": list(self.invented), "quoted": self.quoted, "support": self.support,
            "withdrawn": self.withdrawn, "lookup": self.lookup,
            "model_text": self.raw, "timings": self.timings,
        }


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Reset:
    """The text streamed so far is withdrawn (a stricter retry follows)."""

    reason: str


Event = Union[Token, Reset, Answer]


def close_events(events: Iterator[Event]) -> None:
    """Close a wrapped event stream: a client that stops reading must not keep the LLM lock held."""
    close = getattr(events, "close", None)
    if close:
        close()


class CitationFilter:
    """Streams text while holding back unfinished citations and a possible NO_ANSWER sentinel."""

    def __init__(self, passages: Sequence[Hit]):
        self.passages = passages
        self.buffer = ""
        self.started = False
        self.shown = ""  # the model's text passed on so far: a bare [n] is resolved by what it follows

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
        before, self.shown = self.shown, self.shown + text
        return lead + parse_citations(text, self.passages, before).text + trail

    def flush(self) -> str:
        rest, self.buffer = self.buffer, ""
        return self._clean(rest) if self.started else ""


INVENTED = "invented"  # _check: the answer names facts no passage holds
WRONG_TYPE = "wrong type"  # _check: the answer lacks the kind of thing asked (a count, a time, someone)
UNCITED = "uncited"  # _check: the answer states something but cites no given paragraph
WRONG_LANGUAGE = "wrong language"  # _check: clearly written in the other language; asked once more
RENAMED = "renamed"  # _check: a name of several words that no passage writes (`name_runs`)


def in_context(question: str, history: Sequence[str]) -> str:
    """The question as the second reading sees it: a follow-up ("Who was the message for?") carries
    the earlier questions (dev follow-ups: right answers kept 0.83-0.85, a wrong one 0.64 -> 0.53)."""
    return f"{question} (earlier questions in this chat: {' | '.join(history)})" if history else question


def _check(raw: str, parsed: ParsedAnswer, question: str, passages: Sequence[Hit],
           asked: str = "", lang: str = "") -> tuple[str, tuple[str, ...]]:
    """(problem, invented specifics): problem is '' when the answer may be shown, INVENTED,
    WRONG_TYPE, UNCITED, WRONG_LANGUAGE (not in `lang`), RENAMED (the names are the second item),
    or NO_SUBSTANCE_NOTE (the note for a retry). `question` holds the recent history too; `asked`
    is the question of this turn alone."""
    if is_refusal(raw, parsed):
        return "", ()
    if not has_substance(parsed, question):
        return NO_SUBSTANCE_NOTE, ()  # an echo is asked again before its missing figure is judged
    texts, cited = [h.text for h in passages], cited_passages(passages, parsed.citations)
    if (wrong_answer_type(asked or question, parsed.text, texts) or fills_with_a_paragraph(parsed.text, texts)
            or wrong_place(asked or question, parsed.text, cited, lang)
            or mixes_a_list(asked or question, parsed.text, [h.text for h in cited])):
        return WRONG_TYPE, ()
    spec = specifics(parsed.text, passages, question)
    other = bool(lang) and written_in_other_language(parsed.text, lang)
    made_up_figure = any(c.isdigit() for item in spec.invented for c in item)
    if other and cited and not written_in_other_language(cited[0].text, lang) and not made_up_figure:
        # its capitalised words are translations ("Communist" for "Komunis"), not inventions: asked again in
        # the right language, else its paragraph is quoted (seed_extra26 j19 was shown "unverified: General,
        # Communist"). A made-up figure ("$100" for "Berapa harga per barel ...?", g25) is judged below.
        return WRONG_LANGUAGE, ()
    if spec.invented:
        return INVENTED, spec.invented
    if not parsed.citations:
        return UNCITED, ()
    if other:
        return WRONG_LANGUAGE, ()
    if lang and cited and detect_language(" ".join(h.text for h in cited)) == lang:  # a translation renames
        renamed = invented_name_runs(parsed.text, [h.text for h in passages], question)
        if renamed:
            return RENAMED, renamed
    return "", ()


def _without_made_up_figures(parsed: ParsedAnswer, invented: Sequence[str], question: str,
                             passages: Sequence[Hit], asked: str, lang: str) -> ParsedAnswer | None:
    """The answer without the days or years it made up (`unstated`), when it then passes `_check`."""
    text = drop_invented_figures(parsed.text, invented, asked)
    cut = parse_citations(text, passages) if text else None
    return cut if cut and not _check(text, cut, question, passages, asked, lang)[0] else None


def cited_passages(passages: Sequence[Hit], citations: Sequence[Citation]) -> list[Hit]:
    """The given passages that `citations` name, in the order they were given."""
    cited = {c.key for c in citations}
    return [h for h in passages if h.key in cited]


def _in_source_form(raw: str, passages: Sequence[Hit], question: str) -> tuple[str, ParsedAnswer]:
    """The answer parsed, with dates, glosses and counted words as its cited paragraphs give them.
    An echo of the question is left as it is: words put back must not make it look like an answer."""
    parsed = parse_citations(raw, passages)
    if not parsed.citations or not has_substance(parsed, question):
        return raw, parsed
    raw = restore_source_forms(raw, cited_passages(passages, parsed.citations), question)
    return raw, parse_citations(raw, passages)


def generate(llm: LLM, question: str, passages: Sequence[Hit], lang: str, max_tokens: int,
             history: Sequence[str] = (), retrieved: Sequence[Hit] = (), fixed_passages: bool = False,
             check: bool = True, min_support: float = MIN_YES, hint_texts: int = 0,
             pointed: bool = False) -> Iterator[Event]:
    """Stream events for one answer: Token pieces, maybe a Reset before a stricter retry, then the Answer.

    After each attempt the answer is checked. Names or numbers that no passage holds
    (`figures.specifics`) end it at once: when none of the answer's specifics is in the
    paragraphs it cites (an uncited one first names its paragraph, `complete_citation`) it
    becomes the refusal, else it is shown marked unverified with the invented words listed
    (measured: asked again, the model either repeats them or drops a right answer), or, when
    they are all a day or year it made up, without them (`unstated`). A count or clock time
    asked for and not given (`answer_type.wrong_answer_type`) is the refusal; with `check`, such
    a refusal is first replaced by a quote of a passage the model clearly judges to answer the
    question (`quotes.quote_answering`), as after a withdrawal below. No statement beyond the
    question triggers one stricter retry; an answer without a valid citation is first fed back to
    the model to name its paragraph (`complete_citation`), and retried only when it names none. A
    second answer with nothing in it becomes a quote of the top passage (`quote_best`).
    Citations of the final answer are then re-attributed (`grounding.repair_citations`; a
    sentence that joins the cited paragraph's name or figure to another document's words is
    withdrawn as below, `held_details`), and with `check` a second reading (`support.support`,
    of the question with its chat history) withdraws an answer its cited paragraphs do not
    state (at once when it adds no word of theirs, `adds_nothing_cited`); a passage the model
    clearly judges to answer the question is then quoted (`quote_answering`), else the reply is the
    refusal. The model's own refusal is judged the same way. `pointed`: the prompt names the
    passages' clause closest to the question (`pointed.py`)."""
    start = time.perf_counter()
    answer_lang = lang if lang in (ID, EN) else EN
    timings: dict = {}
    note: str | bool = False
    other_language = False
    context_q = " ".join([*history, question])
    named = passage_naming(question, passages, retrieved)
    if named is not None and detect_language(named.text) == answer_lang:
        # "Siapa Qin Gang?": what the documents say of a person, as they say it; the model adds what
        # it knows of them, or garbles a title ("menteri besar untuk AS")
        text, citations = quote_given(question, named, passages, answer_lang)
        took = time.perf_counter() - start
        yield Answer(question, text, citations, passages=tuple(passages), retrieved=tuple(retrieved), lang=answer_lang,
                     quoted=True, timings={"ttft_s": took, "total_s": took})
        return
    for attempt in (0, 1):
        prompt = build_prompt(question, passages, answer_lang, llm.count, llm.n_ctx, max_tokens,
                              history, strict=note, fixed_passages=fixed_passages,
                              hints=tuple(retrieved) if fixed_passages else (), hint_texts=hint_texts,
                              pointed=pointed)
        if not prompt.passages:
            yield Answer(question, REFUSAL[answer_lang], refused=True, lang=answer_lang,
                         retrieved=tuple(retrieved), timings={"total_s": time.perf_counter() - start})
            return
        filt = CitationFilter(prompt.passages)
        raw = ""
        first_token_at = None
        leaked = looped = False
        for piece in llm.stream(prompt.text, max_tokens, prompt.cache_prefix):
            raw += piece
            if leaks_instructions(raw):
                leaked = True
                break
            if "\n" in piece and (cut := repeated_from(raw)) >= 0:
                raw, looped = raw[:cut], True  # the rest would only repeat it, up to max_tokens
                break
            shown = filt.feed(piece)
            if shown:
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                yield Token(shown)
        tail = "" if leaked else filt.flush()
        if tail:
            if first_token_at is None:
                first_token_at = time.perf_counter()
            yield Token(tail)
        raw = source_number_form(raw, prompt.passages)  # shown in its final form below
        raw, parsed = _in_source_form(raw, prompt.passages, context_q)
        usage = getattr(llm, "usage", None)
        timings[f"attempt{attempt}"] = {
            "prompt_tokens": prompt.n_tokens,
            "evaluated_tokens": getattr(usage, "evaluated_tokens", None),
            "completion_tokens": getattr(usage, "completion_tokens", None),
            "llm_ttft_s": getattr(usage, "ttft_s", None), "llm_total_s": getattr(usage, "total_s", None),
        }
        if "ttft_s" not in timings:
            timings["ttft_s"] = (first_token_at or time.perf_counter()) - start
        if leaked:
            yield Reset("the answer repeated the instructions; it is withheld")
            refused, problem, invented = True, "", ()
            break
        problem, invented = _check(raw, parsed, context_q, prompt.passages, question, answer_lang)
        if looped and not parsed.citations:
            problem = NO_SUBSTANCE_NOTE  # it never got past its opening line: asked again
        if problem == UNCITED or (problem == INVENTED and not parsed.citations):
            # stated, not cited: let the model name its source (with invented words, the source it
            # names decides below whether the answer is shown unverified or refused)
            body, end = split_end(raw)
            t0 = time.perf_counter()
            label = complete_citation(llm, prompt.text, prompt.cache_prefix, body, prompt.passages)
            timings["citation_completion_s"] = time.perf_counter() - t0
            if label:
                raw = f"{body}{end} {label}"  # after the full stop the user already saw
                yield Token(" " + parse_citations(label, prompt.passages, body).text.strip())
                raw, parsed = _in_source_form(raw, prompt.passages, context_q)
                problem, invented = _check(raw, parsed, context_q, prompt.passages, question, answer_lang)
        refused = is_refusal(raw, parsed) or problem == WRONG_TYPE
        if problem == WRONG_LANGUAGE and attempt == 1:
            problem, other_language = "", True  # asked twice: a grounded answer in the other language beats none
        if not problem or problem in (INVENTED, WRONG_TYPE) or attempt == 1:
            break
        note = {UNCITED: STRICT_NOTE.format(n=prompt.passages[0].paragraph),
                WRONG_LANGUAGE: WRONG_LANGUAGE_NOTE.format(lang=LANG_NAME[answer_lang]),
                RENAMED: RENAMED_NOTE.format(names=", ".join(f'"{n}"' for n in invented))}.get(problem, problem)
        yield Reset("the answer did not pass the checks; asking again with a stricter prompt")
    if problem == RENAMED:  # asked again, it kept the name: shown unverified, that name listed, like any
        problem = INVENTED  # invented name (or refused when nothing it states is in what it cites)
    if problem == INVENTED:
        backing = cited_passages(prompt.passages, parsed.citations)  # uncited and inventing: refused
        if (not backing or not specifics(parsed.text, backing, context_q).supported
                or invents_figure(question, invented) or invents_place(question, parsed.text, invented)):
            refused = True  # nothing it states, or the figure or place asked for, comes from what it cites
        elif cut := _without_made_up_figures(parsed, invented, context_q, prompt.passages, question, answer_lang):
            parsed, problem, invented = cut, "", ()  # shown without the day or year it made up
    text, citations, changed, quoted = REFUSAL[answer_lang], (), False, False
    # the checks refused what it stated, or the model declined: a passage clearly judged to answer
    # is quoted below (FacQA valid: 2 of the model's 5 refusals; seed sets: none of 3)
    judge = refused and check and not leaked
    if judge:
        yield Reset("the model found no answer; looking for a paragraph that answers it" if is_refusal(raw, parsed)
                    else "the answer is not in the documents as stated; looking for a paragraph that answers it")
    if not refused and other_language:
        # ... but when the paragraph it cites is in the language asked, its own words are (FacQA
        # test-0027: an English answer to an Indonesian question, "penyu" become "fish")
        cited = cited_passages(prompt.passages, parsed.citations)
        if cited and not written_in_other_language(cited[0].text, answer_lang):
            quote = quote_best(question, prompt.passages, cited, answer_lang)
            if quote:
                text, citations, quoted = quote[0], quote[1], True
    if not refused and problem == NO_SUBSTANCE_NOTE:
        quote = quote_best(question, prompt.passages, retrieved or prompt.passages, answer_lang)
        if quote:
            text, citations, quoted = quote[0], quote[1], True
        else:  # the echo states nothing, and the top passage cannot answer: the refusal
            refused = True
    crossed: tuple[str, ...] = ()
    if not refused and not quoted:
        fixed = repair_citations(parsed, prompt.passages, context_q, attribute_uncited=True)
        text, citations, changed, crossed = fixed.text, fixed.citations, fixed.changed, fixed.crossed
        cited_hits = cited_passages(prompt.passages, citations)
        # what the paragraphs the model cited hold is not made up, wherever re-attribution put it
        read = [*cited_hits, *cited_passages(prompt.passages, parsed.citations)]
        stray = stray_dates(text, read, context_q)
        if stray and not problem and not asks_figure(question) and (cut := drop_invented_figures(text, stray, question)):
            text, changed = cut, True  # a year its paragraph does not give, from another document
        cited = [h.text for h in cited_hits]
        post = cited and post_unnamed(question, cited)
        if post or (cited and party_unnamed(question, cited)):
            what = post if post in (TURN, CONTENT) else "post" if post else "party"
            yield Reset(f"the cited paragraph does not name the {what} asked about; looking for a paragraph that answers it")
            refused, text, citations, changed, judge = True, REFUSAL[answer_lang], (), False, check
        elif asks_figure(question) and counts_not_cited(text, read, context_q):  # "4 civilians [8]"
            yield Reset("the count it gives is in no paragraph it cites; looking for a paragraph that answers it")
            refused, text, citations, changed, judge = True, REFUSAL[answer_lang], (), False, check
    score, withdrawn = None, False
    lifted: tuple[str, Sequence[Hit]] | None = None  # a withdrawn answer and what it cites
    if check and crossed and not refused:
        # one document's name on another's words: no paragraph states it (`held_details`)
        yield Reset(f"the paragraph that holds these words is another document's and does not give "
                    f"{', '.join(crossed)}; it is withdrawn")
        refused, text, citations, changed, judge, withdrawn = True, REFUSAL[answer_lang], (), False, True, True
    if check and not refused and not quoted:
        t0 = time.perf_counter()
        judged_q = in_context(question, history)
        judged = cited_passages(prompt.passages, citations)
        texts = [h.text for h in judged]  # a copy stands if its paragraph writes the names asked about
        # an answer saying nothing its paragraphs hold needs no reading to be withdrawn
        score = 0.0 if adds_nothing_cited(text, context_q, texts) else support(llm, judged_q, text, judged)
        timings["support_s"] = time.perf_counter() - t0
        withdrawn = (score is not None and score < min_support
                     and not (copies_a_source(text, texts) and writes_names(" ".join(texts), names_asked(question))))
        if withdrawn:
            yield Reset("a second reading found that the cited paragraphs do not say this; it is withdrawn")
            lifted = (text, judged)
            refused, text, citations, changed, judge = True, REFUSAL[answer_lang], (), False, True
    if judge:  # a passage the model clearly judges to answer the question is quoted instead
        t0 = time.perf_counter()
        text, citations, quoted = quote_or_refusal(llm, question, prompt.passages, retrieved, answer_lang, lifted)
        timings["quote_s"] = time.perf_counter() - t0
        refused = not quoted
    timings["total_s"] = time.perf_counter() - start
    # a quote cites its own source
    verified = refused or quoted or (bool(parsed.citations) and not problem and not crossed)
    yield Answer(
        question=question, text=text, citations=citations, passages=prompt.passages,
        retrieved=tuple(retrieved), refused=refused, verified=verified,
        lang=answer_lang, raw=raw, dropped=parsed.invalid, retried=attempt == 1, timings=timings,
        reattributed=changed, invented=() if refused or quoted else invented, quoted=quoted, support=score,
        withdrawn=withdrawn,
    )
