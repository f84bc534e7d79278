"""The one object the CLI, the UI, `rag eval` and `rag bench` share: index, retrieve, answer."""
from __future__ import annotations

import threading
import time
from dataclasses import replace
from functools import partial
from typing import Callable, Iterator, Sequence

from .agreement import confirm_middling, quote_middling
from .answer import Answer, Event, generate
from .compound import ask_parts, split_question
from .documents import Skipped
from .corpus_copy import COPY_LANG, CopyCache, copy_wanted, mirror_store, search_copy, translate_missing
from .errors import NoDocuments, RagError, plural
from .followup import FOLLOWUP_WEIGHT, AnsweredDocuments, earlier_document, with_event
from .indexer import BuildReport, build_index
from .language import OTHER, detect_language
from .llm import LLM, LlamaCppLLM
from .mixed import translations_wanted
from .passage_counts import HINT_TEXTS, HINT_TEXTS_OTHER_LANGUAGE, K_HINTS, K_RETRIEVED, RETRIEVAL_K  # noqa: F401
from .overview import asks_overview, overview, overview_lead, question_language
from .by_number import asks_paragraph, paragraph_asked
from .capitals import with_countries
from .models import Embedder, get_embedder, get_llm, llm_path
from .pointed import ask_again_pointed
from .priority import QuestionGate
from .prompt import PREFIX, passage_block, render
from .retriever import Hit, Query, Retrieval, Retriever, focus
from .rewrite import QueryRewriter, leans_on_history
from .settings import Settings
from .support import MIN_YES, MIN_YES_CORPUS, reading_prefixes
from .store import Store, current_generation, load_index
from .user_input import clean_history, clean_question

COPY_QUERY = "copy"  # the name of a question searched in the corpus's copy
NO_DOCUMENTS = ("the seeds folder {} has no documents any more, so nothing can be answered; add .txt or .md files "
                "(UTF-8 text) to it and ask again once they are indexed")

def _other_language(queries: Sequence[Query]) -> bool:
    """The question was translated, or searched the corpus's copy in its language."""
    return any(q.name in ("translated", COPY_QUERY) for q in queries)


