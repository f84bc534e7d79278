"""BM25 over paragraphs (bm25s), saved as plain JSON + numpy files beside FAISS."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .language import tokenize

TOKENIZER_VERSION = 3  # bump when tokenize() changes: the BM25 part is then rebuilt


class LexicalIndex:
    """A BM25 index whose document ids are row numbers of the store's paragraph table."""

    def __init__(self, bm25, lang: str):
        self.bm25 = bm25
        self.lang = lang

    @classmethod
    def build(cls, texts: list[str], lang: str) -> "LexicalIndex":
        import bm25s

        bm25 = bm25s.BM25()  # Lucene variant, k1=1.5, b=0.75
        # an empty token list would break bm25s; "" never matches a real query token
        bm25.index([tokenize(t, lang) or [""] for t in texts], show_progress=False)
        return cls(bm25, lang)

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder), show_progress=False, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, lang: str) -> "LexicalIndex":
        import bm25s

        bm25 = bm25s.BM25.load(str(folder), allow_pickle=False, show_progress=False, verbosity=0)
        return cls(bm25, lang)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every paragraph for `query` (zeros when no token is known)."""
        n = int(self.bm25.scores["num_docs"])
        ids = self.bm25.get_tokens_ids(tokenize(query, self.lang))
        if not ids:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)
