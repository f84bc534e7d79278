"""LLM-side measurement for `rag bench`: record what the pipeline sends to llama.cpp, replay the
same prompt on llama.cpp alone (same KV-cache state), and a quick n_batch / threads sweep.

Nothing here changes the pipeline: `RecordingLLM` wraps the pipeline's LLM from outside.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterator

from .citation_completion import CITATION_CUE
from .llm import STOP
from .prompt import PREFIX


@dataclass
class Call:
    """One `stream` call the pipeline made: its prompt and the LLM's own counters."""

    prompt: str
    max_tokens: int
    prefix: str
    kind: str  # "answer" (the answer prompt), "citation" (`complete_citation`) or "rewrite" (translation / condensation)
    text: str = ""
    usage: dict = field(default_factory=dict)
    finished: bool = False


class RecordingLLM:
    """Transparent wrapper of a LlamaCppLLM that keeps every prompt it is given."""

    def __init__(self, inner):
        self.inner = inner
        self.calls: list[Call] = []

    def __getattr__(self, name):  # llama, usage, warm, tokenize, n_ctx, ...
        return getattr(self.inner, name)

    def count(self, text: str) -> int:
        return self.inner.count(text)

    def stream(self, prompt: str, max_tokens: int, prefix: str = "") -> Iterator[str]:
        kind = ("citation" if prompt.endswith(CITATION_CUE) else "answer") if prompt.startswith(PREFIX) else "rewrite"
        call = Call(prompt, max_tokens, prefix, kind)
        self.calls.append(call)
        try:
            for piece in self.inner.stream(prompt, max_tokens, prefix):
                call.text += piece
                yield piece
            call.finished = True
        finally:
            u = self.inner.usage
            call.usage = {"prompt_tokens": u.prompt_tokens, "evaluated_tokens": u.evaluated_tokens,
                          "completion_tokens": u.completion_tokens, "ttft_s": u.ttft_s, "total_s": u.total_s}


def _common(a, b) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def set_cached(inner, tokens: list[int], prefix: str, cached: int) -> int:
    """Leave exactly the first `cached` tokens of `tokens` in the KV cache (untimed preparation).

    The prefix comes back the way the pipeline gets it (memory snapshot or disk state); the
    KV tail past `cached` is dropped by llama.cpp's own prefix matching at the next call."""
    llama = inner.llama
    cached = max(0, min(cached, len(tokens) - 1))
    if prefix and hasattr(inner, "warm"):
        inner.warm(prefix)
    common = _common(llama.input_ids[: llama.n_tokens], tokens)
    if common >= cached:
        llama.n_tokens = cached
    else:
        llama.n_tokens = common
        llama.eval(tokens[common:cached])
    return cached


def baseline(inner, call: Call, cached: int) -> dict:
    """`Llama.create_completion` alone on the pipeline's prompt text: same max_tokens, stop and
    greedy settings as LlamaCppLLM.stream, the same number of prompt tokens already cached."""
    llama = inner.llama
    tokens = inner.tokenize(call.prompt)
    with inner.lock:
        cached = set_cached(inner, tokens, call.prefix, cached)
        text, n, ttft = "", 0, None
        start = time.perf_counter()
        for chunk in llama.create_completion(call.prompt, max_tokens=call.max_tokens, temperature=0.0, top_k=1,
                                             repeat_penalty=1.0, stop=STOP, stream=True):
            if ttft is None:
                ttft = time.perf_counter() - start
            n += 1
            text += chunk["choices"][0]["text"]
        total = time.perf_counter() - start
    return {"prompt_tokens": len(tokens), "evaluated_tokens": len(tokens) - cached, "completion_tokens": n,
            "ttft_s": ttft if ttft is not None else total, "total_s": total, "same_text": text == call.text}


def sweep(model_path: str, text: str, threads_options: list[int], batches=(32, 128, 256, 512),
          n_prompt: int = 192, log=None, repack: bool = False) -> dict:
    """Prompt-evaluation throughput (tokens/s) of a ~n_prompt-token prompt per n_batch, then per
    thread count at the best n_batch. One fresh context each; small, so it stays cheap.
    `repack`: llama.cpp weight repacking, as the pipeline loads the model (`RAG_LLM_REPACK`)."""
    from llama_cpp import Llama

    from .models import weight_repacking

    def rate(n_batch: int, threads: int) -> float:
        with weight_repacking(repack):
            llama = Llama(model_path=model_path, n_ctx=512, n_batch=n_batch, n_threads=threads,
                          n_threads_batch=threads, use_mmap=True, verbose=False)
        try:
            tokens = llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)[:n_prompt]
            llama.eval(tokens[:4])  # first-call set-up outside the timing
            llama.reset()
            start = time.perf_counter()
            llama.eval(tokens)
            return len(tokens) / (time.perf_counter() - start)
        finally:
            llama.close()

    main_threads = threads_options[0]
    by_batch = {}
    for b in batches:
        by_batch[str(b)] = round(rate(b, main_threads), 1)
        if log:
            log(f"sweep: n_batch={b} threads={main_threads}: {by_batch[str(b)]} prompt tok/s")
    best_batch = int(max(by_batch, key=by_batch.get))
    by_threads = {str(main_threads): by_batch[str(best_batch)]}
    for t in threads_options[1:]:
        by_threads[str(t)] = round(rate(best_batch, t), 1)
        if log:
            log(f"sweep: n_batch={best_batch} threads={t}: {by_threads[str(t)]} prompt tok/s")
    return {"n_prompt_tokens": n_prompt, "prompt_tokens_per_s_by_n_batch": by_batch,
            "prompt_tokens_per_s_by_threads": by_threads, "best_n_batch": best_batch,
            "best_threads": int(max(by_threads, key=by_threads.get))}


def no_cache_ttft(pipe, inner, questions: list[dict]) -> list[float]:
    """Time to the first shown token with the prefix cache off (llama.reset() before every call),
    stopping each answer at its first token: the rest of the answer costs the same either way."""
    from .answer import Answer, Token

    out = []
    inner.prefix_cache = False
    try:
        for q in questions:
            pipe.rewriter.cache.clear()  # translate again, as the cached run did
            start = time.perf_counter()
            events = pipe.ask_stream(q["question"], q.get("history", []))
            ttft = None
            try:
                for ev in events:
                    if isinstance(ev, (Token, Answer)):
                        ttft = time.perf_counter() - start
                        break
            finally:
                events.close()
            out.append(ttft if ttft is not None else time.perf_counter() - start)
    finally:
        inner.prefix_cache = True
    return out

