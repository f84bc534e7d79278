"""Incremental index builds: diff the seeds folder against the live index, embed only what changed."""
from __future__ import annotations

import platform
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

import numpy as np

from .documents import SPLIT_VERSION, Document, Paragraph, Skipped, read_seeds, text_hash
from .errors import IndexCorrupt, IndexMissing, RagError, bug_line, plural
from .language import ID, detect_language, document_languages
from .lexical import TOKENIZER_VERSION, LexicalIndex
from .models import Embedder, embed_location, get_embedder
from .parts import PARTS_VERSION, part_text, units
from .settings import Settings
from .store import FORMAT, Store, build_lock, cleanup, load_index, publish


@dataclass
class BuildReport:
    """What a build did, for the CLI, the UI and the benchmark."""

    up_to_date: bool
    n_documents: int
    n_paragraphs: int
    embedded: int = 0  # paragraphs (or parts of long ones: `parts`) sent to the embedding model
    reused: int = 0  # vectors taken over from the previous index
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    encode_seconds: float = 0.0
    n_units: int = 0  # paragraphs and parts searched (more than n_paragraphs when some are long)

    def summary(self) -> str:
        counts = f"{plural(self.n_documents, 'document')}, {plural(self.n_paragraphs, 'paragraph')}"
        if self.up_to_date:
            return f"index up to date ({counts})"
        parts = [f"+{len(self.added)}" if self.added else "", f"~{len(self.changed)}" if self.changed else "",
                 f"-{len(self.removed)}" if self.removed else ""]
        docs = " ".join(p for p in parts if p)
        n_docs = len(self.added) + len(self.changed) + len(self.removed) if docs else self.n_documents
        split = self.n_units > self.n_paragraphs
        return (f"indexed {counts}"
                + (f", searched as {plural(self.n_units, 'part')} (long paragraphs split)" if split else "")
                + f" ({docs or 'rebuilt'} {'document' if n_docs == 1 else 'documents'};"
                f" {plural(self.embedded, 'text' if split else 'paragraph')} embedded,"
                f" {self.reused} reused) in {self.seconds:.1f}s")


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("rag", "sentence-transformers", "torch", "faiss-cpu", "bm25s", "PyStemmer", "llama-cpp-python"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            pass
    return out


def corpus_language(paragraphs: list[Paragraph]) -> str:
    """The dominant language of a corpus, from a sample of its paragraphs."""
    sample = " ".join(p.text for p in paragraphs[:200])[:20000]
    lang = detect_language(sample)
    return lang if lang in ("id", "en") else ID


def build_index(settings: Settings, embedder: Embedder | None = None, progress: bool = True,
                log: Callable[[str], None] | None = None, read_only_ok: bool = False) -> tuple[Store, BuildReport]:
    """Bring the index of `settings.seeds` up to date; returns the live index and what was done.

    `embedder` defaults to the configured model, loaded only when something needs embedding.
    With `read_only_ok` (answering, not `rag index`), an up-to-date index in a folder this process
    may not write is used as it is; one that would need a build is a one-line error."""
    log = log or (lambda msg: print(msg, file=sys.stderr))
    start = time.perf_counter()
    docs, skipped = read_seeds(settings.seeds, settings.max_file_bytes)
    for s in skipped:
        log(str(s))
    index_dir = settings.index_dir
    model_id = embedder.model_id if embedder is not None else embed_location(settings)[0]

    with build_lock(index_dir, read_only_ok) as writable:
        notes: list[str] = []
        stale = ""  # why it needs a build, when it does
        try:
            old: Store | None = load_index(index_dir)
        except IndexMissing:
            old, stale = None, "there is none yet"
        except IndexCorrupt as exc:
            old, stale = None, "it is damaged"
            reason = str(exc).split("; run `rag index", 1)[0]  # its hint is what is happening now
            notes.append(f"previous index unusable ({reason}); rebuilding from scratch")
        if old is not None and old.embed_model != model_id:
            notes.append(f"embedding model changed ({old.embed_model} -> {model_id}); full rebuild")
            old, stale = None, "it was built with another embedding model"
        new_docs = {d.name: d.sha256 for d in docs}
        old_docs = {name: info["sha256"] for name, info in old.documents.items()} if old else {}
        if not writable and not _is_current(old, old_docs, new_docs):
            if old is not None:
                same = old_docs == new_docs
                stale = "it was built by another version of rag" if same else "the documents changed since it was built"
            raise RagError(f"the index at {index_dir} needs a build ({stale}) but the folder is not writable; "
                           "make it writable and run `rag index`, or pass --index DIR pointing at a writable folder")
        for note in notes:
            log(note)

        report = BuildReport(
            up_to_date=False, n_documents=len(docs), n_paragraphs=sum(len(d.paragraphs) for d in docs),
            added=sorted(set(new_docs) - set(old_docs)), removed=sorted(set(old_docs) - set(new_docs)),
            changed=sorted(n for n in new_docs if n in old_docs and old_docs[n] != new_docs[n]),
            skipped=skipped, notes=notes,
        )
        if _is_current(old, old_docs, new_docs):
            report.up_to_date = True
            if writable:
                cleanup(index_dir)  # what builds killed after publishing (or before) left behind
            report.seconds = time.perf_counter() - start
            return old, report

        paragraphs = [p for d in docs for p in d.paragraphs]
        cache: dict[str, np.ndarray] = {}
        if old is not None:
            cache = dict(zip(_unit_hashes(old.paragraphs, old.units), old.embeddings()))
        unit_table = units([p.text for p in paragraphs])
        unit_texts = _unit_texts(paragraphs, unit_table)
        hashes = _unit_hashes(paragraphs, unit_table, unit_texts)
        todo = list(dict.fromkeys(h for h in hashes if h not in cache))
        if todo:
            embedder = embedder or get_embedder(settings)
            texts = dict(zip(hashes, unit_texts))
            t0 = time.perf_counter()
            fresh = embedder.encode([texts[h] for h in todo], progress=progress and len(todo) > 64)
            report.encode_seconds = time.perf_counter() - t0
            cache.update(zip(todo, fresh))
        report.embedded = len(todo)
        report.reused = max(0, len(hashes) - len(todo))
        report.n_units = len(hashes)
        dim = old.vectors.d if old is not None else embedder.dim  # type: ignore[union-attr]
        store = _make_store(settings, docs, skipped, paragraphs, unit_table, unit_texts, [cache[h] for h in hashes],
                            model_id, dim)
        publish(index_dir, store)
    report.seconds = time.perf_counter() - start
    return store, report


def _is_current(old: Store | None, old_docs: dict[str, str], new_docs: dict[str, str]) -> bool:
    """True when `old` (whose documents are `old_docs`) indexes exactly `new_docs` (name -> SHA-256)
    the way this version would."""
    return (old is not None and old_docs == new_docs
            and old.manifest.get("tokenizer") == TOKENIZER_VERSION and old.manifest.get("splitter", 1) == SPLIT_VERSION
            and old.manifest.get("parts", 0) == PARTS_VERSION)


def _unit_texts(paragraphs: list[Paragraph], unit_table: np.ndarray | None) -> list[str]:
    """The text of each unit: each paragraph's, or each part's (`parts`)."""
    if unit_table is None:
        return [p.text for p in paragraphs]
    return [part_text(paragraphs[r].text, s, e) for r, s, e in unit_table.tolist()]


def _unit_hashes(paragraphs: list[Paragraph], unit_table: np.ndarray | None,
                 unit_texts: list[str] | None = None) -> list[str]:
    """The embedding cache keys of the units (`unit_texts`: their texts, when already made): a whole
    paragraph's own hash, a part's text hash."""
    if unit_table is None:
        return [p.hash for p in paragraphs]
    texts = unit_texts if unit_texts is not None else _unit_texts(paragraphs, unit_table)
    return [paragraphs[r].hash if (s, e) == (0, len(paragraphs[r].text.split())) else text_hash(t)
            for (r, s, e), t in zip(unit_table.tolist(), texts)]


def _make_store(settings: Settings, docs: list[Document], skipped: list[Skipped], paragraphs: list[Paragraph],
                unit_table: np.ndarray | None, unit_texts: list[str], unit_vectors: list[np.ndarray], model_id: str,
                dim: int) -> Store:
    import faiss

    matrix = np.zeros((len(unit_vectors), dim), np.float32)
    for i, v in enumerate(unit_vectors):
        matrix[i] = v
    vectors = faiss.IndexFlatIP(dim)
    vectors.add(matrix)
    lang = corpus_language(paragraphs)
    manifest = {
        "format": FORMAT,
        "embedding": {"model": model_id, "dim": dim, "normalized": True},
        "tokenizer": TOKENIZER_VERSION,
        "splitter": SPLIT_VERSION,
        "parts": PARTS_VERSION,
        "corpus_lang": lang,
        "doc_langs": document_languages(((p.doc, p.text) for p in paragraphs), lang),
        "seeds": str(settings.seeds.resolve()),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": _versions(),
        "n_paragraphs": len(paragraphs),
        "documents": {d.name: {"sha256": d.sha256, "paragraphs": len(d.paragraphs)} for d in docs},
        "skipped": [{"name": s.name, "reason": s.reason} for s in skipped],
    }
    lexical = LexicalIndex.build([p.text for p in paragraphs], lang, [p.doc for p in paragraphs],
                                 None if unit_table is None else unit_texts)
    return Store(manifest, paragraphs, vectors, lexical, units=unit_table)


def rebuild_on_changes(seeds: Path, rebuild: Callable[[], None], on_error: Callable[[RagError], None],
                       stop: threading.Event | None = None) -> None:
    """Call `rebuild` after each change in the `seeds` folder (a file added, edited or removed;
    800 ms debounce) until `stop` is set or Ctrl-C. A failed build, even by a bug, goes to
    `on_error`, and watching goes on: the previous index stays live. `rag index --watch` and the chat use it."""
    from watchfiles import watch

    for _changes in watch(seeds, debounce=800, stop_event=stop, raise_interrupt=False):
        try:
            rebuild()
        except RagError as exc:
            on_error(exc)
        except Exception as exc:  # noqa: BLE001 - a bug in one build must not end the watching
            on_error(RagError(bug_line(exc, " while indexing",
                                       "the previous index stays live, and the next change is tried again")))
