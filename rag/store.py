"""The on-disk index: FAISS vectors + BM25 + paragraph table + manifest, as plain files.

Layout of an index folder:

    CURRENT                 name of the live generation (replaced atomically)
    gen-<time>-<id>/        one complete, immutable build
        manifest.json       build info, embedding model, per-document hashes, file hashes
        paragraphs.jsonl    doc, paragraph number, text, hash (row i = FAISS id i)
        vectors.faiss       normalized embeddings (inner product = cosine)
        bm25/               bm25s files (JSON + .npy, no pickle)
        bm25/window/        the same over paragraph windows (a paragraph and its neighbours)
        units.npy           only when a paragraph is long: (row, first word, end word) of each
                            part (`parts`); vectors and bm25/ then hold parts, not paragraphs

A build writes a new generation beside the old one and only then points CURRENT at it,
so a crash, Ctrl-C or a full disk at any moment leaves the previous index loadable.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

import numpy as np

from .atomic import temp_pattern, write_text_atomic
from .documents import Paragraph
from .errors import IndexCorrupt, IndexMissing, ModelMismatch, RagError, plural
from .language import document_languages, match_keys
from .lexical import LexicalIndex
from .parts import part_text

FORMAT = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
PARAGRAPHS = "paragraphs.jsonl"
VECTORS = "vectors.faiss"
BM25_DIR = "bm25"
UNITS = "units.npy"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _rebuild_hint(index_dir: Path) -> str:
    return f"run `rag index --index {index_dir}` to rebuild it"


@dataclass
class Store:
    """A loaded (or freshly built) index generation."""

    manifest: dict[str, Any]
    paragraphs: list[Paragraph]
    vectors: Any  # faiss.IndexFlatIP
    lexical: LexicalIndex
    generation: str = ""  # the folder name it was loaded from or published as ("" until then)
    units: Any = None  # (row, start, end) per part when long paragraphs are split (`parts`); None: one per row

    def __post_init__(self) -> None:
        self._by_key = {(p.doc, p.number): i for i, p in enumerate(self.paragraphs)}
        langs = self.manifest.get("doc_langs")  # detected here for an index built before it was stored
        self.doc_langs: dict[str, str] = langs if isinstance(langs, dict) else document_languages(
            ((p.doc, p.text) for p in self.paragraphs), self.lang)
        rows = np.array([self.doc_langs.get(p.doc, self.lang) for p in self.paragraphs])
        # each paragraph's language (its document's); None when every one is the corpus's
        self.row_langs: np.ndarray | None = None if (rows == self.lang).all() else rows
        self._vocab: dict[str, set[str]] = {}

    @property
    def embed_model(self) -> str:
        return self.manifest["embedding"]["model"]

    @property
    def lang(self) -> str:
        return self.manifest.get("corpus_lang", "id")

    @property
    def languages(self) -> set[str]:
        """The languages of the documents (the corpus's for an empty one)."""
        return set(self.doc_langs.values()) or {self.lang}

    def vocabulary(self, lang: str) -> set[str]:
        """The match keys (`language.match_keys`) of the documents in `lang`."""
        if lang not in self._vocab:
            langs = self.doc_langs
            self._vocab[lang] = set().union(*(match_keys(p.text, lang) for p in self.paragraphs
                                              if langs.get(p.doc, self.lang) == lang))
        return self._vocab[lang]

    @property
    def documents(self) -> dict[str, dict]:
        return self.manifest["documents"]

    def row(self, doc: str, number: int) -> int | None:
        """Row of paragraph `number` of `doc`, or None when there is no such paragraph."""
        return self._by_key.get((doc, number))

    @property
    def unit_rows(self) -> np.ndarray:
        """The paragraph row of each searched unit (vector i, BM25 document i)."""
        return np.arange(len(self.paragraphs)) if self.units is None else self.units[:, 0]

    def unit_text(self, unit: int) -> str:
        """The text of unit `unit`: its paragraph's, or the part's (with "…" where it was cut)."""
        if self.units is None:
            return self.paragraphs[unit].text
        row, start, end = (int(x) for x in self.units[unit])
        return part_text(self.paragraphs[row].text, start, end)

    def embeddings(self) -> np.ndarray:
        """All stored vectors (vector i = unit i), reused by incremental builds."""
        n = self.vectors.ntotal
        return self.vectors.reconstruct_n(0, n) if n else np.zeros((0, self.vectors.d), np.float32)

    # ------------------------------------------------------------ save / load

    def save(self, folder: Path) -> None:
        """Write every file into `folder` (which must not exist), manifest last, all fsynced."""
        import faiss

        folder.mkdir(parents=True)
        with open(folder / PARAGRAPHS, "w", encoding="utf-8") as f:
            for p in self.paragraphs:
                f.write(json.dumps({"doc": p.doc, "n": p.number, "text": p.text, "hash": p.hash}, ensure_ascii=False) + "\n")
        faiss.write_index(self.vectors, str(folder / VECTORS))
        if self.units is not None:
            np.save(folder / UNITS, np.asarray(self.units, dtype=np.int64), allow_pickle=False)
        self.lexical.save(folder / BM25_DIR)
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        self.manifest["files"] = {p.relative_to(folder).as_posix(): _sha256(p) for p in files}
        (folder / MANIFEST).write_text(json.dumps(self.manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        for p in [*files, folder / MANIFEST]:
            _fsync(p)
        for d in {p.parent for p in files} | {folder}:
            _fsync(d)

    @classmethod
    def load(cls, folder: Path, embed_model: str | None = None) -> "Store":
        """Load and validate one generation; refuse one built with another embedding model."""
        import faiss

        hint = _rebuild_hint(folder.parent)
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
                raise IndexCorrupt(f"index at {folder.parent} has a damaged manifest; {hint}")
            if manifest.get("format") != FORMAT:
                raise IndexCorrupt(f"index at {folder.parent} has format {manifest.get('format')}, expected {FORMAT}; {hint}")
            _check_files(folder, manifest["files"], hint)
            if embed_model is not None and manifest["embedding"]["model"] != embed_model:
                raise ModelMismatch(
                    f"index at {folder.parent} was built with embedding model {manifest['embedding']['model']}, "
                    f"not {embed_model}; run `rag index` to rebuild it for this model")
            paragraphs = []
            with open(folder / PARAGRAPHS, encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    paragraphs.append(Paragraph(str(r["doc"]), int(r["n"]), str(r["text"]), str(r["hash"])))
            _check_contents(manifest, paragraphs, f"index at {folder.parent} is inconsistent; {hint}")
            vectors = faiss.read_index(str(folder / VECTORS))
            lexical = LexicalIndex.load(folder / BM25_DIR, manifest.get("corpus_lang", "id"))
            units = np.load(folder / UNITS, allow_pickle=False) if UNITS in manifest["files"] else None
        except RagError:
            raise
        except FileNotFoundError as exc:
            raise IndexCorrupt(f"index at {folder.parent} is incomplete ({Path(exc.filename or '?').name} missing); {hint}") from None
        except Exception as exc:  # noqa: BLE001 - any parser error (EOFError from numpy, faiss RuntimeError...)
            raise IndexCorrupt(f"index at {folder.parent} cannot be read ({type(exc).__name__}); {hint}") from None
        n = len(paragraphs)
        n_units = n if units is None else len(units)
        if (vectors.ntotal != n_units or manifest.get("n_paragraphs") != n or vectors.d != manifest["embedding"]["dim"]
                or not _units_ok(units, paragraphs)):
            raise IndexCorrupt(f"index at {folder.parent} is inconsistent ({plural(vectors.ntotal, 'vector')}, "
                                f"{plural(n, 'paragraph')}); {hint}")
        return cls(manifest, paragraphs, vectors, lexical, folder.name, units)


def _units_ok(units: np.ndarray | None, paragraphs: list[Paragraph]) -> bool:
    """A parts table covering every paragraph in order, within its words."""
    if units is None:
        return True
    if units.ndim != 2 or units.shape[1] != 3 or not len(units):
        return False
    rows = units[:, 0]
    if rows[0] != 0 or rows[-1] != len(paragraphs) - 1 or np.any(np.diff(rows) < 0) or np.any(np.diff(rows) > 1):
        return False
    words = np.asarray([len(p.text.split()) for p in paragraphs])
    return bool(np.all(units[:, 1] >= 0) and np.all(units[:, 1] < units[:, 2]) and np.all(units[:, 2] <= words[rows]))


def _check_files(folder: Path, files: dict, hint: str) -> None:
    """The generation holds exactly the files its manifest lists, each with its recorded SHA-256.

    Listed names must be plain relative paths inside the folder ("../x", "/etc/x" are refused
    before anything is opened). Detects damage and stray edits; it is not a signature: whoever
    can write the index folder can also rewrite the manifest."""
    required = {PARAGRAPHS, VECTORS}
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
    for name, digest in files.items():
        parts = name.split("/") if isinstance(name, str) else [""]
        if (any(p in ("", ".", "..") for p in parts) or "\\" in name or "\x00" in name or name == MANIFEST
                or not isinstance(digest, str)):
            raise IndexCorrupt(f"index manifest of {folder.name} lists an invalid file name {name!r}; {hint}")
    missing = sorted(required - set(files))
    unlisted = sorted(present - set(files) - {MANIFEST})
    if missing or unlisted:
        raise IndexCorrupt(f"index folder {folder.name} does not match its manifest "
                           f"({'unlisted: ' + ', '.join(unlisted) if unlisted else 'not listed: ' + ', '.join(missing)}); {hint}")
    for name, digest in files.items():
        path = folder / name
        if path.is_symlink() or _sha256(path) != digest:
            raise IndexCorrupt(f"index file {folder.name}/{name} is damaged; {hint}")


def _check_contents(manifest: dict, paragraphs: list[Paragraph], message: str) -> None:
    """The manifest fields later code relies on exist, and the paragraph table matches its documents:
    every paragraph belongs to a listed document, numbered 1..n as the manifest says."""
    emb = manifest["embedding"]
    docs = manifest["documents"]
    if not (isinstance(emb, dict) and isinstance(emb["model"], str) and isinstance(emb["dim"], int)
            and isinstance(docs, dict) and isinstance(manifest["n_paragraphs"], int)
            and all(isinstance(v, dict) and isinstance(v["sha256"], str) and isinstance(v["paragraphs"], int)
                    for v in docs.values())):
        raise IndexCorrupt(message)
    seen: dict[str, int] = {}
    for p in paragraphs:
        if p.doc not in docs or p.number != seen.get(p.doc, 0) + 1:
            raise IndexCorrupt(message)
        seen[p.doc] = p.number
    if any(seen.get(name, 0) != info["paragraphs"] for name, info in docs.items()):
        raise IndexCorrupt(message)


# ---------------------------------------------------------------- index folder


def current_generation(index_dir: Path) -> Path | None:
    """The live generation folder, or None when nothing was ever published."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorrupt(f"cannot read {index_dir / CURRENT} ({exc.strerror}); {_rebuild_hint(index_dir)}") from None
    except ValueError:  # not UTF-8
        raise IndexCorrupt(f"{index_dir / CURRENT} is damaged; {_rebuild_hint(index_dir)}") from None
    if not name.startswith("gen-") or "/" in name or not (index_dir / name).is_dir():
        raise IndexCorrupt(f"index at {index_dir} points at a missing build ({name!r}); {_rebuild_hint(index_dir)}")
    return index_dir / name


def load_index(index_dir: Path, embed_model: str | None = None) -> Store:
    """Load the live index of `index_dir` (validated); IndexMissing when there is none."""
    for attempt in range(2):  # a concurrent build may delete the generation we just found
        gen = current_generation(index_dir)
        if gen is None:
            raise IndexMissing(f"no index at {index_dir}; run `rag index` first")
        try:
            return Store.load(gen, embed_model)
        except IndexCorrupt:
            if attempt == 0 and current_generation(index_dir) != gen:
                continue
            raise
    raise AssertionError("unreachable")


_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def _open_lock(path: Path) -> IO[str]:
    """The lock file of an index folder, opened for writing (creating it)."""
    return open(path, "w")


def _flock(f: IO[str], mode: int, waiting: str) -> None:
    """Take `mode` on `f`, saying `waiting` on stderr first when another process holds it."""
    try:
        fcntl.flock(f, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        print(waiting, file=sys.stderr)
        fcntl.flock(f, mode)


@contextmanager
def _shared_lock(path: Path) -> Iterator[None]:
    """A shared lock on an existing lock file opened read-only (a build in progress finishes first);
    no lock at all when it cannot be opened."""
    try:
        f = open(path)
    except OSError:
        yield
        return
    with f:
        _flock(f, fcntl.LOCK_SH, f"waiting for the `rag index` running on {path.parent}...")
        yield


@contextmanager
def build_lock(index_dir: Path, read_only_ok: bool = False) -> Iterator[bool]:
    """Serialize builds of one index folder across processes; yields True (the folder is writable).

    With `read_only_ok`, a folder this process may not write is still read: it yields False, under
    a shared lock when the lock file can be read, else under none. Reading needs no lock: a
    generation is complete and fsynced before CURRENT names it, CURRENT is replaced atomically,
    and `load_index` retries when a build removes the generation it found."""
    f: IO[str] | None
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(index_dir, os.W_OK | os.X_OK):  # a writable .lock in it is not enough to publish
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(index_dir))
        f = _open_lock(index_dir / ".lock")
    except OSError as exc:
        if exc.errno not in _NOT_WRITABLE:
            why = "it is a file, not a folder" if index_dir.exists() and not index_dir.is_dir() else exc.strerror or exc
            raise RagError(f"cannot use {index_dir} as the index folder ({why}); "
                           "pass --index DIR pointing at a writable folder") from None
        if not (read_only_ok and index_dir.is_dir()):
            raise RagError(f"index folder {index_dir} is not writable ({exc.strerror or exc}); make it writable, "
                           "or pass --index DIR pointing at a writable folder") from None
        f = None
    if f is None:
        with _shared_lock(index_dir / ".lock"):
            yield False
        return
    with f:
        _flock(f, fcntl.LOCK_EX, f"waiting for another `rag index` on {index_dir}...")
        yield True


def publish(index_dir: Path, store: Store) -> Path:
    """Write `store` as a new generation and atomically make it the live one.

    Call with `build_lock` held. On any failure the previous generation stays live."""
    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:12]}"
    try:
        store.save(tmp)
        gen = index_dir / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        os.rename(tmp, gen)
        write_text_atomic(index_dir / CURRENT, gen.name + "\n")
        _fsync(index_dir)
        store.generation = gen.name
    except (OSError, RuntimeError) as exc:  # faiss reports a failed write as RuntimeError
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            reason = "disk full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (exc.strerror or str(exc))
        else:
            reason = "disk full" if "No space left" in str(exc) else "write error"
        raise RagError(f"could not write the index to {index_dir} ({reason}); the previous index is unchanged; fix that and run `rag index` again") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    cleanup(index_dir)
    return gen


def cleanup(index_dir: Path) -> None:
    """Remove generations that are not live and leftovers of interrupted builds (call with
    `build_lock` held)."""
    live = current_generation(index_dir)
    for child in index_dir.iterdir():
        if child.is_dir() and child != live and (child.name.startswith("gen-") or child.name.startswith(".tmp-")):
            shutil.rmtree(child, ignore_errors=True)
    for pointer in index_dir.glob(temp_pattern(index_dir / CURRENT)):  # one a killed build never switched to
        pointer.unlink(missing_ok=True)
