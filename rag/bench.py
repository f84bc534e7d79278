"""`rag bench`: start-up, indexing, retrieval and answer latency, each next to a raw baseline.

One run measures, on this machine:
- `rag --help` and a cold `rag ask` (a child process, phase by phase), and the peak RSS of a
  chat-like process (same child: pipeline, models, index, Gradio app, a few answers);
- index build throughput against raw `SentenceTransformer.encode` on the very same texts;
- retrieval latency on the seed corpus and the FacQA corpus (no LLM: translation off);
- per answer: prompt / evaluated tokens, TTFT, decode rate, total, next to `Llama.create_completion`
  alone on the exact prompt the pipeline built with the same KV-cache state; the TTFT gain of
  the prefix cache; optionally (`sweep`) prompt throughput per n_batch and thread count.
Progress goes to stderr; the result is one JSON-ready dict. Helpers: bench_child, bench_llm.
"""
from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .bench_report import (  # noqa: F401 - format_bench and the helpers are re-exported
    decode_rate, fmt, format_bench, headline, latency_ms, median, median_ratio, other_cpu_share, p90, ratio,
    summarize_answers,
)
from .errors import RagError, plural
from .settings import PROJECT_ROOT, Settings, available_cpus

SHARED = PROJECT_ROOT.parent / "shared"
SEED_QA = SHARED / "eval" / "seed_dev.jsonl"
FACQA_CORPUS = SHARED / "data" / "facqa" / "corpus"
FACQA_QA = SHARED / "data" / "facqa" / "qa_valid.jsonl"
RETRIEVAL_N = 100  # FacQA questions timed for retrieval (cheap: no LLM)
NOCACHE_N = 3  # questions re-asked without the prefix cache (each re-evaluates the whole prompt)
TRANSLATED_N = 3  # questions in another language retrieved with LLM translation on
RSS_QUESTIONS = 3  # answers given by the chat-like process before its peak RSS is read
HEAVY = ("torch", "llama_cpp", "gradio", "sentence_transformers", "transformers", "faiss")
DEFAULT_QUESTION = {"id": "default", "question": "Siapa yang bertemu dalam konferensi video?", "history": []}
_T0 = time.perf_counter()


def cpu_times() -> tuple[float, float, float]:
    """(wall clock, CPU seconds busy on the whole machine, CPU seconds of this process and its children)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        machine = (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    except (OSError, ValueError):
        machine = float("nan")
    ours = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
    return time.perf_counter(), machine, ours


@contextmanager
def cpu_meter(out: dict, name: str):
    """out[name] = share of the machine's CPU that other processes used meanwhile (noise indicator)."""
    start = cpu_times()
    try:
        yield
    finally:
        out[name] = other_cpu_share(start, cpu_times(), available_cpus())


def log(msg: str) -> None:
    print(f"[bench {time.perf_counter() - _T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


@contextmanager
def stdout_to_stderr():
    """Keep stdout for the one JSON object: any print (Python or C) during the run goes to stderr."""
    sys.stdout.flush()
    saved, old = os.dup(1), sys.stdout
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 1)
        os.close(saved)
        sys.stdout = old


# ---------------------------------------------------------------- machine and start-up


def machine_info(settings: Settings) -> dict:
    cpu, mem = platform.processor() or platform.machine(), None
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
        mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")) / 2**20
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "cores_usable": available_cpus(),
            "ram_gb": round(mem, 1) if mem else None, "threads": settings.threads, "n_batch": settings.n_batch,
            "n_ctx": settings.n_ctx, "platform": platform.platform(),
            "load_avg_start": [round(x, 2) for x in os.getloadavg()]}


def versions() -> dict:
    from .indexer import _versions

    return _versions()


def _rag_command() -> list[str]:
    script = Path(sys.executable).with_name("rag")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rag"]


