"""Follow-up questions: how much their own words count, which document they are about, and the
event "hal itu" / "that" points back at."""
from __future__ import annotations

import re
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


# A follow-up that points back at the event its earlier question asked about, asked with that event
# written out.
#
# After "Kapan upaya pembicaraan damai antara Rusia dan Ukraina runtuh?", the follow-up "Apa yang
# menyebabkan hal itu?" was answered with the earlier question's answer ("... runtuh pada bulan
# April [8]") or from another paragraph in all 7 such follow-ups of the seed sets, although ¶8
# ranked first: the history note ("They only tell what words like ... itu refer to") did not keep
# the small model from answering the earlier question. Asked as "Apa yang menyebabkan upaya
# pembicaraan damai antara Rusia dan Ukraina runtuh?", it answered from ¶8's "menyusul tuduhan ...
# kekejaman" in 5 of the 7. The event is the earlier question without its question word, taken only
# from a "when / why / where" question (Kapan, Mengapa, Kenapa, Di mana), whose rest is a whole
# clause; "Apa ..." and "Siapa ..." leave a fragment. In English, where the event would need its
# verb inflected, a follow-up asking what caused "that" ("What led to that collapse?", "Why did
# that happen?") is asked as the earlier "When did ...?" with "Why" for "When".
_EVENT_Q = re.compile(r"^\W*(?:kapan(?:kah)?|mengapa|kenapa|di\s?mana(?:kah)?)\s+(?P<event>[^?]*\w)\W*$", re.I)
# "hal itu", "hal tersebut terjadi": the event as a whole (not "itu" alone, which may be a thing)
_THAT_EVENT = re.compile(r"\bhal\s+(?:itu|ini|tersebut)(?:\s+(?:bisa\s+|dapat\s+)?terjadi)?\b", re.I)
# "keruntuhan itu" after "Kapan ... runtuh?": the event's closing verb made a noun (ke-...-an)
_NOUN_EVENT = r"\bke{verb}an\s+(?:itu|ini|tersebut)\b"
_WHEN_Q = re.compile(r"^\W*when\s+(?P<rest>(?:did|does|do|was|were|is|are|has|have|had|will)\s+[^?]*\w)\W*$", re.I)
_WHAT_CAUSED_THAT = re.compile(r"^\W*(?:what\s+(?:led\s+to|caused|triggered|prompted|brought\s+about)\s+(?:that|this|it)"
                               r"(?:\s+\w+)?|why\s+did\s+(?:that|this|it)\s+happen)\W*$", re.I)


def with_event(question: str, history: Sequence[str]) -> str:
    """`question` with "hal itu" ("that") written out as the event the last earlier question asked
    about: "Apa yang menyebabkan hal itu?" after "Kapan upaya pembicaraan damai runtuh?" ->
    "Apa yang menyebabkan upaya pembicaraan damai runtuh?"; "What led to that collapse?" after
    "When did peace talks collapse?" -> "Why did peace talks collapse?"; "Apa yang memicu
    keruntuhan itu?" as "hal itu"; else `question` unchanged."""
    if not history:
        return question
    if _WHAT_CAUSED_THAT.match(question) and (when := _WHEN_Q.match(history[-1])):
        return f"Why {when.group('rest')}?"
    m = _EVENT_Q.match(history[-1])
    if not m:
        return question
    that = _THAT_EVENT
    if len(that.findall(question)) != 1:
        that = re.compile(_NOUN_EVENT.format(verb=re.escape(m.group("event").split()[-1].lower())), re.I)
        if len(that.findall(question)) != 1:
            return question
    return that.sub(lambda _: m.group("event"), question)
