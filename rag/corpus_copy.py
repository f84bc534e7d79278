"""An English copy of a small non-English corpus, searched by English questions.

The bundled model translates a short English question into Indonesian poorly ("Whose
invasion ... faltering?" became "Kapan invasi Ukraina yang ditulis tentang falir?"), and
that translation costs ~1.7 s before every English answer. Translating each paragraph into
English once (the model reads a whole paragraph far better than it writes Indonesian) and
searching that copy with the question as asked was measured better and needs no
translation per question: the 29 answerable English seed questions find the gold paragraph
first 26 times instead of 18 (all 29 in the top 4). Chosen with a probe whose prompt said
"news paragraph": 24 by BM25 over its copy, 22 with the copy's dense vectors fused in; five
FacQA articles, each taken alone as the corpus, with 21 English questions written for them
from FacQA valid: 20 first instead of 17 (fused: 19).

A translation that gives a number or date its paragraph does not is made again with the
paragraph's days, months, seasons and ordinals glossed in English (`translate_paragraph`): the
seed article's ¶1 "on July 25" became "on Friday" ("pada hari Jumat") and ¶2 "on November 11"
"the 11th month" ("pada bulan ke-11"); its other 17 translations are unchanged. Over the 439
answerable English seed-set questions the gold paragraph is first 325 times (324 before).

Translations are cached on disk by paragraph text (and model), so an edited document costs
only its changed paragraphs. Retrieval falls back to translating the question while the copy
is incomplete.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Callable, Sequence

from .atomic import write_text_atomic
from .closed_words import glossed_source, new_times, source_glosses, unglossed
from .documents import Paragraph
from .language import EN, ID, detect_language, written_in_other_language
from .lexical import LexicalIndex
from .llm import LLM
from .models import Embedder
from .priority import QuestionGate
from .prompt import ASSISTANT, chatml
from .retriever import Hit, Query, Retriever
from .store import Store

COPY_LANG = EN  # the bundled embedder is an English model, and English is the other language asked in
COPY_VERSION = 3  # bump when the prompt or the cache's keys change: translations are then made again
_NAMES = {ID: "Indonesian", EN: "English"}
_SYSTEM = ("You are a translator. Translate the user's {src} paragraph into {dst}. "
           "Reply with the {dst} translation only, as one paragraph.")


def copy_wanted(corpus_lang: str, question_lang: str) -> bool:
    """A question in `question_lang` over a corpus in `corpus_lang` is searched in the copy."""
    return question_lang == COPY_LANG and corpus_lang in _NAMES and corpus_lang != COPY_LANG


def translation_prompt(text: str, src: str, dst: str = COPY_LANG) -> tuple[str, str]:
    """(whole prompt, its fixed prefix) asking for `text` in `dst`."""
    prefix = chatml("system", _SYSTEM.format(src=_NAMES[src], dst=_NAMES[dst]))
    return prefix + chatml("user", text) + ASSISTANT, prefix


def _translated(llm: LLM, text: str, src: str, dst: str, wanted: Callable[[], bool] | None) -> str | None:
    """One decoding of `text` in `dst` (see `translate_paragraph`)."""
    prompt, prefix = translation_prompt(text, src, dst)
    budget = min(2 * llm.count(text) + 32, max(llm.n_ctx - llm.count(prompt) - 8, 0))
    if budget <= 0:
        return text
    pieces = []
    stream = llm.stream(prompt, budget, prefix)
    try:
        for piece in stream:
            if wanted is not None and not wanted():
                return None
            pieces.append(piece)
    finally:
        getattr(stream, "close", lambda: None)()  # the decoding stops at its next token
    out = " ".join("".join(pieces).split())
    return out if len(out) >= min(len(text) // 4, 20) else text


_DIGITS = re.compile(r"\d+")


def made_up(copy: str, source: str) -> list[str]:
    """Numbers and days, months and seasons `copy` gives that its `source` does not."""
    given = set(_DIGITS.findall(source))
    return [n for n in dict.fromkeys(_DIGITS.findall(copy)) if n not in given] + new_times(copy, source)


def translate_paragraph(llm: LLM, text: str, src: str, dst: str = COPY_LANG,
                        wanted: Callable[[], bool] | None = None) -> str | None:
    """`text` in `dst`, one line; the text itself when the model gives nothing usable. None when
    `wanted()` turned false mid-translation (the LLM is given up to a question: ask again later).

    A translation from Indonesian that gives a number or date its source does not ("on July 25"
    for "pada hari Jumat", "on November 11" for "pada bulan ke-11") is made again from the source
    with its days, months, seasons and ordinals glossed in English (`glossed_source`), and that
    one is kept if it makes up fewer."""
    out = _translated(llm, text, src, dst, wanted)
    invented = made_up(out, text) if out is not None and src == ID else []
    glosses = source_glosses(text) if invented else []
    if glosses:  # (without any, the same prompt again)
        again = _translated(llm, glossed_source(text, glosses), src, dst, wanted)
        if again is None:
            return None
        again = " ".join(unglossed(again, glosses).split())
        if len(made_up(again, text)) < len(invented):
            return again
    return out


class CopyCache:
    """Translations keyed by the paragraph's content hash (`Paragraph.hash`, the embedding cache
    key too), in one JSON file per model and target language."""

    def __init__(self, folder: Path, model_key: str, src: str, dst: str = COPY_LANG):
        key = hashlib.sha256(f"{model_key}|{COPY_VERSION}|{src}>{dst}".encode()).hexdigest()[:16]
        self.path = folder / f"{src}-{dst}-{key}.json"
        self.src, self.dst = src, dst
        self.texts: dict[str, str] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.texts = {k: v for k, v in data.get("texts", {}).items() if isinstance(v, str)}
        except (OSError, ValueError, AttributeError):
            pass  # missing or damaged: the translations are made again

    def get(self, paragraph: Paragraph) -> str | None:
        return self.texts.get(paragraph.hash)

    def missing(self, paragraphs: Sequence[Paragraph]) -> list[Paragraph]:
        """Paragraphs without a cached translation (each distinct text once)."""
        todo: dict[str, Paragraph] = {}
        for p in paragraphs:
            if p.hash not in self.texts:
                todo.setdefault(p.hash, p)
        return list(todo.values())

    def put(self, paragraph: Paragraph, translation: str) -> None:
        self.texts[paragraph.hash] = translation

    def save(self) -> None:
        """Write atomically: a reader never sees half a file."""
        write_text_atomic(self.path, json.dumps({"version": COPY_VERSION, "src": self.src, "dst": self.dst,
                                                 "texts": self.texts}, ensure_ascii=False))


def translate_missing(llm: LLM, cache: CopyCache, paragraphs: Sequence[Paragraph],
                      progress: Callable[[int, int], None] | None = None, save_every: int = 5,
                      gate: QuestionGate | None = None) -> int:
    """Translate the paragraphs the cache lacks, saving as it goes; returns how many.

    With a `gate` (the chat prepares the copy in the background) it waits while questions are
    being answered, and a question asked mid-paragraph stops that translation (it is made again
    after) rather than wait ~4 s for it."""
    todo = cache.missing(paragraphs)
    for i, p in enumerate(todo, 1):
        # a paragraph already in the copy's language (an English document dropped beside Indonesian
        # ones) is its own copy: the model spent ~1 s a paragraph "translating" it (none in the
        # seed article or the 1,369 FacQA paragraphs is taken for one)
        same = detect_language(p.text) == cache.dst and written_in_other_language(p.text, cache.src)
        copy = p.text if same else None
        while copy is None:
            if gate is not None:
                gate.wait()
            copy = translate_paragraph(llm, p.text, cache.src, cache.dst,
                                       None if gate is None else (lambda: not gate.busy()))
        cache.put(p, copy)
        if i % save_every == 0 or i == len(todo):
            cache.save()
        if progress:
            progress(i, len(todo))
        if gate is None:
            time.sleep(0.005)  # a question waiting for the LLM lock goes first
    return len(todo)


def mirror_store(store: Store, cache: CopyCache, embedder: Embedder) -> Store | None:
    """A store with the same paragraph numbers holding the cached translations (None while one
    is missing), with its own BM25 and dense vectors, searched instead of `store`."""
    import faiss

    texts = [cache.get(p) for p in store.paragraphs]
    if not texts or any(t is None for t in texts):
        return None
    paragraphs = [Paragraph(p.doc, p.number, t, p.hash) for p, t in zip(store.paragraphs, texts)]
    vectors = faiss.IndexFlatIP(store.vectors.d)
    vectors.add(embedder.encode([p.text for p in paragraphs]))
    manifest = {**store.manifest, "corpus_lang": cache.dst, "doc_langs": {d: cache.dst for d in store.documents}}
    lexical = LexicalIndex.build([p.text for p in paragraphs], cache.dst, [p.doc for p in paragraphs])
    return Store(manifest, paragraphs, vectors, lexical, generation=store.generation)


def search_copy(retriever: Retriever, queries: Sequence[Query], k: int, within: str | None = None) -> list[Hit]:
    """The k best paragraphs of the copy: those BM25 matches first, in its order (measured better
    than fusing in the dense ranking, see the module docstring), then the dense ranking's best
    for the places BM25 leaves empty (a question sharing no word with the copy still gets hints)."""
    found = retriever.search(queries, k, "lexical", within)
    if len(found) < k:
        seen = {h.key for h in found}
        found += [h for h in retriever.search(queries, k, "dense", within) if h.key not in seen][: k - len(found)]
    return found
