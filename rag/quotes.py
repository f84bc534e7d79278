"""Quotes of a passage, shown instead of an answer the model could not state from the documents."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from .citations import Citation, citation_label, spans_documents
from .asked_role import names_asked_post
from .answer_type import someone_named, wrong_answer_type
from .dated import dated_passage, placed_passage
from .figures import asks_figure, counted_thing, counts, new_figures
from .grounding import CITATION_LABEL, keys
from .language import EN, ID, STOPWORDS, indonesian_word, words, written_in_other_language
from .llm import LLM
from .prompt import REFUSAL
from .retriever import Hit
from .support import MIN_ANSWERS, MIN_ANSWERS_GLOSSED, best_answering

QUOTE_INTRO = {ID: "Bagian dokumen yang paling relevan:", EN: "The most relevant passage says:"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“A-Z0-9])")


# a sentence opening with one of these names its subject only in the sentence before it
_PRONOUN_START = re.compile(r"^(?:dia|ia|mereka|beliau|he|she|they)\b", re.I)


def split_sentences(text: str) -> list[str]:
    """`text`'s sentences (a break before a capital, digit or quote), or `text` whole."""
    return [x.strip() for x in _SENTENCE_END.split(text) if x.strip()] or [text.strip()]


# A paragraph up to this long is quoted whole (FacQA paragraphs: median 278 characters, 90% under
# 410; the seed article's at most 381). Picked by shared words, one sentence was the wrong one when
# the question is in the other language or asks about the paragraph's "but" ("Namun ..."):
# nine seed sets, 37 quoted answers to answerable questions, 35 right, 37 when whole.
WHOLE_QUOTE_CHARS = 600


def quote_passage(question: str, hit: Hit, lang: str, multi_doc: bool,
                  before: Hit | None = None) -> tuple[str, tuple[Citation, ...]]:
    """`hit` quoted and cited: whole when it is short (`WHOLE_QUOTE_CHARS`), else the sentence that
    shares most with the question. For a question asking for a figure, a sentence that gives one
    the question does not come first: the sentence that repeats the question's words often only
    introduces the figure the next one gives.

    A quote opening with a pronoun ("Dia mengunjungi Xi ...") comes after the sentence before it,
    which names who that is: the one before it in `hit`, or the last of `before` (the paragraph
    before `hit`, when it was given too; then cited as well)."""
    q = keys(question)
    sentences = split_sentences(hit.text)
    if len(hit.text) <= WHOLE_QUOTE_CHARS:
        sentences = [" ".join(sentences)]
    figure = asks_figure(question)
    best = max(sentences, key=lambda x: (figure and new_figures(x, question), len(keys(x) & q)))
    label, cited = citation_label(hit, multi_doc), (Citation(hit.doc, hit.paragraph),)
    if _PRONOUN_START.match(best):
        at = sentences.index(best)
        if at > 0:
            best = f"{sentences[at - 1]} {best}"
        elif before is not None:
            earlier = split_sentences(before.text)[-1]
            return (f"{QUOTE_INTRO[lang]} “{earlier}” {citation_label(before, multi_doc)} “{best}” {label}",
                    (Citation(before.doc, before.paragraph), *cited))
    return f"{QUOTE_INTRO[lang]} “{best}” {label}", cited


def _before(hit: Hit, passages: Sequence[Hit]) -> Hit | None:
    """The paragraph before `hit` in its document, if it is among `passages`."""
    return next((h for h in passages if h.doc == hit.doc and h.paragraph == hit.paragraph - 1), None)


def ranked_given(passages: Sequence[Hit], ranked: Sequence[Hit]) -> list[Hit]:
    """The given passages in retrieval order (all of them in their own order if none was ranked)."""
    given = {h.key: h for h in passages}
    return [given[h.key] for h in ranked if h.key in given] or list(passages)


def quote_best(question: str, passages: Sequence[Hit], ranked: Sequence[Hit],
               lang: str) -> tuple[str, tuple[Citation, ...]] | None:
    """A quote of the top-ranked passage given to the model (`quote_passage`).

    Used when the model twice stated nothing beyond the question (an echo, a bare citation):
    the user then sees the source's own words instead of an empty answer. None when that passage
    lacks the post or turn the question asks about (`asked_role.names_asked_post`): "Who was
    China's ambassador to the US before Qin Gang?", echoed, had the paragraph about his promotion
    quoted (seed_roles_counts y06)."""
    top = ranked_given(passages, ranked)
    if not top or not names_asked_post(question, top[0].text):
        return None
    return quote_given(question, top[0], passages, lang)


