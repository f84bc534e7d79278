"""`rag eval`: retrieval and answer metrics over a QA file (schema: shared eval README)."""
from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any, Sequence

from .models import llm_problem
from .pipeline import RETRIEVAL_K, Pipeline
from .qa_file import UNASKABLE, check_docs, load_qa
from .settings import Settings

MODES = ("dense", "lexical", "hybrid")


def keywords_match(text: str, keywords: Sequence[str]) -> bool:
    """Every keyword present (case-insensitive); 'a|b' accepts either alternative."""
    low = text.lower()
    return all(any(alt.strip().lower() in low for alt in kw.split("|")) for kw in keywords)


def _gold(q: dict) -> set[tuple[str, int]]:
    return {(q.get("doc", ""), int(p)) for p in q["gold_paragraphs"]}


def _median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def _p90(xs: list[float]) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(0.9 * (len(s) - 1))))]


def _progress(items: list, desc: str):
    from tqdm import tqdm

    return tqdm(items, desc=desc, file=sys.stderr, leave=False, disable=len(items) < 2)


def without_missing_llm(settings: Settings) -> Settings:
    """Retrieval alone needs the LLM only to translate (questions, the English copy, an "llm"
    condensation). Without a usable one it retrieves untranslated, with a warning, not an error."""
    if not (settings.translate or settings.corpus_copy or settings.condense == "llm"):
        return settings
    problem = llm_problem(settings)
    if problem is None:
        return settings
    print(f"warning: {problem}; retrieval runs without the LLM, so no question is translated", file=sys.stderr)
    return settings.replace(translate=False, corpus_copy=False,
                            condense="concat" if settings.condense == "llm" else settings.condense)


def run_eval(settings: Settings, qa_path: Path, limit: int | None = None, retrieval_only: bool = False,
             mode: str = "hybrid", pipeline: Pipeline | None = None) -> dict[str, Any]:
    """Run the QA file through retrieval (and the answer step unless retrieval_only).

    The whole file is checked before any model loads (`qa_file.load_qa`), and the questions'
    documents and gold paragraphs once the index is built, before the first question. Retrieval
    is the chat's: with `retrieval_only` the LLM still translates a question whose language
    differs from the corpus's unless `settings.translate` is off (`rewrite_ms` times that)."""
    questions = load_qa(qa_path, settings.max_question_chars)[: limit if limit is not None else None]
    if retrieval_only and pipeline is None:
        settings = without_missing_llm(settings)
    pipe = pipeline or Pipeline(settings)
    pipe.ensure_index(progress=True)
    check_docs(questions, pipe.store, qa_path, settings.seeds)
    k = settings.k or (RETRIEVAL_K if retrieval_only else pipe.default_k())
    answerable = [q for q in questions if q["answerable"]]
    result: dict[str, Any] = {"n": len(questions), "n_answerable": len(answerable), "k": k,
                              "seeds": str(settings.seeds), "qa": str(qa_path)}
    modes = MODES if mode == "all" else (mode,)
    if retrieval_only:
        by_mode = {}
        records = []
        for m in modes:
            hits_found, latencies, rewrites, recs = 0, [], [], []
            for q in _progress(questions, f"retrieval ({m})"):
                if UNASKABLE in q:  # the chat refuses it before retrieval: nothing retrieved
                    recs.append({"id": q["id"], "retrieved": [], "gold_retrieved": False if q["answerable"] else None,
                                 "not_asked": q[UNASKABLE]})
                    continue
                r = pipe.retrieve(q["question"], q["history"], k, m)
                retrieved = [[h.doc, h.paragraph] for h in r.hits]
                found = bool(_gold(q) & {tuple(x) for x in retrieved})
                hits_found += found and q["answerable"]
                latencies.append(r.seconds * 1000)
                rewrites.append(r.rewrite_seconds * 1000)
                recs.append({"id": q["id"], "retrieved": retrieved, "gold_retrieved": found if q["answerable"] else None,
                             "retrieval_ms": round(r.seconds * 1000, 2), "rewrite_ms": round(r.rewrite_seconds * 1000, 1)})
            by_mode[m] = {"retrieval_recall_at_k": hits_found / len(answerable) if answerable else None,
                          "retrieval_median_ms": _median(latencies), "retrieval_p90_ms": _p90(latencies),
                          "rewrite_median_ms": _median(rewrites)}
            records = recs if m == modes[-1] or m == "hybrid" else records
        main = by_mode.get("hybrid", by_mode[modes[-1]])
        result.update(main)
        if len(modes) > 1:
            result["by_mode"] = by_mode
        result["questions"] = records
        return result
    return _answer_eval(pipe, questions, answerable, result)