class Pipeline:
    """Index + embedder + LLM, loaded lazily and once. Safe to share between threads."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, llm: LLM | None = None,
                 log: Callable[[str], None] | None = None):
        self.settings = settings
        self._embedder = embedder
        self._llm = llm
        self.log = log
        self._store: Store | None = None
        self.skipped: list[Skipped] | None = None  # the files the last build skipped, and why (None: none ran)
        self.index_problem: str | None = None  # why the last build failed (the previous index still answers...)
        self.seeds_empty = False  # ... unless it failed for want of documents: then no question is answered
        self._corpus: tuple | None = None  # (store, mode, its passages or None): one attribute, set at once
        self._unusable: str = ""  # a newer published index that failed to load (reported once)
        self._copy: tuple | None = None  # (store, its translated mirror)
        self._lock = threading.Lock()
        self.answered = AnsweredDocuments()  # what a follow-up is about
        self.gate = QuestionGate()  # background preparation gives the LLM up to questions
        self.rewriter = QueryRewriter(self.llm if settings.translate or settings.condense == "llm" else None,
                                      settings.condense)

    # ------------------------------------------------------------ components

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings)
        return self._embedder

    def llm(self) -> LLM:
        with self._lock:
            if self._llm is None:
                self._llm = LlamaCppLLM(get_llm(self.settings), self.settings.prefix_cache,
                                        state_dir=self.settings.home / "kv", model_key=self._llm_key())
            return self._llm

    def _llm_key(self) -> str:
        """What identifies the LLM's outputs (its file and settings), without loading it."""
        if self._llm is not None:
            return getattr(self._llm, "model_key", "") or type(self._llm).__name__
        path = llm_path(self.settings)
        st = path.stat()
        return (f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}:"
                f"b{self.settings.n_batch}:r{int(self.settings.llm_repack)}")

    def min_support(self, corpus: bool) -> float:
        """The second reading's P(Yes) below which an answer is withdrawn: set, or by corpus size
        (`corpus`: the corpus fits in the prompt, whether or not this question reads all of it)."""
        if self.settings.min_support is not None:
            return self.settings.min_support
        return MIN_YES_CORPUS if corpus else MIN_YES

    def context_passages(self, store: Store | None = None) -> list[Hit] | None:
        """The whole corpus as passages when it is small enough to stay in the cached prompt."""
        store = store or self.store
        mode = self.settings.context
        if mode == "retrieved" or not store.paragraphs:
            return None
        cached = self._corpus
        if cached is not None and cached[0] is store and cached[1] == mode:
            return cached[2]
        hits = [Hit(p.doc, p.number, p.text, 0.0) for p in store.paragraphs]
        fits = mode == "corpus" or self.llm().count(passage_block(hits)) <= self.settings.corpus_max_tokens
        self._corpus = (store, mode, hits if fits else None)
        return self._corpus[2]

    def default_k(self, store: Store | None = None, reads_corpus: bool | None = None) -> int:
        """Passages (or hints) per question: RAG_K / --k, else by context mode (`reads_corpus`:
        whether the question reads the whole corpus; by default, whether the corpus fits)."""
        if self.settings.k is not None:
            return self.settings.k
        if reads_corpus is None:
            reads_corpus = self.context_passages(store) is not None
        return K_HINTS if reads_corpus else K_RETRIEVED

    def question_context(self, question: str, store: Store, lang: str | None = None) -> list[Hit] | None:
        """The whole corpus when this question reads it (`context_passages`), else None (retrieved
        passages). With RAG_CONTEXT=auto a question in the corpus's own language reads the retrieved
        passages instead, framed by the question: the whole corpus helps a question in the other
        language, which searches the corpus's English copy and reads the paragraphs named as hints,
        but the small model misreads more in it (eight seed sets, Indonesian questions: 68 of 84
        right with the retrieved passages, 63 with the whole corpus; English ones 38 of 78 against 53)."""
        corpus = self.context_passages(store)
        if corpus is None or self.settings.context != "auto":
            return corpus
        return None if (lang or detect_language(question)) == store.lang else corpus

    def warm_up(self) -> float:
        """Load the LLM and compute (or load from disk) the KV cache of the fixed prompt prefix."""
        corpus = self.context_passages()
        prefix = render(corpus, "", "en")[1] if corpus else PREFIX
        llm = self.llm()
        return llm.warm(prefix, gate=self.gate) if hasattr(llm, "warm") else 0.0

    def ready(self) -> float:
        """What the chat does before its first question: `warm_up`, and the embedder's first encode
        (it initialises torch's kernels, ~0.5 s). Returns seconds."""
        start = time.perf_counter()
        self.embedder.encode(["warm-up"])
        self.warm_up()
        self.warm_readings()
        self.prepare_copy()
        self.warm_readings(glossed=True)
        return time.perf_counter() - start

    def warm_readings(self, glossed: bool = False) -> int:
        """With the whole corpus in context: the KV states of the yes/no readings' prompts up to each
        paragraph, saved on disk once per corpus and loaded from there after (`support.reading_prefixes`).
        `glossed`: the judge's readings with the English copy, once it is complete. Returns how many."""
        corpus = self.context_passages()
        llm = self.llm()
        if not corpus or not hasattr(llm, "warm") or not self.settings.prefix_cache:
            return 0
        mirror = self._mirror(self.store) if glossed else None
        prefixes = reading_prefixes(corpus, mirror.paragraphs if mirror is not None else [], glossed)
        for prefix in prefixes:
            self.gate.wait()  # the chat warms up in the background: questions go first
            llm.warm(prefix, gate=self.gate)
        return len(prefixes)

    def _copy_cache(self, store: Store) -> CopyCache | None:
        """The cache of the corpus's English copy, when English questions would search one."""
        if (not self.settings.corpus_copy or not copy_wanted(store.lang, COPY_LANG)
                or self.context_passages(store) is None):
            return None
        return CopyCache(self.settings.home / "copies", self._llm_key(), store.lang)

    def prepare_copy(self, store: Store | None = None, progress: Callable[[int, int], None] | None = None) -> int:
        """Translate the paragraphs the corpus's English copy lacks (`corpus_copy`; ~4 s each here,
        once per paragraph text) and make the copy searchable. Returns how many were translated."""
        store = store or self.store
        cache = self._copy_cache(store)
        if cache is None:
            return 0
        todo = len(cache.missing(store.paragraphs))
        if todo and self.log:
            self.log(f"translating {plural(todo, 'paragraph')} into English once, for English questions (~4 s each here)")
        done = translate_missing(self.llm(), cache, store.paragraphs, progress, gate=self.gate)
        self._copy = (store, mirror_store(store, cache, self.embedder))
        return done

    def _mirror(self, store: Store) -> Store | None:
        """The English copy of `store` to search, or None (not wanted, or not complete yet)."""
        cached = self._copy
        if cached is not None and cached[0] is store:
            return cached[1]
        cache = self._copy_cache(store)
        mirror = mirror_store(store, cache, self.embedder) if cache is not None else None
        if mirror is not None:  # an incomplete copy is not remembered: `prepare_copy` may finish it meanwhile
            self._copy = (store, mirror)
        return mirror

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = load_index(self.settings.index_dir, self._embed_id())
        return self._store

    def _embed_id(self) -> str:
        if self._embedder is not None:
            return self._embedder.model_id
        from .models import embed_location

        return embed_location(self.settings)[0]

    def ensure_index(self, progress: bool = True) -> BuildReport:
        """Build or update the index for the seeds folder, then use it (chats keep the old one until then).
        An up-to-date index in a folder this process may not write is used as it is. A failed build
        keeps the old index answering, unless the folder has no document left (`seeds_empty`)."""
        try:
            store, report = build_index(self.settings, self._embedder, progress, self.log, read_only_ok=True)
        except RagError as exc:
            self.index_problem, self.seeds_empty = str(exc), isinstance(exc, NoDocuments)
            raise
        self._store = store
        self.skipped = list(report.skipped)
        self.index_problem, self.seeds_empty = None, False
        return report

    def refresh(self) -> bool:
        """Switch to the index another process (`rag index`, `rag index --watch`) published since
        this one was loaded; True when it switched. A newer index that cannot be loaded is
        reported (once) and the one in use is kept: nothing answers from a half-written index, nor
        from one built for another seeds folder (two commands given the same --index)."""
        if self._store is None:
            return False
        name = "?"  # what failed: a damaged pointer, or the generation it names
        try:
            gen = current_generation(self.settings.index_dir)
            if gen is None or gen.name in (self._store.generation, self._unusable):
                return False
            name = gen.name
            store = load_index(self.settings.index_dir, self._embed_id())
            seeds = str(self.settings.seeds.resolve())
            if store.manifest.get("seeds", seeds) != seeds:
                raise RagError(f"it was built for {store.manifest['seeds']}, not {seeds}; give each seeds folder "
                               "its own --index")
        except RagError as exc:
            if name != self._unusable and self.log:
                self.log(f"a newer index was published but cannot be used ({exc}); answering from the one loaded before")
            self._unusable = name
            return False
        self._store = store
        if self.seeds_empty:  # documents put back, and indexed by another process
            self.index_problem, self.seeds_empty = None, False
        return True

    # ------------------------------------------------------------ retrieval

    def retrieve(self, question: str, history: Sequence[str] = (), k: int | None = None,
                 mode: str = "hybrid", store: Store | None = None) -> Retrieval:
        """Hybrid search with the question's variants (translation, follow-up context)."""
        q = clean_question(question, self.settings.max_question_chars)
        store = store or self.store
        lang = detect_language(q)
        history = list(history)[-self.settings.max_history:]
        searched = with_countries(q, lang)  # "Moskow" searched as "Moskow Russia Rusia" too (`capitals`)
        queries = [Query(searched, FOLLOWUP_WEIGHT if history and leans_on_history(q, lang) else 1.0, "q", lang)]
        t0 = time.perf_counter()
        within = None
        if history and queries[0].weight < 1.0:  # a follow-up that names almost nothing itself weighs less
            within = earlier_document(store, history[-1], self.answered,  # itself with its own history
                                      lambda earlier: self.retrieve(earlier, history[:-1], 1, store=store).hits)
        # rewrites only add query variants: if one fails (e.g. a question too long for the LLM's
        # context), retrieval goes on with the question as asked
        mirror = self._mirror(store) if copy_wanted(store.lang, lang) else None
        if mirror is not None:
            queries[0] = Query(searched, queries[0].weight, COPY_QUERY, COPY_LANG)  # searched as asked: no translation
        elif self.settings.translate and lang != store.lang:
            translated = self._rewrite(self.rewriter.translate, q, store.lang)
            if translated and translated.strip().lower() != q.lower():
                queries.append(Query(translated, 1.0, "translated"))
                # a follow-up ("Why?") needs its referent in the corpus language too; the earlier
                # question was translated on its own turn, so this is usually a cache hit
                earlier = self._rewrite(self.rewriter.translate, history[-1], store.lang) if history else None
                if earlier:
                    queries.append(Query(f"{earlier} {translated}", 1.0, "history-translated"))
        for other in translations_wanted(store, q, lang, within) if self.settings.translate else ():
            translated = self._rewrite(self.rewriter.translate, q, other)  # for the documents in `other`
            if translated and translated.strip().lower() != q.lower():
                queries.append(Query(translated, 1.0, f"translated-{other}", other, only=True))
        queries += self._rewrite(self.rewriter.condense, q, history) or []
        t1 = time.perf_counter()
        k = k or self.settings.k or RETRIEVAL_K
        if mirror is None:
            hits = Retriever(store, self.embedder).search(queries, k, mode, within)
        else:  # the same paragraph numbers; the model reads (and answers cite) the source text
            copy = Retriever(mirror, self.embedder)
            found = search_copy(copy, queries, k, within) if mode == "hybrid" else copy.search(queries, k, mode, within)
            hits = [replace(h, text=store.paragraphs[store.row(h.doc, h.paragraph)].text, gloss=h.text)
                    for h in found]
        return Retrieval(hits, queries, lang, time.perf_counter() - t1, t1 - t0)

    def _rewrite(self, fn: Callable, *args):
        try:
            return fn(*args)
        except (ValueError, RuntimeError) as exc:  # llama.cpp: prompt over n_ctx, decode failure
            if self.log:
                self.log(f"query rewrite skipped ({type(exc).__name__}: {exc})")
            return None

    # ------------------------------------------------------------ answers

    def ask_stream(self, question: str, history: Sequence[str] = (), k: int | None = None) -> Iterator[Event]:
        """Retrieve, then stream the answer: Token / Reset events, finally the Answer."""
        with self.gate.question():
            yield from self._ask_stream(question, history, k)

    def _ask_stream(self, question: str, history: Sequence[str], k: int | None) -> Iterator[Event]:
        start = time.perf_counter()
        hist = clean_history(history)[-self.settings.max_history:]
        q = with_event(clean_question(question, self.settings.max_question_chars, follows=bool(hist)), hist)
        self.refresh()
        if self.seeds_empty:  # every document deleted: the old index must not answer for them
            raise NoDocuments(NO_DOCUMENTS.format(self.settings.seeds))
        store = self.store  # one index for the whole answer, even if a newer one is switched to meanwhile
        number = asks_paragraph(q, store.documents)
        if number is not None or asks_overview(q, store.documents):
            yield from self._document_events(q, hist, store, start, number)
            return
        parts = split_question(q) if self.settings.split_questions else None
        if not parts:
            yield from self._answer_events(q, hist, k, store, start)
            return
        lang = detect_language(q)  # the whole question's: a short part may read as the other language
        events = ask_parts(q, parts, hist,
                           lambda part, h: self._answer_events(part, h, k, store, time.perf_counter(), lang))
        try:
            for event in events:
                if isinstance(event, Answer):
                    event.timings["total_s"] = time.perf_counter() - start
                yield event
        finally:
            events.close()

    def _answer_events(self, q: str, hist: list[str], k: int | None, store: Store, start: float,
                       lang: str | None = None) -> Iterator[Event]:
        """One question's events: retrieve, generate, the middling-answer check; timings from `start`.
        `lang`: the answer's language when not the question's own (a part of a longer question)."""
        hist = hist[-self.settings.max_history:]
        corpus = self.question_context(q, store, lang)
        r = self.retrieve(q, hist, k or self.default_k(store, corpus is not None), store=store)
        lang = lang or r.lang
        lang = lang if lang != OTHER else "en"
        passages = corpus or r.hits
        if corpus is None and k is None and self.settings.k is None:
            passages = focus(r.hits)  # k chosen here: up to K_RETRIEVED, fewer when BM25 shows a clear best
        gen_start = time.perf_counter()
        answer = partial(generate, self.llm(), q, passages, lang, self.settings.max_tokens, hist[-2:], r.hits,
                         fixed_passages=corpus is not None, check=self.settings.support_check,
                         min_support=self.min_support(self.context_passages(store) is not None),
                         hint_texts=HINT_TEXTS_OTHER_LANGUAGE if _other_language(r.queries) else HINT_TEXTS)
        events = answer()
        if corpus is not None and self.settings.support_check:  # a middling answer is asked for again
            events = confirm_middling(self.llm(), events, r.hits, self.settings.max_tokens, hist[-2:])
        elif self.settings.support_check:  # a withdrawn answer asked again, pointed; a middling one judged
            events = quote_middling(self.llm(), ask_again_pointed(events, partial(answer, pointed=True)))
        try:
            for event in events:
                if isinstance(event, Answer):
                    self.answered.note(q, [c.doc for c in event.citations])
                    event.timings["ttft_s"] = gen_start - start + event.timings.get("ttft_s", 0.0)
                    event.timings.update({
                        "retrieval_s": r.seconds, "rewrite_s": r.rewrite_seconds,
                        "queries": [q_.text for q_ in r.queries], "total_s": time.perf_counter() - start,
                    })
                yield event
        finally:
            events.close()  # a client that stops reading must not keep the LLM lock held

    def _document_events(self, q: str, hist: list[str], store: Store, start: float,
                         number: int | None) -> Iterator[Event]:
        """A question about a document, not a fact in it: its overview or its paragraph n (`overview`, `by_number`)."""
        pinned = hist and earlier_document(store, hist[-1], self.answered, lambda e: self.retrieve(e, (), 1).hits)
        lang = question_language(q, store.lang)
        copy = self._mirror(store) if copy_wanted(store.lang, lang) else None  # beside ¶n, or the overview's
        paragraphs = [Hit(p.doc, p.number, p.text, 0.0, gloss=c.text if copy else None)
                      for p, c in zip(store.paragraphs, copy.paragraphs if copy else store.paragraphs)]
        if number is not None:
            events = paragraph_asked(q, number, paragraphs, pinned or None, lang)
        else:
            lead = overview_lead(paragraphs, q, pinned or None)
            doc_lang = store.doc_langs.get(lead[0].doc, store.lang) if lead else store.lang
            llm = self.llm() if lead and lang != doc_lang else None  # the source's own sentences need no model
            events = overview(llm, q, lead, lang, doc_lang, self.settings.max_tokens, len(store.documents),
                              MIN_YES_CORPUS if self.settings.support_check else None)
        for event in events:
            if isinstance(event, Answer):
                self.answered.note(q, [c.doc for c in event.citations])
                event.timings.update({"retrieval_s": 0.0, "total_s": time.perf_counter() - start})
            yield event

    def ask(self, question: str, history: Sequence[str] = (), k: int | None = None) -> Answer:
        """The finished answer of `ask_stream`."""
        return [event for event in self.ask_stream(question, history, k) if isinstance(event, Answer)][-1]