def measure_help(runs: int = 3) -> dict:
    """Wall time of `rag --help` in fresh processes, and the heavy modules `--help` imports."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([*_rag_command(), "--help"], stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    code = ("import json, sys\nfrom rag.cli import cli\ntry:\n    cli(['--help'], prog_name='rag')\n"
            "except SystemExit:\n    pass\nprint(json.dumps(sorted(m for m in %r if m in sys.modules)))" % (HEAVY,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {"help_s": median(times), "runs_s": times, "heavy_imports": json.loads(out.strip().splitlines()[-1])}


def _child(args: dict) -> dict:
    start = time.time()
    proc = subprocess.run([sys.executable, "-m", "rag.bench_child", json.dumps(args)], stdout=subprocess.PIPE,
                          text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RagError(f"the cold-start child process failed (exit {proc.returncode}); see its error above")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["phases"] = {"interpreter_s": out["t_start"] - start, **out["phases"]}
    out["cold_ask_s"] = out["t_answer"] - start
    out["process_wall_s"] = time.time() - start
    return out


def pick_questions(questions: list[dict], n: int) -> list[str]:
    """n questions without history for the chat-like child: the first ones, with the first English
    question (a translation, as a chat gets them) in place of the last when there is one."""
    plain = [q for q in questions if not q.get("history")] or [DEFAULT_QUESTION]
    picked = plain[:n]
    english = [q for q in plain if q.get("lang") == "en"]
    if english and english[0] not in picked and n > 1:
        picked = picked[: n - 1] + english[:1]
    return [q["question"] for q in picked]


def cold_start(settings: Settings, questions: list[dict]) -> dict:
    """A fresh process up to its first answer; again when the first run had to build the index
    or compute the prefix KV state (a one-off), so `cold_ask_s` is the usual cold start."""
    chosen = pick_questions(questions, RSS_QUESTIONS)
    args = {"seeds": str(settings.seeds), "index": str(settings.index_dir), "question": chosen[0],
            "more_questions": chosen[1:], "rss": True}
    first = _child(args)
    out = {"first_run": first}
    if not first["kv_state_on_disk"] or not first["index_up_to_date"]:
        log("cold start again (the first run built the index or the prefix KV state)")
        out["typical_run"] = _child(args)  # its memory too: a one-off prefix evaluation is not typical
    run = out.get("typical_run", first)
    out.update({"cold_ask_s": run["cold_ask_s"], "phases": run["phases"],
                "kv_state_on_disk": run["kv_state_on_disk"], "cold_ask_first_s": first["cold_ask_s"],
                "memory": run.get("memory"), "rss_questions": run.get("rss_questions")})
    return out


# ---------------------------------------------------------------- index and retrieval


def index_throughput(settings: Settings, corpus: Path, folder: Path) -> dict:
    """Build `corpus` from scratch into `folder`, then raw SentenceTransformer.encode on the same texts."""
    from .documents import read_seeds
    from .indexer import build_index
    from .models import get_embedder
    from .store import load_index

    start = time.perf_counter()
    emb = get_embedder(settings)
    load_s = time.perf_counter() - start
    docs, _ = read_seeds(corpus)
    texts = list({p.hash: p.text for d in docs for p in d.paragraphs}.values())  # what the indexer embeds
    emb.encode(texts[:16])  # first-call set-up outside both timings
    model = getattr(emb, "model", None)

    def raw() -> float:
        log("index: raw SentenceTransformer.encode on the same texts")
        start = time.perf_counter()
        if model is not None:
            model.encode(texts, batch_size=getattr(emb, "batch_size", 64), normalize_embeddings=True,
                         convert_to_numpy=True, show_progress_bar=False)
        else:
            emb.encode(texts)
        return time.perf_counter() - start

    def build(n: int):
        log(f"index: building {corpus} ({plural(len(texts), 'paragraph')}) from scratch")
        return build_index(settings.replace(seeds=corpus, index=folder / f"build{n}"), emb, progress=False, log=log)[1]

    # build, raw, raw, build: each order effect (caches, CPU clock) hits both sides once; the
    # fastest of each pair is compared, as timeit does, since noise only ever adds time
    reports, raws = [build(0)], [raw()]
    raws.append(raw())
    reports.append(build(1))
    report = min(reports, key=lambda r: r.seconds)
    raw_s = min(raws)
    start = time.perf_counter()
    load_index(folder / "build1")
    n = report.n_paragraphs
    return {"corpus": str(corpus), "n_documents": report.n_documents, "n_paragraphs": n,
            "embedded": report.embedded, "embedder_load_s": load_s, "build_s": report.seconds,
            "build_encode_s": report.encode_seconds, "raw_encode_s": raw_s,
            "build_runs_s": [r.seconds for r in reports], "raw_runs_s": raws,
            "build_paragraphs_per_s": ratio(n, report.seconds), "raw_paragraphs_per_s": ratio(report.embedded, raw_s),
            "index_overhead_ratio": ratio(report.seconds, raw_s),
            "encode_overhead_ratio": ratio(report.encode_seconds, raw_s),
            "index_load_ms": (time.perf_counter() - start) * 1000}


def retrieval_latency(settings: Settings, questions: list[dict]) -> dict:
    """Pipeline.retrieve with translation off (no LLM call): embedding + search + fusion."""
    from .models import get_embedder
    from .pipeline import Pipeline

    pipe = Pipeline(settings.replace(translate=False), embedder=get_embedder(settings), log=log)
    pipe.ensure_index(progress=False)
    pipe.retrieve(questions[0]["question"])  # first-call set-up
    ms, wall, by_lang = [], [], {}
    for q in questions:
        start = time.perf_counter()
        r = pipe.retrieve(q["question"], q.get("history", []), settings.k)
        wall.append((time.perf_counter() - start) * 1000)
        ms.append(r.seconds * 1000)
        by_lang.setdefault(r.lang, []).append(r.seconds * 1000)
    out = latency_ms(ms)
    out.update({"corpus": str(settings.seeds), "n_paragraphs": len(pipe.store.paragraphs),
                "call_median_ms": median(wall), "by_lang_median_ms": {k: median(v) for k, v in by_lang.items()}})
    return out


# ---------------------------------------------------------------- answers


def translated_retrieval(pipe, questions: list[dict], n: int = TRANSLATED_N) -> dict | None:
    """Retrieval with translation on, for questions not in the corpus language (an LLM call each)."""
    from .language import detect_language

    lang = pipe.store.lang
    todo = [q for q in questions if detect_language(q["question"]) != lang][:n]
    if not pipe.settings.translate or not todo:
        return None
    total, rewrite = [], []
    for q in todo:
        pipe.rewriter.cache.clear()
        r = pipe.retrieve(q["question"], q.get("history", []))
        total.append((r.rewrite_seconds + r.seconds) * 1000)
        rewrite.append(r.rewrite_seconds * 1000)
    return {**latency_ms(total), "rewrite_median_ms": median(rewrite)}


def second_reading_s(timings: dict) -> float:
    """Seconds of the yes/no readings after the answer: the support check, the judging of
    passages to quote after a withdrawal or a word-check refusal (`quotes.quote_answering`),
    and of a middling answer's cited passage over retrieved passages (`agreement.quote_middling`)."""
    return sum(timings.get(k, 0.0) for k in ("support_s", "quote_s", "judge_s"))