QUOTE_CANDIDATES = 4


def with_copies(hits: Sequence[Hit], ranked: Sequence[Hit]) -> list[Hit]:
    """`hits` with the English copy (`Hit.gloss`) that retrieval gave each in `ranked`, if any."""
    glosses = {h.key: h.gloss for h in ranked if h.gloss}
    return [replace(h, gloss=glosses.get(h.key, h.gloss)) for h in hits]


def quote_answering(llm: LLM, question: str, passages: Sequence[Hit], ranked: Sequence[Hit],
                    lang: str) -> tuple[str, tuple[Citation, ...]] | None:
    """After an answer was withdrawn or refused by the checks: a quote of the passage (of the
    top-ranked few) that the model, asked of each alone, clearly judges to answer the question;
    else None. The answer model picked the wrong relation; as a judge of one paragraph it is better
    (seed dev: it picked a gold paragraph for 12 of 13 questions, the retrieval rank for 10).
    Also used for a middling answer, with `ranked` its cited passages (`agreement.quote_middling`).
    A paragraph without the kind of answer asked for (a figure for "Berapa ...", a day of the
    month for "Tanggal berapa ...", `answer_type.wrong_answer_type`) is not judged: "pada musim
    semi" does not answer a date. None of the 155 quotes recorded in the dev and FacQA runs
    cited such a paragraph. Nor is one that does not name the post the question asks about
    (`asked_role.names_asked_post`): the check that refused an answer for citing such a paragraph
    must not let a quote of one through (seed_extra15 w25, "Siapa juru bicara Kremlin ...?":
    refused, then ¶2 quoted, which names no spokesperson)."""
    texts = [p.text for p in passages]
    candidates = with_copies([h for h in ranked_given(passages, ranked)[:QUOTE_CANDIDATES]
                              if not wrong_answer_type(question, h.text, texts) and names_asked_post(question, h.text)],
                             ranked)
    if not candidates:
        return None
    found = best_answering(llm, question, candidates)
    if found is None or found[1] < (MIN_ANSWERS_GLOSSED if found[0].gloss else MIN_ANSWERS):
        return None
    return quote_given(question, found[0], passages, lang)


def quote_or_refusal(llm: LLM, question: str, passages: Sequence[Hit], ranked: Sequence[Hit],
                     lang: str, withdrawn: tuple[str, Sequence[Hit]] | None = None
                     ) -> tuple[str, tuple[Citation, ...], bool]:
    """(text, citations, quoted): `quote_answering`'s quote if there is one, else for a question
    about someone named `quote_naming`'s, else for a "when" question `quote_dated`'s, for a "where"
    question `quote_placed`'s, for a "Berapa <thing>" question `quote_counted`'s, else for a
    withdrawn answer (`withdrawn`: its text and cited passages) `quote_lifted`'s, else the refusal."""
    quote = (quote_answering(llm, question, passages, ranked, lang) or quote_naming(question, passages, ranked, lang)
             or quote_dated(question, passages, ranked, lang) or quote_placed(question, passages, ranked, lang)
             or quote_counted(question, passages, ranked, lang)
             or (withdrawn and quote_lifted(question, *withdrawn, passages, ranked, lang)))
    return (quote[0], quote[1], True) if quote else (REFUSAL[lang], (), False)


MIN_LIFTED = 2  # source-language words an answer must have copied from its paragraph


def lifted_words(answer: str, hit: Hit, question: str, lang: str) -> list[str]:
    """The Indonesian words of an answer in English (`lang`) that it copied from `hit`, an
    Indonesian paragraph, and the question does not use: words the model lifted because it could
    not translate them ("duta besar", "sanksi and gangguan"). Not a word the paragraph's English
    copy (`Hit.gloss`) uses too ("diplomat", "trilateral")."""
    if lang != EN or written_in_other_language(answer, lang) or not written_in_other_language(hit.text, lang):
        return []  # (an answer written in Indonesian is not English with lifted words)
    source, asked = set(words(hit.text)), set(words(question)) | set(words(hit.gloss or ""))
    return list(dict.fromkeys(w for w in words(CITATION_LABEL.sub(" ", answer))
                              if len(w) > 3 and w in source and w not in asked and w not in STOPWORDS
                              and indonesian_word(w)))


