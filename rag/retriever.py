"""Hybrid retrieval: dense (FAISS) + BM25, fused by weighted reciprocal rank, over query variants."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from .language import EN, ID
from .models import Embedder
from .parts import best_per_row
from .store import Store

RRF_K = 10  # tuned on the dev sets (seed dev, FacQA valid, FacQA-en); 60 is the usual default
EMBEDDER_LANG = "en"  # the bundled all-MiniLM-L6-v2 is an English model


def dense_weight(query_lang: str, corpus_lang: str, several_documents: bool = False) -> float:
    """How much the dense ranking counts next to BM25 (weight 1).

    Measured on the dev sets: over Indonesian text the English embedder is weak evidence
    (full weight lowered FacQA-valid recall@4 from 0.90 to 0.75), but a small weight still
    rescues paraphrased and English questions on the seed article. Over many documents (with
    the window ranking) 0.3 beat 0.5 on FacQA train+valid (recall@4 0.910 vs 0.901)."""
    if corpus_lang == EMBEDDER_LANG:
        return 1.0 if query_lang == EMBEDDER_LANG else 0.5
    return 0.5 if query_lang == corpus_lang and not several_documents else 0.3


def lexical_weight(query_lang: str, corpus_lang: str) -> float:
    """How much BM25 counts for a query variant (1 in the corpus language).

    An English question over Indonesian text matches on names and loanwords only; at full
    weight that noise outvoted its translation's BM25 ranking. Measured on the English dev
    questions (29 seed, 30 FacQA-en): 0.5 raised recall@4 24->25 and 23->24, top-1 16->18
    and 15->16; 0 hurt FacQA-en, where names carry the match. A language not recognised
    might be the corpus's own: full weight."""
    known = {EN, ID}
    return 0.5 if query_lang in known and corpus_lang in known and query_lang != corpus_lang else 1.0


def window_weight(several_documents: bool) -> float:
    """How much BM25 over paragraph windows counts next to paragraph BM25 (weight 1).

    Used only over several documents: on FacQA train+valid (55 articles) it raised recall@4/@5
    from 0.899/0.918 to 0.910/0.928. Within the single 19-paragraph seed article a window spans
    a sixth of the text: it added no recall there (1.0 either way) but reshuffled 26 of 33 dev
    top-4 lists and cost two dev answers."""
    return 0.5 if several_documents else 0.0


@dataclass(frozen=True)
class Hit:
    """One retrieved paragraph, with the evidence of each retriever (what CLI, UI and answer use)."""

    doc: str
    paragraph: int  # 1-based number within `doc`, the number answers cite
    text: str
    score: float  # fused score (higher is better)
    dense: float | None = None  # best cosine similarity over query variants
    lexical: float | None = None  # best BM25 score over query variants
    ranks: dict[str, int] = field(default_factory=dict)  # "dense:0" -> rank, per variant and retriever
    neighbour_of: int | None = None  # set when added as the neighbour of a strong hit
    gloss: str | None = None  # the paragraph in the question's language (the corpus copy), for the judge

    @property
    def key(self) -> tuple[str, int]:
        return (self.doc, self.paragraph)


Passage = Hit


@dataclass(frozen=True)
class Query:
    """One retrieval variant of the user's question (original, translation, condensed...)."""

    text: str
    weight: float = 1.0
    name: str = "q"
    lang: str = ""  # language of `text`; "" = same as the corpus
    only: bool = False  # counts over the paragraphs in `lang` only, and by BM25 (a translation for those documents)


@dataclass
class Retrieval:
    """What `Pipeline.retrieve` found for a question, with the variants searched and the time taken."""

    hits: list[Hit]
    queries: list[Query]
    lang: str  # language of the question
    seconds: float  # retrieval alone (embedding + search + fusion)
    rewrite_seconds: float = 0.0  # LLM translation / condensation, if any
    extra: dict = field(default_factory=dict)


def rrf(rankings: Sequence[tuple[np.ndarray, float | np.ndarray]], n: int, k: int = RRF_K) -> np.ndarray:
    """Weighted reciprocal rank fusion: sum of weight / (k + rank + 1) over rankings.

    Each ranking is (row ids best first, weight); rows absent from a ranking get nothing from it.
    A weight may be an array of one weight per row (documents in different languages)."""
    fused = np.zeros(n, dtype=np.float64)
    for order, weight in rankings:
        w = weight[order] if isinstance(weight, np.ndarray) else weight
        fused[order] += w / (k + np.arange(len(order)) + 1)
    return fused