def answer_phase(settings: Settings, questions: list[dict], nocache_n: int, do_sweep: bool,
                 all_questions: list[dict]) -> dict:
    from .answer import Answer, Token
    from .bench_llm import RecordingLLM, baseline, no_cache_ttft, sweep
    from .models import get_embedder, llm_path
    from .pipeline import Pipeline

    emb = get_embedder(settings)
    start = time.perf_counter()
    inner = Pipeline(settings, embedder=emb).llm()
    load_s = time.perf_counter() - start
    rec = RecordingLLM(inner)
    pipe = Pipeline(settings, embedder=emb, llm=rec, log=log)
    pipe.ensure_index(progress=False)
    warm_s = pipe.warm_up()
    records = []
    for i, q in enumerate(questions, 1):
        log(f"answer {i}/{len(questions)}: {q['question'][:60]}")
        n0, ttft, ans = len(rec.calls), None, None
        start = time.perf_counter()
        for ev in pipe.ask_stream(q["question"], q.get("history", [])):
            if ttft is None and isinstance(ev, (Token, Answer)):
                ttft = time.perf_counter() - start
            if isinstance(ev, Answer):
                ans = ev
        total = time.perf_counter() - start
        calls = rec.calls[n0:]
        answers = [c for c in calls if c.kind == "answer"]
        r = {"id": q.get("id"), "lang": ans.lang, "retried": ans.retried, "refused": ans.refused,
             "llm_calls": len(calls), "ttft_s": ttft, "total_s": total,
             "pipeline_ttft_s": ans.timings.get("ttft_s"), "retrieval_s": ans.timings.get("retrieval_s"),
             "rewrite_s": ans.timings.get("rewrite_s"),
             "rewrite_llm_s": sum(c.usage.get("total_s", 0.0) for c in calls if c.kind == "rewrite"),
             "answer_llm_s": sum(c.usage.get("total_s", 0.0) for c in calls if c.kind in ("answer", "citation")),
             "citation_completions": sum(c.kind == "citation" for c in calls),
             "support_s": second_reading_s(ans.timings)}
        r["other_s"] = total - (r["retrieval_s"] or 0) - (r["rewrite_s"] or 0) - r["answer_llm_s"] - r["support_s"]
        if answers:
            u = answers[0].usage
            r.update({k: u.get(k) for k in ("prompt_tokens", "evaluated_tokens", "completion_tokens")})
            r.update({"llm_ttft_s": u.get("ttft_s"), "llm_total_s": u.get("total_s"),
                      "decode_tokens_per_s": decode_rate(u.get("completion_tokens"), u.get("ttft_s"), u.get("total_s"))})
            b = baseline(inner, answers[0], u["prompt_tokens"] - u["evaluated_tokens"])
            b["decode_tokens_per_s"] = decode_rate(b["completion_tokens"], b["ttft_s"], b["total_s"])
            r["baseline"] = b
            r["total_ratio"] = ratio(total - r["support_s"], b["total_s"])  # the baseline does no second reading
            r["ttft_ratio"] = ratio(ttft, b["ttft_s"])
        records.append(r)
    out: dict[str, Any] = {"n": len(records), "llm_load_s": load_s, "prefix_warm_s": warm_s,
                           "context_mode": "corpus" if pipe.context_passages() else "retrieved",
                           "questions": records}
    out.update(summarize_answers(records))
    out["translated_retrieval"] = translated_retrieval(pipe, all_questions)
    sub = questions[:nocache_n]
    if sub:
        log(f"prefix cache off: {plural(len(sub), 'question')} (each evaluates its whole prompt)")
        nocache = no_cache_ttft(pipe, inner, sub)
        cached = median([r["ttft_s"] for r in records[: len(sub)]])
        out["no_cache"] = {"n": len(sub), "ttft_s": nocache, "ttft_median_s": median(nocache),
                           "cached_ttft_median_s": cached,
                           "ttft_prefix_cache_gain": 1 - cached / median(nocache) if cached and nocache else None}
    if do_sweep:
        text = rec.calls[0].prompt if rec.calls else "Paragraphs:\n" * 200
        threads = [settings.threads] + ([1] if settings.threads > 1 else [])
        out["sweep"] = sweep(str(llm_path(settings)), text, threads, log=log, repack=settings.llm_repack)
    return out


