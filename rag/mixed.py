"""Corpora that mix languages: for which documents a question is also translated."""
from __future__ import annotations

import re

from .language import match_keys
from .store import Store

_NAME = re.compile(r"(?<![\w'’-])(?:[A-Z][^\W\d_]{2,}|\d[\d.,]*\d)")


def translations_wanted(store: Store, question: str, lang: str, within: str | None = None) -> list[str]:
    """The languages, other than the question's and the corpus's, of documents that write one of
    the question's names or numbers ("Siapa bendahara baru Harbor Town?" beside an English report
    on Harbor Town), or of `within`, the document a follow-up is about ("Berapa harganya?" after a
    question on an English launch note): the question is also translated into those, for those
    documents.

    Every question was translated at first; on FacQA test 1-100 (Indonesian questions) over its 55
    articles plus three English notes, that cost ~2.5 s a question and put a note's paragraph in
    18 of the 100 top-4 lists (recall@4 0.90 -> 0.89)."""
    others = store.languages - {lang, store.lang}
    if not others:
        return []
    names = match_keys(" ".join(_NAME.findall(question)), lang)
    about = store.doc_langs.get(within or "", "")
    return sorted(other for other in others if other == about or names & store.vocabulary(other))
