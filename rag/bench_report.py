"""Pure helpers of `rag bench`: statistics, ratios, the summary keys and the readable table.

No model and no heavy import here, so the tests can exercise all of it on made-up results."""
from __future__ import annotations

import statistics
from typing import Any, Sequence

from .errors import plural


def median(xs: Sequence[float | None]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def p90(xs: Sequence[float | None]) -> float | None:
    """Nearest-rank 90th percentile (as `rag eval` reports it)."""
    s = sorted(x for x in xs if x is not None)
    return s[min(len(s) - 1, int(round(0.9 * (len(s) - 1))))] if s else None


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def median_ratio(pairs: Sequence[tuple[float | None, float | None]]) -> float | None:
    """Median over items of a/b (items with a missing or zero denominator are left out)."""
    return median([ratio(a, b) for a, b in pairs])


def decode_rate(tokens: int | None, ttft: float | None, total: float | None) -> float | None:
    """Tokens per second after the first one (the first token's time is prompt evaluation)."""
    if not tokens or tokens < 2 or ttft is None or total is None or total <= ttft:
        return None
    return (tokens - 1) / (total - ttft)


def other_cpu_share(start: tuple[float, float, float], end: tuple[float, float, float], cores: int) -> float | None:
    """Share of the machine's CPU capacity used by other processes between two `cpu_times()` readings:
    (machine busy CPU seconds - our CPU seconds) / (wall seconds x cores), clipped to [0, 1]."""
    wall = end[0] - start[0]
    if wall <= 0 or cores <= 0 or end[1] != end[1]:  # NaN: no /proc/stat
        return None
    other = (end[1] - start[1]) - (end[2] - start[2])
    return round(min(1.0, max(0.0, other / (wall * cores))), 3)


def latency_ms(xs_ms: Sequence[float]) -> dict:
    return {"n": len(xs_ms), "median_ms": median(xs_ms), "p90_ms": p90(xs_ms),
            "max_ms": max(xs_ms) if xs_ms else None}


def fmt(v: Any, unit: str = "", digits: int = 3) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        places = digits if abs(v) < 100 else min(digits, 1) if abs(v) < 10000 else 0
        return f"{v:,.{places}f}{unit}" if places == 0 else f"{v:.{places}f}{unit}"
    return f"{v}{unit}"



def summarize_answers(records: list[dict]) -> dict:
    """Medians and the ratios against llama.cpp alone over per-question records."""
    based = [r for r in records if r.get("baseline")]
    translated = [r for r in records if r.get("rewrite_llm_s")]
    return {
        "ttft_median_s": median([r["ttft_s"] for r in records]), "ttft_p90_s": p90([r["ttft_s"] for r in records]),
        "total_median_s": median([r["total_s"] for r in records]), "total_p90_s": p90([r["total_s"] for r in records]),
        "prompt_tokens_median": median([r.get("prompt_tokens") for r in records]),
        "evaluated_tokens_median": median([r.get("evaluated_tokens") for r in records]),
        "decode_tokens_per_s": median([r.get("decode_tokens_per_s") for r in records]),
        "baseline_ttft_median_s": median([r["baseline"]["ttft_s"] for r in based]),
        "baseline_total_median_s": median([r["baseline"]["total_s"] for r in based]),
        "baseline_decode_tokens_per_s": median([r["baseline"]["decode_tokens_per_s"] for r in based]),
        "overhead_total_ratio": median_ratio([(r["total_s"] - r.get("support_s", 0.0), r["baseline"]["total_s"])
                                              for r in based]),  # like for like: the baseline does no support check
        "support_check_median_s": median([r.get("support_s", 0.0) for r in records]),
        "overhead_ttft_ratio": median_ratio([(r["ttft_s"], r["baseline"]["ttft_s"]) for r in based]),
        "llm_call_ratio": median_ratio([(r["llm_total_s"], r["baseline"]["total_s"]) for r in based]),
        "baseline_same_text": sum(bool(r["baseline"]["same_text"]) for r in based),
        "retried": sum(bool(r["retried"]) for r in records),
        "citation_completed": sum(bool(r.get("citation_completions")) for r in records),
        "translated": len(translated),
        "translated_retrieval_median_ms": median([((r["rewrite_s"] or 0) + (r["retrieval_s"] or 0)) * 1000
                                                  for r in translated]),
        "other_median_ms": median([r["other_s"] * 1000 for r in records]),
    }


def headline(r: dict) -> dict:
    """The top-level keys (stable names for scripts and docs/benchmarks.md)."""
    a, i, c = r.get("answers", {}), r.get("index", {}), r.get("cold_start", {})
    mem = c.get("memory") or {}
    return {
        "help_s": r.get("help", {}).get("help_s"), "cold_ask_s": c.get("cold_ask_s"),
        "index_paragraphs_per_s": i.get("build_paragraphs_per_s"),
        "raw_encode_paragraphs_per_s": i.get("raw_paragraphs_per_s"),
        "index_overhead_ratio": i.get("index_overhead_ratio"), "index_encode_overhead_ratio": i.get("encode_overhead_ratio"),
        "retrieval_median_ms": r.get("retrieval", {}).get("seeds", {}).get("median_ms"),
        "retrieval_facqa_median_ms": r.get("retrieval", {}).get("facqa", {}).get("median_ms"),
        "ttft_median_s": a.get("ttft_median_s"), "total_median_s": a.get("total_median_s"),
        "decode_tokens_per_s": a.get("decode_tokens_per_s"),
        "overhead_total_ratio": a.get("overhead_total_ratio"), "overhead_ttft_ratio": a.get("overhead_ttft_ratio"),
        "retrieval_translated_median_ms": (a.get("translated_retrieval") or {}).get("median_ms"),
        "ttft_prefix_cache_gain": a.get("no_cache", {}).get("ttft_prefix_cache_gain"),
        "peak_rss_mb": mem.get("VmHWM", mem.get("ru_maxrss_mb")),
        "other_cpu_share_max": max([x for x in r.get("contention", {}).values() if x is not None], default=None),
    }


def _section(title: str, rows: list[tuple[str, str]]) -> list[str]:
    if not rows:
        return []
    width = max(len(label) for label, _ in rows)
    return ["", title] + [f"  {label:<{width}}  {value}" for label, value in rows]


def _x(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}x"


def _ms(d: dict) -> str:
    return f"median {fmt(d.get('median_ms'), ' ms', 1)}, p90 {fmt(d.get('p90_ms'), ' ms', 1)} (n={d.get('n', 0)})"


def format_bench(result: dict) -> str:
    """The readable table of `rag bench` (without --json)."""
    m, v = result.get("machine", {}), result.get("versions", {})
    lines = [f"rag bench on {m.get('cpu', '?')}: {m.get('cores_usable', '?')}/{m.get('cores', '?')} cores, "
             f"{fmt(m.get('ram_gb'), ' GB', 1)} RAM, threads={m.get('threads')}, n_batch={m.get('n_batch')}, "
             f"n_ctx={m.get('n_ctx')}",
             f"load average at start {m.get('load_avg_start')}, at end {m.get('load_avg_end')}; "
             f"llama-cpp-python {v.get('llama-cpp-python', '?')}, torch {v.get('torch', '?')}, "
             f"python {v.get('python', '?')}",
             f"questions: {result.get('qa')} (limit {result.get('limit')})"]
    busy = {k: v for k, v in (result.get("contention") or {}).items() if v is not None}
    if busy:
        lines.append("CPU used by other processes meanwhile: "
                     + ", ".join(f"{k} {v:.0%}" for k, v in busy.items())
                     + ("  << BUSY MACHINE: figures are noisy, rerun on a quiet one" if max(busy.values()) > 0.1 else ""))
    h, c = result.get("help", {}), result.get("cold_start", {})
    rows = [("rag --help", f"{fmt(result.get('help_s'), ' s', 2)}  heavy imports: "
                           f"{', '.join(h.get('heavy_imports') or []) or 'none'}"),
            ("cold rag ask (to first answer)", fmt(result.get("cold_ask_s"), " s", 2))]
    rows += [(f"  {name.removesuffix('_s').replace('_', ' ')}", fmt(sec, " s", 2))
             for name, sec in (c.get("phases") or {}).items()]
    if c.get("cold_ask_first_s") is not None and c.get("typical_run"):
        rows.append(("first ever (builds index / KV state)", fmt(c.get("cold_ask_first_s"), " s", 2)))
    rows.append(("prefix KV state from disk", fmt(c.get("kv_state_on_disk"))))
    lines += _section("Start-up", rows)
    i = result.get("index", {})
    if i:
        lines += _section(f"Index build from scratch: {plural(i.get('n_paragraphs'), 'paragraph')}, "
                          f"{plural(i.get('n_documents'), 'document')} ({i.get('corpus')})", [
            ("rag index (whole build)", f"{fmt(i.get('build_s'), ' s', 2)}  "
                                        f"{fmt(i.get('build_paragraphs_per_s'), ' paragraphs/s', 1)}"),
            ("  of which encoding", fmt(i.get("build_encode_s"), " s", 2)),
            ("raw SentenceTransformer.encode", f"{fmt(i.get('raw_encode_s'), ' s', 2)}  "
                                               f"{fmt(i.get('raw_paragraphs_per_s'), ' paragraphs/s', 1)}"),
            ("overhead ratio: whole build / raw", _x(i.get("index_overhead_ratio"))),
            ("overhead ratio: encode part / raw", _x(i.get("encode_overhead_ratio"))),
            ("index load", fmt(i.get("index_load_ms"), " ms", 1))])
    r = result.get("retrieval", {})
    rows = [(f"{name} ({plural(d.get('n_paragraphs'), 'paragraph')})", _ms(d)) for name, d in r.items() if isinstance(d, dict)]
    t = result.get("answers", {}).get("translated_retrieval")
    if t:
        rows.append(("English questions, translation on", _ms(t)))
    lines += _section("Retrieval (embedding + search + fusion, no LLM unless said)", rows)
    a = result.get("answers", {})
    if a.get("questions"):
        lines += ["", f"Answers ({plural(a.get('n'), 'question')}, context: {a.get('context_mode')}); "
                      "base = Llama.create_completion alone on the same prompt and KV state",
                  f"  {'id':<8}{'lang':<5}{'prompt':>7}{'eval':>6}{'ttft':>8}{'base':>7}{'total':>8}{'base':>7}"
                  f"{'tok/s':>7}{'ratio':>7}  notes"]
        for q in a["questions"]:
            b = q.get("baseline") or {}
            notes = " ".join(n for n, on in (("translated", q.get("rewrite_llm_s")), ("retried", q.get("retried")),
                                             ("cited-by-completion", q.get("citation_completions")),
                                             ("refused", q.get("refused")),
                                             ("base-text-differs", b and not b.get("same_text"))) if on)
            lines.append(f"  {str(q.get('id')):<8}{q.get('lang', ''):<5}{fmt(q.get('prompt_tokens')):>7}"
                         f"{fmt(q.get('evaluated_tokens')):>6}{fmt(q.get('ttft_s'), '', 2):>8}"
                         f"{fmt(b.get('ttft_s'), '', 2):>7}{fmt(q.get('total_s'), '', 2):>8}"
                         f"{fmt(b.get('total_s'), '', 2):>7}{fmt(q.get('decode_tokens_per_s'), '', 1):>7}"
                         f"{_x(q.get('total_ratio')):>7}  {notes}")
        nc = a.get("no_cache") or {}
        lines += _section("Answer summary (medians)", [
            ("time to first token", f"{fmt(a.get('ttft_median_s'), ' s', 2)} (llama.cpp alone "
                                    f"{fmt(a.get('baseline_ttft_median_s'), ' s', 2)}; ratio {_x(a.get('overhead_ttft_ratio'))})"),
            ("total", f"{fmt(a.get('total_median_s'), ' s', 2)} (llama.cpp alone "
                      f"{fmt(a.get('baseline_total_median_s'), ' s', 2)}; ratio without the support check "
                      f"{_x(a.get('overhead_total_ratio'))})"),
            ("support check (second reading)", fmt(a.get("support_check_median_s"), " s", 2)),
            ("LLM call alone / llama.cpp alone", _x(a.get("llm_call_ratio"))),
            ("decode", f"{fmt(a.get('decode_tokens_per_s'), ' tokens/s', 1)} (llama.cpp alone "
                       f"{fmt(a.get('baseline_decode_tokens_per_s'), ' tokens/s', 1)})"),
            ("prompt / evaluated tokens", f"{fmt(a.get('prompt_tokens_median'), '', 0)} / {fmt(a.get('evaluated_tokens_median'), '', 0)}"),
            ("outside retrieval, rewrite, LLM", fmt(a.get("other_median_ms"), " ms", 1)),
            ("retried / cited by completion / translated",
             f"{a.get('retried')} / {a.get('citation_completed')} / {a.get('translated')}"),
            ("TTFT without prefix cache", f"{fmt(nc.get('ttft_median_s'), ' s', 2)} (n={nc.get('n', 0)}); gain "
                                          f"{fmt(result.get('ttft_prefix_cache_gain'), '', 3)}"),
            ("LLM load / prefix warm-up", f"{fmt(a.get('llm_load_s'), ' s', 2)} / {fmt(a.get('prefix_warm_s'), ' s', 2)}")])
    mem = c.get("memory") or {}
    if mem:
        lines += _section(f"Memory of a chat-like process ({plural(c.get('rss_questions'), 'answer')})", [
            ("peak RSS", fmt(result.get("peak_rss_mb"), " MB", 0)),
            ("at the end: anonymous / file-backed", f"{fmt(mem.get('RssAnon'), ' MB', 0)} / "
                                                    f"{fmt(mem.get('RssFile'), ' MB', 0)}")])
    s = a.get("sweep")
    if s:
        lines += _section(f"Prompt throughput sweep ({s.get('n_prompt_tokens')}-token prompt, tokens/s)",
                          [(f"n_batch={k}", fmt(val, "", 1)) for k, val in s["prompt_tokens_per_s_by_n_batch"].items()]
                          + [(f"threads={k}", fmt(val, "", 1)) for k, val in s["prompt_tokens_per_s_by_threads"].items()]
                          + [("best", f"n_batch={s.get('best_n_batch')}, threads={s.get('best_threads')}")])
    lines += ["", f"bench took {fmt(result.get('bench_s'), ' s', 1)}"]
    return "\n".join(lines)
