"""A paragraph asked for by its number: "Apa isi paragraf 3?", "What does paragraph 5 say?".

Paragraph numbers are what answers cite, so a reader asks for them. Searched like any question,
"Apa isi paragraf 3?" found paragraph 7 (it matches no words of paragraph 3) and was answered
from it, verified; "What does paragraph 5 say?" got "The documents do not say." Such a
question is answered with the paragraph itself, quoted as written and cited.
"""
from __future__ import annotations

import re
import time
from typing import Iterable, Iterator, Sequence

from .answer import Answer, Event, Token
from .citations import Citation, citation_label
from .language import EN
from .overview import documents_named, without_names
from .retriever import Hit

_NUMBERED = re.compile(r"(?:\b(?:paragraf|paragraph|para|alinea|alinia)\b\.?|¶)\s*"
                       r"(?:\b(?:ke|no|nomor|number|nr)\b\.?\s*-?\s*|#\s*)?(\d{1,4})\b", re.I)
_WORD = re.compile(r"[a-z]+")
# every other word such a question may have; one outside these makes it a question about something
_FILLER = frozenset(
    "what whats s does do is was say says said the a an of in this that document article text file show me "
    "quote read tell give print display please can could you write full whole exactly about "
    "apa apakah isi bunyi berbunyi bunyinya isinya yang dari di dalam pada artikel dokumen berita teks tulisan "
    "tampilkan kutip kutipkan bacakan sebutkan tuliskan berikan tolong coba lengkap persis ini itu mengatakan "
    "menyebutkan dikatakan disebutkan".split())


def asks_paragraph(question: str, documents: Iterable[str] = ()) -> int | None:
    """The paragraph number `question` asks for and nothing more (besides which document), else None."""
    found = list(_NUMBERED.finditer(question))
    if len(found) != 1:
        return None
    rest = (question[:found[0].start()] + " " + question[found[0].end():]).lower()
    words = _WORD.findall(without_names(rest, documents))
    return int(found[0].group(1)) if all(w in _FILLER for w in words) else None


def paragraph_asked(question: str, number: int, paragraphs: Sequence[Hit], pinned: str | None,
                    lang: str) -> Iterator[Event]:
    """The paragraph `number` quoted whole: of the document the question names, else of `pinned`
    (the one the chat was about), else of every document that has one; or why there is none.
    Asked in English, a paragraph's English copy (`Hit.gloss`, the corpus copy) follows it."""
    start = time.perf_counter()
    docs = sorted({h.doc for h in paragraphs})
    named = documents_named(question, docs)
    chosen = set(named) or ({pinned} if pinned in docs else set(docs))
    hits = sorted((h for h in paragraphs if h.paragraph == number and h.doc in chosen), key=lambda h: h.doc)
    multi_doc = len(docs) > 1
    if hits:
        word, said, of = ("Paragraph", "says", "of") if lang == EN else ("Paragraf", "berbunyi", "dari")

        def quoted(h: Hit) -> str:
            where = f" {of} {h.doc}" if multi_doc else ""
            copy = f" (machine-translated copy: “{h.gloss}”)" if h.gloss and lang == EN else ""
            return f"{word} {h.paragraph}{where} {said}: “{h.text}” {citation_label(h, multi_doc)}{copy}"
        text = " ".join(quoted(h) for h in hits)
    else:
        counts = {d: max((h.paragraph for h in paragraphs if h.doc == d), default=0) for d in chosen}
        most = max(counts.values(), default=0)
        one = next(iter(chosen)) if len(chosen) == 1 else None
        if lang == EN:
            text = (f"{one} has {most} paragraphs; there is no paragraph {number}." if one
                    else f"No document has a paragraph {number}; the longest has {most}.")
        else:
            text = (f"{one} hanya memiliki {most} paragraf; tidak ada paragraf {number}." if one
                    else f"Tidak ada dokumen yang memiliki paragraf {number}; yang terpanjang memiliki {most}.")
    yield Token(text)
    yield Answer(question, text, tuple(Citation(h.doc, h.paragraph) for h in hits), passages=tuple(hits),
                 retrieved=tuple(hits), refused=not hits, lang=lang, quoted=bool(hits), lookup="paragraph",
                 timings={"ttft_s": 0.0, "total_s": time.perf_counter() - start})