def _answer_eval(pipe: Pipeline, questions: list[dict], answerable: list[dict], result: dict) -> dict:
    recs, ttfts, totals, retr_ms = [], [], [], []
    found = correct = cite_gold_q = refusals_ok = false_ref = invalid = dropped = withdrawn = 0
    n_cited = n_cited_gold = 0
    # warmed up as the chat is before its first question, so latency is that of a running chat
    result["warm_up_s"] = round(pipe.ready(), 3)
    for q in _progress(questions, "answering"):
        if UNASKABLE in q:  # the chat refuses it with an error: scored as a refusal, not timed
            false_ref += q["answerable"]
            refusals_ok += not q["answerable"]
            recs.append({"id": q["id"], "question": q["question"], "retrieved": [], "answer": "", "citations": [],
                         "correct": False, "refused": True, "not_asked": q[UNASKABLE], "passages": [],
                         "ttft_s": None, "total_s": None})
            continue
        a = pipe.ask(q["question"], q["history"])
        gold = _gold(q)
        given = {h.key for h in a.passages}
        cites = [c.key for c in a.citations]
        bad = [c for c in cites if c not in given or pipe.store.row(*c) is None]
        invalid += len(bad)
        dropped += len(a.dropped)
        withdrawn += a.withdrawn
        retrieved = [[h.doc, h.paragraph] for h in a.retrieved]
        ok = q["answerable"] and not a.refused and keywords_match(a.text, q["answer_keywords"])
        if q["answerable"]:
            found += bool(gold & {tuple(x) for x in retrieved})
            correct += ok
            cite_gold_q += bool(gold & set(cites))
            false_ref += a.refused
        else:
            refusals_ok += a.refused and not cites
        n_cited += len(cites)
        n_cited_gold += len(gold & set(cites))
        ttfts.append(a.timings.get("ttft_s", 0.0))
        totals.append(a.timings.get("total_s", 0.0))
        retr_ms.append(a.timings.get("retrieval_s", 0.0) * 1000)
        recs.append({"id": q["id"], "question": q["question"], "retrieved": retrieved, "answer": a.text,
                     "citations": [list(c) for c in cites], "correct": bool(ok), "refused": a.refused,
                     "verified": a.verified, "retried": a.retried, "dropped_citations": list(a.dropped),
                     "model_text": a.raw, "quoted": a.quoted, "support": a.support, "passages": [[h.doc, h.paragraph] for h in a.passages],
                     "withdrawn": a.withdrawn, "steps_s": _steps(a.timings),
                     "ttft_s": round(a.timings.get("ttft_s", 0.0), 3), "total_s": round(a.timings.get("total_s", 0.0), 3)})
    n_ans, n_unans = len(answerable), len(questions) - len(answerable)
    result.update({
        "retrieval_recall_at_k": found / n_ans if n_ans else None,
        "answer_accuracy": correct / n_ans if n_ans else None,
        "citation_precision": n_cited_gold / n_cited if n_cited else None,
        "citation_recall": cite_gold_q / n_ans if n_ans else None,
        "invalid_citations": invalid,
        "dropped_model_citations": dropped,
        "withdrawn_by_support_check": withdrawn,
        "refusal_accuracy": refusals_ok / n_unans if n_unans else None,
        "false_refusals": false_ref / n_ans if n_ans else None,
        "ttft_median_s": _median(ttfts), "ttft_p90_s": _p90(ttfts),
        "total_median_s": _median(totals), "total_p90_s": _p90(totals),
        "retrieval_median_ms": _median(retr_ms),
        # passages the model read per question (up to k: `retriever.focus` gives fewer)
        "passages_mean": sum(len(r["passages"]) for r in recs) / len(recs) if recs else None,
        "questions": recs,
    })
    return result


def _steps(timings: dict) -> dict:
    """Seconds per step of one answer (retrieval, rewrite, second reading, quote...), for finding
    where the time of a slow answer went."""
    return {k[:-2]: round(v, 3) for k, v in timings.items() if k.endswith("_s") and isinstance(v, (int, float))}


def format_table(result: dict) -> str:
    """A readable summary of `run_eval`'s result."""
    rows = [("questions", result["n"]), ("answerable", result["n_answerable"]), ("k", result["k"])]
    if "by_mode" in result:
        for m, figures in result["by_mode"].items():
            rows.append((f"recall@k ({m})", figures["retrieval_recall_at_k"]))
            rows.append((f"retrieval median ms ({m})", figures["retrieval_median_ms"]))
    keys = ["retrieval_recall_at_k", "retrieval_median_ms", "rewrite_median_ms", "answer_accuracy",
            "citation_precision", "citation_recall", "invalid_citations", "dropped_model_citations",
            "withdrawn_by_support_check", "passages_mean", "refusal_accuracy", "false_refusals", "ttft_median_s", "ttft_p90_s", "total_median_s", "total_p90_s"]
    rows += [(key, result[key]) for key in keys if key in result]
    width = max(len(str(r[0])) for r in rows)

    def fmt(v: Any) -> str:
        return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    return "\n".join(f"{name:<{width}}  {fmt(v)}" for name, v in rows)
