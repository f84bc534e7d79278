"""The names and numbers of an answer checked against its passages.

A small model fills a gap with what it knows ("21 million", "Donald Trump", "February 20th")
or copies a figure in another form than the source's. These helpers find the answer's own
specifics (`specifics`), a figure the question asks for that no passage gives
(`invents_figure`), a count or date the cited paragraphs do not hold (`counts_not_cited`,
`stray_dates`), and write a number the way the source does (`source_number_form`). Names and
numbers match across Indonesian and English (`grounding.keys`: stems cut to a short prefix).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .closed_words import named_in
from .grounding import CITATION_LABEL, keys
from .language import PREFIX_CHARS, STOPWORDS, demonym_named, words
from .language import near_spelling as _near
from .places import NAME
from .retriever import Hit
from .verbatim import day_spans

# standalone: not inside "kata17"; an ordinal's suffix is not part of it ("February 20th")
_NUMBER = re.compile(r"(?<!\w)(\d+(?:[.,:]\d+)*)(?:st|nd|rd|th)?(?!\w)")
_CAPITAL = re.compile(r"(?<![\w.])([A-Z][\w'’-]+)")
# one-digit quantities are checked only with a unit, where the source may spell the number out
_DIGIT_WORDS = {
    "1": ("satu", "one", "a", "an", "se"), "2": ("dua", "two"), "3": ("tiga", "three"),
    "4": ("empat", "four"), "5": ("lima", "five"), "6": ("enam", "six"), "7": ("tujuh", "seven"),
    "8": ("delapan", "eight"), "9": ("sembilan", "nine"),
}
UNITS = {  # Indonesian unit -> English stem; a quantity matches in either language
    "detik": "second", "menit": "minute", "jam": "hour", "hari": "day", "minggu": "week",
    "pekan": "week", "bulan": "month", "tahun": "year", "abad": "centur", "kali": "time",
    "orang": "people", "persen": "percent",
}
_QUANTITY = re.compile(r"(?<![\w.,])(\d)\s+([^\W\d_]+)")
# a count the model spells out ("Tiga film" where the source says "tujuh dari 27") is checked
# against the passages in words and digits, in either language; not "satu"/"one" (also an
# article), and not the first word of a bigger number ("dua puluh", "five hundred")
_SPELLED = {word: int(digit) for digit, spelled in _DIGIT_WORDS.items() if digit != "1" for word in spelled}
_SPELLED.update({"sepuluh": 10, "ten": 10, "sebelas": 11, "eleven": 11, "twelve": 12})
_SPELLED_NUMBER = re.compile(
    rf"(?<![\w-])({'|'.join(_SPELLED)})(?![\w-])(?!\s+(?:belas|puluh|ratus|ribu|juta|miliar|triliun"
    r"|hundred|thousand|million|billion|trillion)\b)", re.I)


_SPACED_NUMBER = re.compile(r"(?<![\w.,])(\d+), (\d+)(?!\w)")
# after a figure, words that make "3, 717" one decimal number split into tokens, not a list
_MEASURED = re.compile(r"\s*(?:%|(?:ribu|juta|miliar|triliun|persen|percent|million|billion|trillion|meter|km2?|mm|cm"
                       r"|kilometer|hektare?|ha|ton|kg|kilogram|gram|liter|megawatt|derajat|barrel|detik|menit"
                       r"|dollar|dolar|rupiah|euro|yen|ringgit|baht)\b)", re.I)
_MONEY = re.compile(r"(?:Rp|US\$|\$)\s*$")
# a currency named in an answer ("Dengan mata uang apa ...?" -> "rupiah [5]") is a specific as a
# name is; each with the forms a source may write it in
_CURRENCIES = {"rupiah": r"rupiah|\bRp", "dolar": r"dol+ar|\$|\bUSD", "dollar": r"dol+ar|\$|\bUSD",
               "yuan": r"yuan|renminbi|\bRMB|\bCNY", "renminbi": r"yuan|renminbi|\bRMB|\bCNY",
               "rubel": r"rub[e]?l|roubl", "ruble": r"rub[e]?l|roubl", "rouble": r"rub[e]?l|roubl",
               "euro": r"euro|€", "yen": r"\byen|¥", "ringgit": r"ringgit|\bRM\b", "baht": r"baht",
               "peso": r"peso", "rupee": r"rupee|rupi\b"}
_CURRENCY = re.compile(rf"(?<![\w-])({'|'.join(_CURRENCIES)})s?(?![\w-])", re.I)


def source_number_form(text: str, passages: Sequence[Hit]) -> str:
    """A number the model wrote with a space after its comma ("Rp 19, 797 miliar") back in the
    form the passages give it ("Rp 19,797 miliar"); a list ("pasal 2, 3") no passage joins stays.
    Where one passage joins it and another spaces it (the same news in two copies, one of them
    split into tokens: "94,8 persen" / "94, 8 persen"), the joined form is the number. So is a
    figure of money or with a unit or magnitude after it ("Rp 3, 717 miliar", "2, 5 juta"):
    FacQA's token-split copies space such figures, and its train and valid answers write 68 of
    them joined, 2 spaced. A list or a date ("pasal 2, 3", "February 1, 2018") stays."""
    source = " ".join(h.text for h in passages)

    def fix(m: re.Match) -> str:
        joined = f"{m.group(1)},{m.group(2)}"
        measured = len(m.group(2)) <= 3 and (_MEASURED.match(text, m.end()) or _MONEY.search(text[:m.start()]))
        if not measured and not re.search(rf"(?<![\d.,]){re.escape(joined)}(?!\d)", source):
            return m.group(0)
        return joined

    return _SPACED_NUMBER.sub(fix, text)


_NAME_LIST = re.compile(rf"{NAME}(?:\s*,\s*(?:(?:dan|and|serta)\s+)?{NAME}|\s+(?:dan|and|serta)\s+{NAME})+")
_LIST_SEP = re.compile(r"\s*,\s*(?:(?:dan|and|serta)\s+)?|\s+(?:dan|and|serta)\s+")


def counts_named(body: str, value: int, source_words: set[str]) -> bool:
    """`body` lists exactly `value` names, each written in the source: a count it gives ("Tiga
    negara: Rusia, Turki dan Iran") is the source's list counted, not a figure from elsewhere."""
    for m in _NAME_LIST.finditer(body):
        items = [x for x in _LIST_SEP.split(m.group(0)) if x]
        if len(items) == value and all(w in source_words or _near(w, source_words)
                                        for item in items for w in words(item)):
            return True
    return False


def _count_of(forms: str) -> str:
    """A pattern for a count written as one of `forms`, also as an ordinal ("ketiga") or with "-nya"."""
    return rf"(?<![\w.,-])(?:ke-?)?(?:{forms})(?:nya)?(?![\w-]|[.,]\d)"


@dataclass(frozen=True)
class Specifics:
    """The answer's own specifics (numbers, capitalised names) that the question does not contain."""

    invented: tuple[str, ...]  # found in no passage: the model's own knowledge
    supported: tuple[str, ...]  # found in the passages


def specifics(answer: str, passages: Sequence[Hit], question: str) -> Specifics:
    """Split the answer's numbers and names into those the passages hold and those they do not.

    Invented ones are the mark of an answer from the model's own knowledge ("21 million",
    "Donald Trump"). Citations are stripped first; words at a sentence start are skipped;
    one-digit numbers are skipped (the source may spell them out: "dua minggu" / "2 weeks")
    unless they are a day beside a month name ("February 1"), and
    a spelled-out count ("tiga") is looked for in words and digits in either language."""
    body = CITATION_LABEL.sub(" ", answer)
    passage_text = " ".join(h.text for h in passages)
    q_words = set(words(question))
    p_words = set(words(passage_text))
    p_keys = keys(passage_text) | {w[:PREFIX_CHARS] for w in p_words}
    joined_text = _SPACED_NUMBER.sub(r"\1,\2", passage_text)  # "3, 717" split into tokens is "3,717"
    invented: list[str] = []
    supported: list[str] = []

    def put(item: str, ok: bool) -> None:
        bucket = supported if ok else invented
        if item not in bucket:
            bucket.append(item)

    days = day_spans(body)  # a one-digit day ("February 1") is written in digits in a source too
    for m in _NUMBER.finditer(body):
        num = m.group(1)
        if len(re.sub(r"\D", "", num)) < 2 and m.span(1) not in days:
            continue
        pattern = rf"(?<![\d.,]){re.escape(num)}(?![\d]|[.,]\d)"
        if re.search(pattern, question):
            continue
        put(num, bool(re.search(pattern, passage_text) or re.search(pattern, joined_text)))
    low_passages = passage_text.lower()
    for digit, unit in _QUANTITY.findall(body):
        forms = _unit_forms(unit.lower())
        if not forms or re.search(rf"(?<![\w.,]){digit}\s+{forms}", question.lower()):
            continue
        numbers = "|".join((digit, *_DIGIT_WORDS[digit]))
        one = rf"|\bse-?{forms}" if digit == "1" else ""
        put(f"{digit} {unit}", bool(re.search(rf"(?<![\w.,])(?:{numbers})\s+{forms}{one}", low_passages)))
    for m in _SPELLED_NUMBER.finditer(body):
        value = _SPELLED[m.group(1).lower()]
        forms = "|".join([str(value), *(w for w, v in _SPELLED.items() if v == value)])
        if value == 12:
            forms += "|dua belas"
        # "keduanya" (the two of them), "ketiga" count as well: the model says "dua orang"
        pattern = _count_of(forms)
        if not re.search(pattern, question, re.I):
            put(m.group(1), bool(re.search(pattern, passage_text, re.I)) or counts_named(body, value, p_words))
    for m in _CURRENCY.finditer(body):
        forms = _CURRENCIES[m.group(1).lower()]
        if not re.search(forms, question, re.I):
            put(m.group(1), bool(re.search(forms, passage_text, re.I)))
    for m in _CAPITAL.finditer(body):
        before = body[:m.start()].rstrip()
        if not before or before[-1] in ".!?:\"“(":
            continue  # sentence start: capitalised anyway
        word = m.group(1)
        low = word.lower()
        if len(low) <= 2 or low in STOPWORDS or low in q_words or _near(low, q_words):
            continue  # short acronyms differ across languages ("US"/"AS")
        put(word, low in p_words or bool(keys(word) & p_keys) or _near(low, p_words) or named_in(word, passage_text)
            or demonym_named(word, passage_text))  # "Chinese" where the paragraph says "China"
    return Specifics(tuple(invented), tuple(supported))


_COUNT_Q = re.compile(
    r"\bberapa(kah)?\b|\bhow (many|much|long|old|big|large|high|far|deep|tall|wide|heavy)\b|\b(what|which) (percentage|year)\b"
    r"|\bwhat (is|was|are|were) the (price|cost|number|amount|total|population|percentage|age)\b", re.I)


def stray_dates(answer: str, cited: Sequence[Hit], question: str) -> list[str]:
    """The years (and days beside a month) of `answer` that its cited paragraphs do not hold, when
    it has such a year: another document's year ("In 2019 the island counted ...") passes the check
    against all passages, and "On February 1, 2019, Putin visited Xi [16]" was then withdrawn."""
    found = [x for x in specifics(answer, cited, question).invented if re.fullmatch(r"\d{1,2}|(?:1[89]|20)\d\d", x)]
    return found if any(len(x) == 4 for x in found) else []


def asks_figure(question: str) -> bool:
    """The question asks for a count, amount, duration or year ("Berapa ...", "How many ...")."""
    return bool(_COUNT_Q.search(question))


def new_figures(text: str, question: str) -> bool:
    """`text` holds a number (in digits or spelled out, "27", "sepuluh") that the question does not."""
    found = {*_NUMBER.findall(text), *(m.group(1).lower() for m in _SPELLED_NUMBER.finditer(text))}
    low = question.lower()
    return any(not re.search(rf"(?<![\w.,]){re.escape(f.lower())}(?![\w]|[.,]\d)", low) for f in found)


# "Tanggal berapa ...?" / "On what date ...?" asks for a day of the month (`answer_type`)
DATE_Q = re.compile(r"\btanggal berapa\b|\b(?:what|which) (?:(?:calendar|exact|specific|precise) )?date\b", re.I)


def invents_figure(question: str, invented: Sequence[str]) -> bool:
    """The question asks for a count, amount, year or date and a figure of the answer is in no
    passage: the very thing asked for is made up, however much else the answer takes from its
    source ("On what date was the summit in Tehran held?" -> "... on February 20, 2018 [17]",
    where ¶17 gives only "Februari": seed_extra25 i28, shown unverified)."""
    return (asks_figure(question) or bool(DATE_Q.search(question))) and any(
        any(c.isdigit() for c in item) or item.lower() in _SPELLED for item in invented)


def _unit_forms(unit: str) -> str:
    """A pattern for a unit word in both languages ("bulan" -> bulan|month), or '' if not a unit."""
    for id_unit, en_stem in UNITS.items():
        if unit == id_unit or unit.startswith(en_stem):
            return rf"(?:{id_unit}|{en_stem}\w*)\b"
    return ""


def unsupported_specifics(answer: str, passages: Sequence[Hit], question: str) -> list[str]:
    """Numbers and capitalised names in the answer that neither the passages nor the question contain."""
    return list(specifics(answer, passages, question).invented)


_ONE_DIGIT = re.compile(r"(?<![\w.,])([2-9])(?![\w]|[.,]\d)")


def counts_not_cited(answer: str, cited: Sequence[Hit], question: str) -> list[str]:
    """The one-digit counts of `answer` ("4 civilians", "four") that its cited paragraphs hold in no
    form, digits or words of either language, and the question does not give. `specifics` skips
    them, as the whole corpus may spell them out elsewhere ("empat provinsi" two paragraphs on)."""
    body = CITATION_LABEL.sub(" ", answer)
    found = [m.group(1) for m in _ONE_DIGIT.finditer(body)]
    found += [str(_SPELLED[m.group(1).lower()]) for m in _SPELLED_NUMBER.finditer(body)
              if _SPELLED[m.group(1).lower()] < 10]
    cited_text = " ".join(h.text for h in cited)
    missing: list[str] = []
    for digit in dict.fromkeys(found):
        pattern = _count_of("|".join((digit, *_DIGIT_WORDS[digit])))
        if not re.search(pattern, question, re.I) and not re.search(pattern, cited_text, re.I):
            missing.append(digit)
    return missing


# "Berapa provinsi ...?", "Berapa banyak provinsi ...?": the thing counted
_COUNTED_Q = re.compile(r"\bberapa(?:kah)?\s+(?:banyak\s+|jumlah\s+)?([a-z]\w+)", re.I)


def counted_thing(question: str) -> str:
    """The noun a "Berapa <noun> ...?" question counts ("provinsi"), or ""."""
    m = _COUNTED_Q.search(question)
    return m.group(1).lower() if m else ""


def counts(text: str, thing: str) -> bool:
    """`text` writes a number right before `thing` ("bagian empat provinsi garis depan")."""
    return bool(thing) and bool(re.search(rf"(?<![\w-])(?:\d+(?:[.,]\d+)?|{'|'.join(_SPELLED)})\s+{re.escape(thing)}\b",
                                          text, re.I))
