"""Cutting a made-up day, year or month out of an otherwise grounded answer.

The small model adds a figure of its own to a sentence it took from a paragraph: a day
("Putin visited Xi in Beijing on February 16th"; the source says "awal Februari", early
February) or a year ("in February 2018"). Such an answer was shown marked unverified, the
figure listed as in no document. When every invented detail is such a figure, the answer
is shown without it ("... in February") and checked like any other.
"""
from __future__ import annotations

import re
from typing import Sequence

from .verbatim import MONTH_FORMS as _MONTH_WORDS, MONTH_NAMES as _MONTH

_LABEL = re.compile(r"\s*\[[^\[\]]*\]")
_SENTENCE = re.compile(r"[^\[\]]*?(?:\[[^\[\]]*\][\s.]*)+|[^\[\]]+$")
_ORD = r"(?:st|nd|rd|th)?"
# words that open a phrase of time: "in 2018", "from 2012 to 2017", "pada tahun 2001", "sejak 2003"
_OPENER = r"(?:on|in|from|since|during|until|by|pada|sejak|dari|selama|hingga|sampai)"
_TO = r"(?:\s*(?:-|–|to|until|and|hingga|sampai|dan)\s*\d+" + _ORD + r")?"
_DANGLING = re.compile(rf"\b(?:{_OPENER}|tahun|the|year|tanggal)\s*$", re.I)


# a question asking a time: a made-up month there is the answer itself, not a detail to cut
_ASKS_TIME = re.compile(r"\b(?:kapan|when|bulan|month|tanggal|date|tahun|year|musim|season)\b", re.I)


def _is_figure(item: str) -> bool:
    """An invented detail that is a figure (day, year, count) or a month, not a name."""
    return any(c.isdigit() for c in item) or item.lower() in _MONTH_WORDS


def _span(body: str, item: str) -> tuple[int, int] | None:
    """Where `item` goes: the day or year next to a month name (the month stays: "February 16th",
    "16 Februari", "February 1, 2018"), else the whole phrase of time it ends ("in 2018",
    "from 2012 to 2017", "pada tahun 2001"); None when it stands elsewhere ("10 korban")."""
    num = re.escape(item)
    if item.lower() in _MONTH_WORDS:  # the whole date goes: "on July 11th", "pada 11 Juli 2018"
        m = re.search(rf"(?P<n>\s*\b(?:{_OPENER}\s+)?(?:(?:bulan|tanggal|the)\s+)?(?:\d{{1,2}}{_ORD}\s+(?:of\s+)?)?"
                      rf"{num}(?:\s+\d{{1,2}}{_ORD}\b)?(?:,?\s+\d{{4}}\b)?)(?!\w)", body, re.I)
        return m.span("n") if m else None
    for pattern in (rf"\b(?:{_MONTH})(?:\s+\d{{1,2}}{_ORD}\b)?(?P<n>,?\s+{num}{_ORD})(?!\w)",
                    rf"(?<![\w,.])(?P<n>{num}{_ORD}\s+)(?:{_MONTH})\b",
                    rf"(?P<n>\s*\b{_OPENER}\s+(?:the\s+year\s+|tahun\s+)?{num}{_ORD}{_TO})(?![\w,.]\d|\w)"):
        m = re.search(pattern, body, re.I)
        if m:
            return m.span("n")
    return None


def _found(body: str, item: str) -> bool:
    return bool(re.search(rf"(?<![\w,.]){re.escape(item)}{_ORD}(?!\w|[.,]\d)", body))


def _cut(body: str, invented: Sequence[str]) -> str:
    """One sentence without its invented figures; '' when one cannot be cut cleanly."""
    if not any(_found(body, item) for item in invented):
        return body
    for item in invented:
        if not _found(body, item):
            continue  # cut with an earlier phrase ("from 2012 to 2017")
        span = _span(body, item)
        if span is None:
            return ""
        body = body[: span[0]] + body[span[1]:]
    # "on February 16th" -> "in February"
    body = re.sub(rf"\bon(?=\s+(?:{_MONTH})\b(?!\s+\d))", lambda m: "In" if m.group(0)[0] == "O" else "in",
                  body, flags=re.I)
    body = re.sub(rf"\btanggal(?=\s+(?:{_MONTH})\b(?!\s+\d))", "bulan", body, flags=re.I)  # "tanggal Desember"
    body = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s{2,}", " ", body)).strip()
    body = re.sub(r"^[,;:]\s*|[,;:]+(?=\s*[.!?]?$)", "", body).strip()
    if _DANGLING.search(body.rstrip(".!?")) or len(body.rstrip(".!?").split()) < 3:
        return ""  # what is left would not read as a statement
    return body


def drop_invented_figures(text: str, invented: Sequence[str], question: str = "") -> str:
    """`text` (the answer with its citations) without its `invented` figures, each cut with
    the phrase of time it stands in; '' when one is not a figure or stands elsewhere, or is a
    month and `question` asks a time."""
    if not invented or not all(_is_figure(i) for i in invented):
        return ""
    if _ASKS_TIME.search(question) and any(i.lower() in _MONTH_WORDS for i in invented):
        return ""
    parts = [m.group(0) for m in _SENTENCE.finditer(text)]
    if "".join(parts) != text:
        return ""  # a stray bracket: the sentences cannot be told apart
    out = ""
    for part in parts:
        labels = " ".join(x.group(0).strip() for x in _LABEL.finditer(part))
        body = _LABEL.sub("", part).strip()
        if not body:
            out += part
            continue
        kept = _cut(body, invented)
        if not kept:
            return ""
        out += f"{kept} {labels}".strip() + part[len(part.rstrip()):]  # the line breaks between sentences stay
    return out.strip()