# ---------------------------------------------------------------- the run


def run_bench(settings: Settings, qa: Path | None = None, limit: int | None = None, sweep: bool = False,
              nocache_n: int = NOCACHE_N) -> dict:
    """Everything above, in an order that never keeps two model processes busy at once."""
    from .qa_file import UNASKABLE, load_qa

    with stdout_to_stderr():
        started = time.perf_counter()
        qa_path = qa or (SEED_QA if SEED_QA.exists() else None)
        # a question the chat would not take (named by load_qa's warning) is not timed
        questions = [q for q in load_qa(qa_path) if UNASKABLE not in q] if qa_path else [DEFAULT_QUESTION]
        if not questions:
            raise RagError(f"{qa_path} has no question the chat would take; see the warnings above")
        asked = questions[:limit] if limit else questions
        result: dict[str, Any] = {"machine": machine_info(settings), "versions": versions(), "limit": limit,
                                  "qa": str(qa_path) if qa_path else None, "seeds": str(settings.seeds)}
        busy = result["contention"] = {}
        with cpu_meter(busy, "help"):
            log("rag --help")
            result["help"] = measure_help()
        with cpu_meter(busy, "cold_start"):
            log("cold start (child process)")
            result["cold_start"] = cold_start(settings, questions)
        with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
            corpus = FACQA_CORPUS if FACQA_CORPUS.is_dir() else settings.seeds
            with cpu_meter(busy, "index"):
                result["index"] = index_throughput(settings, corpus, Path(tmp) / "index")
            with cpu_meter(busy, "retrieval"):
                log("retrieval latency")
                result["retrieval"] = {"seeds": retrieval_latency(settings, questions)}
                if corpus == FACQA_CORPUS and FACQA_QA.exists():
                    facqa = settings.replace(seeds=FACQA_CORPUS, index=Path(tmp) / "index")
                    result["retrieval"]["facqa"] = retrieval_latency(facqa, load_qa(FACQA_QA)[:RETRIEVAL_N])
        with cpu_meter(busy, "answers"):
            log(f"answers: {plural(len(asked), 'question')}, each next to llama.cpp alone")
            result["answers"] = answer_phase(settings, asked, min(nocache_n, len(asked)), sweep, questions)
        result["machine"]["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
        result["bench_s"] = time.perf_counter() - started
        result.update(headline(result))
    return result
