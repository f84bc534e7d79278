"""A pair of names an answer lists that mixes one of a pair its paragraph lists with another name.

"Dengan dua negara mana Putin mengadakan pertemuan puncak trilateral ...?" was answered "Rusia dan
Turki [17]" (seed_extra45 ar19, 46 as08), where ¶17 lists the summit's other parties as "dengan
Turki dan Iran" and names "Rusia" only as the president's country: the small model put the subject
into the list. Over the recorded seed-set answers, the two pairs that did so were both wrong, and
no right answer did. Judged only where the answer is in its paragraph's language (names compared
as written; "Turkey" is not "Turki")."""
from __future__ import annotations

import re
from typing import Sequence

from .grounding import CITATION_LABEL
from .language import detect_language
from .places import NAME

_PAIR = re.compile(rf"({NAME})\s*,?\s+(?:dan|and|serta)\s+({NAME})")


def _pairs(text: str) -> list[set[str]]:
    return [{a.lower(), b.lower()} for a, b in _PAIR.findall(text)]


def mixes_a_list(question: str, answer: str, cited: Sequence[str]) -> bool:
    """The answer lists two names ("A dan B") of which its cited paragraph lists one beside another
    name ("B dan C"), and the answer's other name is not the question's own."""
    body = CITATION_LABEL.sub(" ", answer)
    source = " ".join(cited)
    if not source or detect_language(body) != detect_language(source):
        return False
    asked = question.lower()
    for said in _pairs(body):
        for listed in _pairs(source):
            other = said - listed
            if len(said & listed) == 1 and len(other) == 1 and next(iter(other)) not in asked:
                return True
    return False
