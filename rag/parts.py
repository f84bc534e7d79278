"""Long paragraphs are searched in parts, and the model reads the part that matched.

A paragraph is a line of its document, and a document without line breaks is one paragraph of
thousands of words. Searched whole, such a paragraph was never found for a fact near its end:
the embedder reads only its first 256 word pieces, BM25 divides its score by its length, and a
passage over the prompt's budget was cut from the end. So a paragraph longer than `PART_WORDS`
words is indexed as overlapping parts (dense vectors and BM25 per part). A paragraph's score is
that of its best part, and the passage shown to the model is that part, with "…" where it was
cut. Answers still cite the paragraph's number.

No paragraph of the seed article or of the 1,388 FacQA paragraphs is longer than 108 words, so
their indexes and rankings are the same as without parts."""
from __future__ import annotations

from typing import Sequence

import numpy as np

PARTS_VERSION = 1  # bump when the parts change: indexes are then rebuilt (vectors reused by text)
PART_WORDS = 120  # ~200 word pieces of Indonesian: within the embedder's 256
PART_STEP = 90  # consecutive parts share 30 words, so a sentence cut by one is whole in the next
ELLIPSIS = "…"


def spans(text: str) -> list[tuple[int, int]]:
    """Word spans [start, end) of the parts of `text`; one span (all of it) when it is short."""
    n = len(text.split())
    if n <= PART_WORDS:
        return [(0, n)]
    starts = list(range(0, n - PART_WORDS, PART_STEP)) + [n - PART_WORDS]
    return [(s, s + PART_WORDS) for s in starts]


def part_text(text: str, start: int, end: int) -> str:
    """Words [start, end) of `text`, with "…" where the paragraph goes on."""
    words = text.split()
    if start <= 0 and end >= len(words):
        return text
    return f"{ELLIPSIS + ' ' if start > 0 else ''}{' '.join(words[start:end])}{' ' + ELLIPSIS if end < len(words) else ''}"


def units(texts: Sequence[str]) -> np.ndarray | None:
    """(row, start, end) of every part of every text, in order; None when each text is one part."""
    rows = [(row, s, e) for row, t in enumerate(texts) for s, e in spans(t)]
    if len(rows) == len(texts):
        return None
    return np.asarray(rows, dtype=np.int64).reshape(-1, 3)


def best_per_row(scores: np.ndarray, unit_rows: np.ndarray, n_rows: int, fill: float) -> np.ndarray:
    """The best unit score of each row (`fill` for a row without units)."""
    out = np.full(n_rows, fill, dtype=np.float32)
    np.maximum.at(out, unit_rows, scores.astype(np.float32))
    return out