def quote_lifted(question: str, answer: str, cited: Sequence[Hit], passages: Sequence[Hit],
                 ranked: Sequence[Hit], lang: str) -> tuple[str, tuple[Citation, ...]] | None:
    """A quote of the one paragraph a withdrawn English answer cites when the answer copied at
    least `MIN_LIFTED` of its Indonesian words (`lifted_words`), else None. The second reading
    scores such mixed answers low ("According to Xi, sanksi and gangguan will fail [12]", 0.68),
    and the judge, reading the paragraph beside its copy, did not find the answer in it either;
    the words the model lifted show where it read the answer."""
    if len({h.key for h in cited}) != 1:
        return None
    if len(lifted_words(answer, with_copies(cited[:1], ranked)[0], question, lang)) < MIN_LIFTED:
        return None
    return quote_given(question, cited[0], passages, lang)


def quote_placed(question: str, passages: Sequence[Hit], ranked: Sequence[Hit],
                 lang: str) -> tuple[str, tuple[Citation, ...]] | None:
    """A quote of `dated.placed_passage`'s passage among the top-ranked few, or None."""
    hit = placed_passage(question, with_copies(ranked_given(passages, ranked)[:QUOTE_CANDIDATES], ranked), lang)
    return None if hit is None else quote_given(question, hit, passages, lang)


def quote_dated(question: str, passages: Sequence[Hit], ranked: Sequence[Hit],
                lang: str) -> tuple[str, tuple[Citation, ...]] | None:
    """A quote of `dated.dated_passage`'s passage among the top-ranked few, or None."""
    hit = dated_passage(question, ranked_given(passages, ranked)[:QUOTE_CANDIDATES], lang)
    return None if hit is None else quote_given(question, hit, passages, lang)


def quote_counted(question: str, passages: Sequence[Hit], ranked: Sequence[Hit],
                  lang: str) -> tuple[str, tuple[Citation, ...]] | None:
    """A quote of the top-ranked of the first few passages that writes a number before the thing a
    "Berapa <thing> ...?" question counts, or None. "Berapa provinsi garis depan yang disebut dalam
    artikel?" was answered "Tiga provinsi ... Dnipropetrovsk, Kharkiv, dan Luhansk" from "bagian
    empat provinsi garis depan" (seed_extra5 h09, 40 am06): withdrawn, and then refused. No
    unanswerable seed-set question, nor any FacQA test or valid one refused, has such a passage."""
    thing = counted_thing(question)
    hit = next((h for h in ranked_given(passages, ranked)[:QUOTE_CANDIDATES] if counts(h.text, thing)), None)
    return None if hit is None else quote_given(question, hit, passages, lang)


def passage_naming(question: str, passages: Sequence[Hit], ranked: Sequence[Hit]) -> Hit | None:
    """For a question about someone it names ("Who is Qin Gang?", `answer_type.someone_named`):
    the top-ranked passage that writes that name, else None."""
    name = someone_named(question, [h.text for h in passages])
    if not name:
        return None
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)", re.I)
    return next((h for h in ranked_given(passages, ranked) if pattern.search(h.text)), None)


def quote_naming(question: str, passages: Sequence[Hit], ranked: Sequence[Hit],
                 lang: str) -> tuple[str, tuple[Citation, ...]] | None:
    """A quote of `passage_naming`'s passage, or None. What the documents say of a person is where
    they name them; the model, asked, adds what it knows ("... Minister of Foreign Affairs of the
    People's Republic of China on July 2, 2021"), and the judge may find no one paragraph enough
    to answer "who"."""
    hit = passage_naming(question, passages, ranked)
    return None if hit is None else quote_given(question, hit, passages, lang)


def quote_given(question: str, hit: Hit, passages: Sequence[Hit], lang: str) -> tuple[str, tuple[Citation, ...]]:
    """`quote_passage` of `hit`, one of `passages` (labelled by document when they span several)."""
    return quote_passage(question, hit, lang, spans_documents(passages), _before(hit, passages))
