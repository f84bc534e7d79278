"""What a question asks for, where the answer must not make it up: the post of a "Siapa <jabatan>
...?" question, which the cited paragraph must name, and the place of a "Di mana ...?" question.

Asked who holds a post the documents never mention, the small model names the one official it
finds ("Siapa perdana menteri China?" -> "Qin Gang [18]", from a paragraph about a new foreign
minister). Over the dev sets, FacQA test, valid and train (first 100 each), every right answer to
such a question cites a paragraph holding the post's first word (47 of 47, "Perdana Menteri
Inggris", "Direktur Jenderal UNESCO", "pimpinan legislatif"); the two answers whose paragraph did
not were wrong (that trap, and an athlete from another race). Indonesian only: the post is
matched by its stem, in the language of the question.
"""
from __future__ import annotations

import re
from typing import Sequence

from .language import STOPWORDS, match_keys

_WHO = re.compile(r"^\s*siapa(?:kah)?\s+(?:nama\s+)?([^\W\d_]{3,})", re.I)
# "Siapa saja ...", "Siapa dua tokoh ...", "Siapa salah satu ...", "Siapa mantan presiden ...": no post
# as such, or one the paragraph may name in another way
_NOT_A_POST = frozenset("saja nama para salah mantan bekas semua seluruh beberapa dua tiga empat lima enam tujuh "
                        "delapan sembilan sepuluh".split())


def asked_post(question: str) -> str:
    """The first word after "Siapa(kah) (nama)" when it names a post ("perdana"), else ''."""
    m = _WHO.match(question)
    word = m.group(1).lower() if m else ""
    return "" if word in STOPWORDS or word in _NOT_A_POST else word


def post_unnamed(question: str, cited: Sequence[str]) -> str:
    """The post asked about when no cited paragraph names it, else ''."""
    post = asked_post(question)
    return post if post and not match_keys(post) & match_keys(" ".join(cited)) else ""


# "Di mana ...", "Dimanakah ...", "Di kota mana ...", "Where ...", "In which city ...", "Which country ..."
_PLACE_WORDS = (r"(?:kota|negara|provinsi|tempat|wilayah|daerah|kabupaten|pulau|benua"
                r"|city|country|province|place|town|region|island|continent|state)")
_PLACE_Q = re.compile(rf"\b(?:di\s*mana(?:kah)?|ke\s*mana|dari\s*mana|where|{_PLACE_WORDS}\s+(?:mana|apa)(?:kah)?"
                      rf"|(?:in\s+)?(?:which|what)\s+{_PLACE_WORDS})\b", re.I)
# where an answer states a place: "di Korea Selatan", "Di kota Beijing", "in the city of Tehran"
_AT = r"(?:di|ke|dari|in|at|to|from)\s+(?:(?:the\s+)?(?:kota|negara|provinsi|city|country|province|town)\s+(?:of\s+)?)?"


def invents_place(question: str, answer: str, invented: Sequence[str]) -> bool:
    """The question asks where, and the place the answer gives is a name no passage holds: the
    very thing asked for is made up, as `grounding.invents_figure` for a figure (seed_extra10 q30:
    "Di kota mana Putin dan Xi bertemu ... pada bulan September?" -> "Di kota Beijing ... [4]", from
    a paragraph that names no city)."""
    names = [w for w in invented if w[:1].isalpha()]
    if not names or not _PLACE_Q.search(question):
        return False
    return any(re.search(rf"\b{_AT}{re.escape(w)}\b", answer, re.I) for w in names)
