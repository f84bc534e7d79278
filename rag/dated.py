"""A "when" question left unanswered: the passage whose clause closest to the question names a time.

The small model declines some "when" questions whose answer is one clause away from the
question's own words: "Kapan terakhir kali Putin dan Xi bertemu tatap muka ...?" over "...
pada pertemuan tatap muka terakhir mereka pada bulan September" got "Tidak ada jawaban" in 8
of the fresh seed sets, with that paragraph ranked first, and pointing the clause out did not
help (docs/measurements.md, nineteenth session). After the model and the judge found nothing
(`quotes.quote_or_refusal`), the passage holding the clause closest to the question
(`closest_clause`: by the words it shares besides names) is quoted when that clause names a
time the question does not (a month, day, season or year) and the passage writes every name the
question asks about ("Kapan Xi akan mengunjungi Washington?" is not answered by "Dia mengunjungi
Xi di Beijing pada awal Februari").
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from .answer_type import WHERE_Q
from .closed_words import TIMES, named_members
from .figures import DATE_Q
from .language import EN, near_spelling, tokenize, words
from .places import asks_city, stated_places
from . import prompt
from .retriever import Hit

WHEN_Q = re.compile(r"^\W*(?:kapan(?:kah)?|when|(?:pada|di)\s+(?:bulan|tahun|hari|musim)\s+(?:apa|mana)"
                    r"|in\s+(?:which|what)\s+(?:month|year|season))\b", re.I)
_YEAR = re.compile(r"(?<![\d.,])(?:1[89]|20)\d\d(?![\d.,]\d)")


def times(text: str) -> set[object]:
    """The days, months and seasons `text` names (`closed_words` members: "Februari" and
    "February" are one), and its years."""
    return {mb for wc in TIMES for mb in named_members(text, wc)} | set(_YEAR.findall(text))


_NAME = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]+")  # "Rusia-Ukraina" is one name: the passage must write it so


def names_asked(question: str) -> list[str]:
    """The capitalised words of `question` after its first word (names, mostly)."""
    return [re.sub(r"['’]s$", "", m.group(0)) for m in _NAME.finditer(question)
            if question[:m.start()].strip()]


def writes_names(text: str, names: Sequence[str]) -> bool:
    """Every one of `names` is a word of `text`, or the other language's spelling of one
    (`language.near_spelling`: "Russia" / "Rusia", "Tehran" / "Teheran")."""
    written = set(words(text))
    return all(n.lower() in written or near_spelling(n.lower(), written) for n in names)


# "... sebelum konferensi video ini?": the time the asked event is placed against, not the event
_REFERENCE = re.compile(r"(?<=\w)\s+(?:sebelum|sesudah|setelah|sejak|before|after|since)\s.*$", re.I | re.S)


def closest_clause(question: str, candidates: Sequence[Hit], lang: str) -> tuple[Hit, str] | None:
    """`prompt.closest_clause` by the question's words besides its names (names alone match any
    clause about them) and before its reference point (`_REFERENCE`)."""
    named = {t for n in names_asked(question) for t in tokenize(n, lang)}
    return prompt.closest_clause(question, candidates, lang,
                                 words=set(tokenize(_REFERENCE.sub("", question), lang)) - named)


def dated_passage(question: str, candidates: Sequence[Hit], lang: str) -> Hit | None:
    """For a "when" question (not "Tanggal berapa ...?", which asks for a day of the month): the
    candidate holding the clause closest to the question, when that clause names a time the
    question does not and the candidate writes the question's names; else None."""
    if not WHEN_Q.search(question) or DATE_Q.search(question):
        return None
    found = closest_clause(question, candidates, lang)
    if found is None:
        return None
    hit, clause = found
    if not times(clause) - times(question) or not writes_names(hit.text, names_asked(question)):
        return None
    return hit


def placed_passage(question: str, candidates: Sequence[Hit], lang: str) -> Hit | None:
    """For a "where" question: the candidate holding the clause closest to the question, when that
    clause states a place the question does not ("di Rusia", "in Russia") and the candidate writes
    the question's names; else None. An English question reads the candidates' English copy.

    "Where is Xi expected to meet Putin next?" was answered "in the musim semi [13]" (seed_extra40
    am17, 46 as13), and the judge gave "Xi diperkirakan akan bertemu Putin di Rusia pada musim
    semi ..." 0.826, under its bar."""
    if not WHERE_Q.search(question):
        return None
    readable = [replace(h, text=h.gloss) if lang == EN and h.gloss else h for h in candidates]
    found = closest_clause(question, readable, lang)
    if found is None:
        return None
    read, clause = found
    asked = question.lower()
    if not any(place.lower() not in asked for place in stated_places(clause)):
        return None
    if not writes_names(read.text, names_asked(question)):
        return None
    return candidates[readable.index(read)]


def wrong_place(question: str, answer: str, cited: Sequence[Hit], lang: str) -> bool:
    """A place question ("Where ...?", "Ke kota mana ...?") answered with a place its cited paragraph
    states in another clause than the one closest to the question, which states a place of its own.

    "Which city hosted the trilateral summit Putin attended with Turkey and Iran?" was answered
    "Beijing [17]" (seed_extra21 e14; 20 d16, 27 l09, 35 ah11 alike): ¶17 goes "... untuk
    pertemuan puncak trilateral dengan Turki dan Iran di Teheran — sejak perang dimulai pada
    Februari, tetapi mengirim ... Medvedev ke Beijing ...". The clause is chosen by all the
    question's words, names too: they tell one clause of the paragraph from another."""
    if not (WHERE_Q.search(question) or asks_city(question)):
        return False
    asked, said = question.lower(), answer.lower()
    for hit in cited:
        found = prompt.closest_clause(question, [hit], lang)
        if found is None:
            continue
        near = {p.lower() for p in stated_places(found[1]) if p.lower() not in asked}
        elsewhere = {p.lower() for p in stated_places(hit.text)} - near
        if near and not any(p in said for p in near) and any(p in said and p not in asked for p in elsewhere):
            return True
    return False
