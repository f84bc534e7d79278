"""BM25 over paragraphs (bm25s), saved as plain JSON + numpy files beside FAISS.

Two BM25 indexes share one vocabulary of stemmed tokens: one over each paragraph alone, and
one over each paragraph's window (the paragraph with its neighbours in the same document).
The window catches questions whose words are split over adjacent paragraphs, e.g. a name
introduced in one paragraph and the fact stated in the next."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .language import tokenize

TOKENIZER_VERSION = 4  # bump when tokenize() or the indexed texts change: the BM25 part is then rebuilt
WINDOW_DIR = "window"  # sub-folder of the BM25 folder holding the window index


def _bm25(corpus: list[list[str]]):
    import bm25s

    bm25 = bm25s.BM25()  # Lucene variant, k1=1.5, b=0.75
    # an empty token list would break bm25s; "" never matches a real query token
    bm25.index([tokens or [""] for tokens in corpus], show_progress=False)
    return bm25


def windows(tokens: Sequence[list[str]], groups: Sequence[str]) -> list[list[str]]:
    """Each row's tokens joined with those of the rows before and after it in the same group."""
    out = []
    for i, own in enumerate(tokens):
        before = tokens[i - 1] if i > 0 and groups[i - 1] == groups[i] else []
        after = tokens[i + 1] if i + 1 < len(tokens) and groups[i + 1] == groups[i] else []
        out.append([*before, *own, *after])
    return out


def _scores(bm25, tokens: list[str]) -> np.ndarray:
    ids = bm25.get_tokens_ids(tokens)
    if not ids:
        return np.zeros(int(bm25.scores["num_docs"]), dtype=np.float32)
    return np.asarray(bm25.get_scores_from_ids(ids), dtype=np.float32)


class LexicalIndex:
    """BM25 indexes: over the store's units (its paragraphs, or their parts when some are long:
    `parts`), and over paragraph windows (document ids are paragraph rows)."""

    def __init__(self, bm25, lang: str, window=None):
        self.bm25 = bm25
        self.lang = lang
        self.window = window  # None in an index built before windows existed

    @classmethod
    def build(cls, texts: list[str], lang: str, groups: Sequence[str] | None = None,
              parts: Sequence[str] | None = None) -> "LexicalIndex":
        """Index `texts` (paragraphs; or `parts`, their units, when given); `groups` (e.g. document
        names) decide which paragraphs are neighbours in the window index."""
        tokens = [tokenize(t, lang) for t in texts]
        groups = list(groups) if groups is not None else [""] * len(texts)
        unit_tokens = tokens if parts is None else [tokenize(t, lang) for t in parts]
        return cls(_bm25(unit_tokens), lang, _bm25(windows(tokens, groups)))

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder), show_progress=False, allow_pickle=False)
        if self.window is not None:
            self.window.save(str(folder / WINDOW_DIR), show_progress=False, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, lang: str) -> "LexicalIndex":
        import bm25s

        def load(path: Path):
            return bm25s.BM25.load(str(path), allow_pickle=False, show_progress=False, verbosity=0)

        window = load(folder / WINDOW_DIR) if (folder / WINDOW_DIR).is_dir() else None
        return cls(load(folder), lang, window)

    def scores_and_windows(self, query: str, with_windows: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """(BM25 score of every unit, of every paragraph's window) for `query`, tokenized
        once (zeros when no token is known); the window scores are None when not asked for or
        without a window index."""
        tokens = tokenize(query, self.lang)
        window = _scores(self.window, tokens) if with_windows and self.window is not None else None
        return _scores(self.bm25, tokens), window
