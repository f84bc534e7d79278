"""Follow-up questions: how much their own words count, and which document they are about."""
from __future__ import annotations

from typing import Callable, Sequence

from .retriever import Hit
from .rewrite import LRU
from .store import Store

# A follow-up whose own words say little ("Setelah apa dia mengatakan hal itu?", `rewrite.leans_on_history`)
# weighs this much in the fusion, the query with its earlier question 1.0. Chosen on the ranks of
# the 23 follow-ups of the nine seed sets: 1.0 left k24's gold paragraph out of the top 4, 0.5
# put it 4th, 0.3 2nd; 0 put it 1st but f19's and g22's gold paragraphs 3rd and 2nd instead of 1st.
# Given to every follow-up, 0.3 also turned a compound question's second part ("Kapan pertemuan
# tatap muka terakhir mereka?", g19), which names its own subject, from an answer into a quote.
FOLLOWUP_WEIGHT = 0.3


def _key(question: str) -> str:
    return " ".join(question.split()).lower()


class AnsweredDocuments:
    """The document each recent answer cited first, by its question (what a chat's next
    follow-up is about)."""

    def __init__(self, size: int = 256):
        self._docs = LRU(size)

    def note(self, question: str, cited_docs: Sequence[str]) -> None:
        if cited_docs:
            self._docs.put(_key(question), cited_docs[0])

    def get(self, question: str) -> str | None:
        return self._docs.get(_key(question))


def earlier_document(store: Store, earlier: str, answered: AnsweredDocuments,
                     search: Callable[[str], list[Hit]]) -> str | None:
    """The document a follow-up that names almost nothing itself ("Apa jabatannya sebelum itu?")
    is searched in, over a corpus of several: the one the earlier question's answer cited, else
    the one `search(earlier)` finds first. Searched over every document, such a follow-up took
    another article's facts (after "Siapa menteri luar negeri China yang baru?", a note about
    Indonesia's foreign minister answered it)."""
    if len(store.documents) < 2 or not earlier.strip():
        return None
    doc = answered.get(earlier)
    if doc in store.documents:
        return doc
    hits = search(earlier)
    return hits[0].doc if hits else None
