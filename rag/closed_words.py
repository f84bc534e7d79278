"""Closed word classes (days, months, seasons, compass points) in the member the source gives.

The small model reads Indonesian unreliably and swaps members of these small sets when it
answers in English ("musim semi" -> "summer", "Ukraina tenggara" -> "eastern Ukraine",
"Jumat" -> "Sunday"). A class is a closed set with one fixed translation per member, so when
an answer names a member its cited paragraphs never mention, and those paragraphs mention
exactly one member of that class, the answer gets that member instead.

It translates them badly too ("on July 25" for "pada hari Jumat"), so a text to be translated can
have its days, months, seasons and ordinals glossed in English first (`source_glosses`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence


@dataclass(frozen=True)
class Member:
    indonesian: tuple[str, ...]  # first is the form written into an Indonesian answer
    english: tuple[str, ...]  # (noun form, adjective form); the adjective may repeat the noun


@dataclass(frozen=True)
class WordClass:
    members: tuple[Member, ...]
    case_sensitive: bool  # days and months are capitalised ("minggu" is also "week", "may" a verb);
    # a capitalised compass point is part of a name ("Jawa Barat", "East Nusa Tenggara"): left alone


def _m(indonesian: str, english: str) -> Member:
    return Member(tuple(indonesian.split("|")), tuple(english.split("|")))


DAYS = WordClass((_m("Senin", "Monday"), _m("Selasa", "Tuesday"), _m("Rabu", "Wednesday"), _m("Kamis", "Thursday"),
                  _m("Jumat|Jum'at", "Friday"), _m("Sabtu", "Saturday"), _m("Minggu|Ahad", "Sunday")), True)
MONTHS = WordClass((_m("Januari", "January"), _m("Februari|Pebruari", "February"), _m("Maret", "March"),
                    _m("April", "April"), _m("Mei", "May"), _m("Juni", "June"), _m("Juli", "July"),
                    _m("Agustus", "August"), _m("September", "September"), _m("Oktober", "October"),
                    _m("November|Nopember", "November"), _m("Desember", "December")), True)
# "fall" is left out of the English forms: in an answer it is far more often the verb
SEASONS = WordClass((_m("musim semi", "spring"), _m("musim panas", "summer"), _m("musim gugur", "autumn"),
                     _m("musim dingin", "winter"), _m("musim hujan", "rainy season"),
                     _m("musim kemarau", "dry season")), False)
CLASSES = (
    DAYS, MONTHS, SEASONS,
    WordClass((_m("timur laut", "northeast|northeastern"), _m("barat laut", "northwest|northwestern"),
               _m("tenggara", "southeast|southeastern"), _m("barat daya", "southwest|southwestern"),
               _m("utara", "north|northern"), _m("selatan", "south|southern"), _m("timur", "east|eastern"),
               _m("barat", "west|western")), True),
)


def _key(form: str) -> str:
    return re.sub(r"[\s-]", "", form.lower())


@lru_cache(maxsize=None)
def _index(wc: WordClass, english: bool) -> tuple[re.Pattern, dict[str, Member]]:
    """A pattern for every form of `wc` in one language (longest first, so "timur laut" is not
    "timur"; "south east", "south-east" and "southeast" alike), and the member of each form."""
    owner = {_key(f): mb for mb in wc.members for f in (mb.english if english else mb.indonesian)}
    forms = sorted({f for mb in wc.members for f in (mb.english if english else mb.indonesian)}, key=len, reverse=True)
    spelled = (re.sub(r"^(north|south)(?=east|west)", r"\1[\\s-]?", re.escape(f).replace(r"\ ", r"[\s-]?"))
               for f in forms)
    pattern = re.compile(rf"(?<![\w-])(?:{'|'.join(spelled)})(?![\w-])", 0 if wc.case_sensitive else re.I)
    return pattern, owner


def _members_in(text: str, wc: WordClass, english: bool) -> list[tuple[re.Match, Member]]:
    """The members of `wc` that `text` names in one language, with where it names them."""
    pattern, owner = _index(wc, english)
    return [(m, owner[_key(m.group(0))]) for m in pattern.finditer(text)]


def named_members(text: str, wc: WordClass) -> set[Member]:
    """The members of `wc` that `text` names in either language."""
    return {mb for english in (True, False) for _, mb in _members_in(text, wc, english)}


def named_in(word: str, source: str) -> bool:
    """`word` is a day, month, season or compass point that `source` names in either language
    ("Friday" in a paragraph that says "Jumat")."""
    for wc in CLASSES:
        for english in (True, False):
            # English capitalises a compass point as a political name ("Western sanctions", "the West")
            for form in {word, word.lower()} if english else {word}:
                said = [mb for m, mb in _members_in(form, wc, english) if m.group(0) == form]
                if said and said[0] in named_members(source, wc):
                    return True
    return False


def _written(member: Member, said: str, english: bool) -> str:
    """`member` in the language and shape (noun or adjective, capital or not) of the word `said`."""
    if english:
        adjective = said.lower().endswith("ern") and len(member.english) > 1
        word = member.english[-1] if adjective else member.english[0]
    else:
        word = member.indonesian[0]
    return word[:1].upper() + word[1:] if said[:1].isupper() else word


def source_closed_words(text: str, source: str, question: str, english: bool) -> str:
    """`text` with each day, month, season or compass point its source never names replaced by
    the one member of that class the source does name; left alone when the source names none
    or several, or when the question itself uses the word."""
    for wc in CLASSES:
        in_source = named_members(source, wc)
        asked = {mb for _, mb in _members_in(question, wc, english)}
        if len(in_source) != 1:
            continue
        (given,) = in_source
        for m, said in reversed(_members_in(text, wc, english)):  # from the end: offsets stay valid
            if said in in_source or said in asked:
                continue
            text = f"{text[:m.start()]}{_written(given, m.group(0), english)}{text[m.end():]}"
    return text


TIMES = (DAYS, MONTHS, SEASONS)


def time_glosses(text: str) -> list[tuple[str, str]]:
    """(as written, English) for each day, month and season Indonesian `text` names whose English
    name differs ("Jumat", "Friday")."""
    found = [(m.group(0), member.english[0]) for wc in TIMES for m, member in _members_in(text, wc, english=False)]
    return [(form, english) for form, english in dict.fromkeys(found) if form.lower() != english.lower()]


def new_times(text: str, source: str) -> list[str]:
    """The days, months and seasons `text` names (in either language) that `source` does not."""
    found: list[str] = []
    for wc in TIMES:
        named = named_members(source, wc)
        found += [m.group(0) for english in (True, False) for m, member in _members_in(text, wc, english)
                  if member not in named]
    return list(dict.fromkeys(found))


_ORDINAL = re.compile(r"(?<![\w-])(?:(\w+)\s+)?ke-(\d{1,3})(?![\w-])")  # "bulan ke-11": the 11th month
_TIME_UNITS = {"hari": "day", "minggu": "week", "pekan": "week", "bulan": "month", "tahun": "year", "abad": "century"}


def _ordinal(n: str) -> str:
    return n + ("th" if n[-2:] in ("11", "12", "13") else {"1": "st", "2": "nd", "3": "rd"}.get(n[-1], "th"))


def source_glosses(text: str) -> list[tuple[str, str]]:
    """(as written, English) for the days, months, seasons and ordinals of Indonesian `text`
    ("Jumat", "Friday"; "bulan ke-11", "the 11th month"; "ke-3", "3rd")."""
    found = []
    for m in _ORDINAL.finditer(text):
        unit = _TIME_UNITS.get((m.group(1) or "").lower())
        nth = _ordinal(m.group(2))
        found.append((m.group(0), f"the {nth} {unit}") if unit else (m.group(0)[-len(f"ke-{m.group(2)}"):], nth))
    return list(dict.fromkeys(found)) + time_glosses(text)


def glossed_source(text: str, glosses: Sequence[tuple[str, str]]) -> str:
    """`text` with each of `glosses` (`source_glosses`) written in brackets after its words."""
    for form, english in glosses:
        text = re.sub(rf"(?<![\w-]){re.escape(form)}(?![\w-])", lambda m: f"{m.group(0)} ({english})", text)
    return text


def unglossed(translation: str, glosses: Sequence[tuple[str, str]]) -> str:
    """A translation of `glossed_source`'s text with each gloss it kept in brackets folded into the
    words before it: "Friday (Friday)" and "Jumat (Friday)" become "Friday"."""
    for form, english in glosses:
        gloss = re.escape(english)
        translation = re.sub(rf"(?:(?<![\w-])(?:{re.escape(form)}|{gloss})\s*)?\({gloss}\)", english,
                             translation, flags=re.I)
    return translation