class Retriever:
    """Searches one loaded index. Cheap to create; holds no per-question state."""

    def __init__(self, store: Store, embedder: Embedder, depth: int = 50):
        self.store = store
        self.embedder = embedder
        self.depth = depth

    def search(self, queries: Sequence[Query] | str, k: int, mode: str = "hybrid",
               within: str | None = None) -> list[Hit]:
        """The k best paragraphs for the query variants; mode is 'hybrid', 'dense' or 'lexical';
        `within`: of that document only. A paragraph searched in parts (`parts`) scores as its best
        part, and its hit holds that part."""
        if isinstance(queries, str):
            queries = [Query(queries)]
        n = len(self.store.paragraphs)
        if n == 0 or k <= 0 or not queries:
            return []
        depth = min(n, max(self.depth, k))
        unit_rows = self.store.unit_rows
        split = self.store.units is not None
        rankings: list[tuple[np.ndarray, float]] = []
        dense_best = np.full(n, -np.inf, dtype=np.float32)
        lex_best = np.zeros(n, dtype=np.float32)
        unit_best = np.zeros((2, len(unit_rows)), dtype=np.float32) if split else None  # lexical, dense
        ranks: dict[int, dict[str, int]] = {}
        several = len(self.store.documents) > 1
        if mode in ("hybrid", "dense"):
            dense_queries = [q for q in queries if not q.only or mode == "dense"]
            vecs = self.embedder.encode([q.text for q in dense_queries])
            # a long paragraph's parts may fill the top: enough units for `depth` paragraphs
            unit_depth = min(len(unit_rows), depth + len(unit_rows) - n)
            sims, ids = self.store.vectors.search(np.ascontiguousarray(vecs, dtype=np.float32), unit_depth)
            for qi, q in enumerate(dense_queries):
                units = ids[qi][ids[qi] >= 0]
                unit_sims = sims[qi][: len(units)]
                if split:
                    np.maximum.at(unit_best[1], units, unit_sims)
                    rows = unit_rows[units]
                    first = np.sort(np.unique(rows, return_index=True)[1])  # each paragraph at its best part
                    order, row_sims = rows[first][:depth], unit_sims[first][:depth]
                else:
                    order, row_sims = units, unit_sims
                weight = 1.0 if mode == "dense" else self._by_language(dense_weight, q, several)
                rankings.append((order, q.weight * weight))
                np.maximum.at(dense_best, order, row_sims)
                for r, row in enumerate(order[:depth]):
                    ranks.setdefault(int(row), {})[f"dense:{q.name}"] = r
        if mode in ("hybrid", "lexical"):
            w_window = window_weight(several)
            for q in queries:
                w_lex = self._by_language(lexical_weight, q)
                scores, windows = self.store.lexical.scores_and_windows(q.text, w_window > 0)
                if split:
                    np.maximum(unit_best[0], scores, out=unit_best[0])
                    scores = best_per_row(scores, unit_rows, n, 0.0)
                np.maximum(lex_best, scores, out=lex_best)
                for name, s, weight in (("lexical", scores, 1.0), ("window", windows, w_window)):
                    if s is None:
                        continue
                    positive = np.flatnonzero(s > 0)
                    order = positive[np.argsort(-s[positive], kind="stable")][:depth]
                    rankings.append((order, q.weight * weight * w_lex))
                    for r, row in enumerate(order):
                        ranks.setdefault(int(row), {})[f"{name}:{q.name}"] = r
        fused = rrf(rankings, n)
        if within is not None:
            fused[[p.doc != within for p in self.store.paragraphs]] = 0.0
        top: list[int] = []
        seen: set[str] = set()
        for i in np.argsort(-fused, kind="stable"):
            text = self.store.paragraphs[i].text
            if fused[i] <= 0 or len(top) == k:
                break
            if text not in seen:  # the same paragraph in a copied document would only take a slot
                seen.add(text)
                top.append(int(i))
        hits = [self._hit(i, float(fused[i]), dense_best, lex_best, ranks) for i in top]
        return hits if unit_best is None else [self._best_part(h, i, unit_best) for h, i in zip(hits, top)]

    def _by_language(self, weight: Callable[..., float], q: Query, *args) -> float | np.ndarray:
        """`weight(query language, paragraph language, *args)`: one number when every paragraph is
        in the corpus's language, else one per paragraph. An English question's own rankings thus
        keep full weight over the English documents of a mostly Indonesian corpus (they had the
        weight of the other language, and its answer came from the Indonesian articles). A variant
        `only` for its language counts nowhere else."""
        q_lang = q.lang or self.store.lang
        langs = self.store.row_langs
        if langs is None:
            return weight(q_lang, self.store.lang, *args)
        table = {lang: 0.0 if q.only and lang != q_lang else weight(q_lang, lang, *args)
                 for lang in set(langs.tolist())}
        return np.array([table[lang] for lang in langs.tolist()])

    def _best_part(self, hit: Hit, row: int, unit_best: np.ndarray) -> Hit:
        """`hit` holding its paragraph's best part: by BM25, else by dense similarity."""
        units = np.flatnonzero(self.store.unit_rows == row)
        if len(units) < 2:
            return hit
        lexical, dense = unit_best[0][units], unit_best[1][units]
        best = units[int(np.argmax(lexical))] if lexical.max() > 0 else units[int(np.argmax(dense))]
        return replace(hit, text=self.store.unit_text(int(best)))

    def _hit(self, row: int, score: float, dense: np.ndarray, lex: np.ndarray, ranks: dict) -> Hit:
        p = self.store.paragraphs[row]
        return Hit(p.doc, p.number, p.text, score,
                   float(dense[row]) if np.isfinite(dense[row]) else None,
                   float(lex[row]) if lex[row] > 0 else None, ranks.get(row, {}))

    def neighbour(self, hit: Hit, offset: int) -> Hit | None:
        """The paragraph `offset` away from `hit` in the same document, if any."""
        row = self.store.row(hit.doc, hit.paragraph + offset)
        if row is None:
            return None
        p = self.store.paragraphs[row]
        return Hit(p.doc, p.number, p.text, 0.0, neighbour_of=hit.paragraph)


def with_neighbours(retriever: Retriever, hits: list[Hit], k: int, min_share: float = 0.0) -> list[Hit]:
    """Hook for adding adjacent paragraphs of strong hits within the budget of k passages."""
    if min_share <= 0 or not hits:
        return hits[:k]
    out: list[Hit] = []
    seen: set[tuple[str, int]] = set()
    best = hits[0].score
    for h in hits:
        if len(out) >= k:
            break
        if h.key not in seen:
            out.append(h)
            seen.add(h.key)
        if h.score >= min_share * best:
            for off in (1, -1):
                nb = retriever.neighbour(h, off)
                if nb is not None and nb.key not in seen and len(out) < k:
                    out.append(replace(nb, score=h.score * 0.5))
                    seen.add(nb.key)
    return out


# Chosen on FacQA valid (dev) offline, from the retrieval of all 311 questions and the answers
# of the first 100 at k=3: keeping only passages whose BM25 score is at least 0.6 of the top
# one's kept the gold paragraph for 268 of the 274 questions whose gold was in the top 3, lost
# 1 of 70 right answers (it cited a dropped passage), and cut the passages per question from
# 3 to 1.93 on average (the fresh prompt tokens the model reads before its first word).
LEXICAL_SHARE = 0.6


def focus(hits: Sequence[Hit], share: float = LEXICAL_SHARE) -> list[Hit]:
    """The top hit, and each other hit whose BM25 score is at least `share` of the top hit's.

    A passage the question's words barely match beside a strongly matching one rarely holds
    the answer, and costs the model ~100 prompt tokens (~1 s here) before its first word. When
    the top hit has no BM25 score (no word in common) there is nothing to compare: all are kept."""
    if not hits:
        return []
    top = hits[0].lexical or 0.0
    if top <= 0:
        return list(hits)
    return [hits[0], *(h for h in hits[1:] if (h.lexical or 0.0) >= share * top)]
