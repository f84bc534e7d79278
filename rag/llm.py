"""The LLM seam: a small protocol, the llama.cpp implementation, and prefix KV-cache reuse."""
from __future__ import annotations

import ctypes
import hashlib
import os
import queue
import threading
from collections import OrderedDict
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Protocol

from .priority import QuestionGate

STOP = ["<|im_end|>", "<|endoftext|>", "<|im_start|>"]
# Prefix KV states kept in memory, oldest dropped first: the seed corpus's prompt (~52 MB) and a
# few MB for each paragraph the yes/no readings begin with (`support.reading_prefix`).
STATE_MEMORY_BYTES = 1024 * 2**20
# ... and on disk (RAG_HOME/kv), least recently used dropped first: each corpus version adds ~180 MB.
STATE_DISK_BYTES = 2048 * 2**20


_END = object()  # the end of a stream's pieces


@dataclass
class _Failed:
    """The exception that ended a stream's decoding thread, raised again in the caller's."""

    exc: BaseException


def prune_states(folder: Path, max_bytes: int, keep: Path | None = None) -> int:
    """Delete the least recently used state files of `folder` beyond `max_bytes` (never `keep`).
    Returns how many were deleted. Another process may be using one: it then recomputes it."""
    try:
        files = sorted(folder.glob("prefix-*.llamastate"), key=lambda f: (f != keep, -f.stat().st_mtime))
        total, deleted = 0, 0
        for f in files:
            total += f.stat().st_size
            if total > max_bytes and f != keep:
                f.unlink(missing_ok=True)
                deleted += 1
        return deleted
    except OSError:  # a file vanished meanwhile (another process pruned it): only a cache
        return 0


class LLM(Protocol):
    """What the answer step needs from a language model. One may also offer
    `yes_probability(prompt, prefix="") -> float` (P(Yes) / (P(Yes) + P(No)) on its first
    token; `prefix` a start of the prompt worth caching), which the support check uses; without
    it the check is skipped."""

    n_ctx: int

    def count(self, text: str) -> int:
        """Tokens in `text` as this model counts them."""
        ...

    def stream(self, prompt: str, max_tokens: int, prefix: str = "") -> Iterator[str]:
        """Greedy completion of `prompt`, piece by piece. `prefix` is the start of `prompt`
        that is the same for every call (its KV cache may be reused)."""
        ...


@dataclass
class Usage:
    """Counters of the last `stream` call (for eval and bench)."""

    prompt_tokens: int = 0
    evaluated_tokens: int = 0  # prompt tokens actually computed (not from the prefix cache)
    completion_tokens: int = 0
    ttft_s: float = 0.0
    total_s: float = 0.0
    extra: dict = field(default_factory=dict)


class LlamaCppLLM:
    """llama-cpp-python with deterministic decoding and a saved KV state for the fixed prefix.

    llama.cpp already reuses the longest common token prefix with the previous call; the
    saved state restores the prompt prefix after an unrelated call (e.g. a translation)
    replaced it, so the system prompt and example are evaluated once per process."""

    def __init__(self, llama, prefix_cache: bool = True, state_dir: Path | None = None, model_key: str = ""):
        self.llama = llama
        self.n_ctx = llama.n_ctx()
        self.prefix_cache = prefix_cache
        self.state_dir = state_dir  # where prefix KV states persist across processes (None: memory only)
        self.model_key = model_key
        self.usage = Usage()
        self.lock = threading.RLock()  # llama.cpp contexts are not thread-safe
        self._prefix_states: OrderedDict[str, tuple[list[int], bytes]] = OrderedDict()
        self._yes_no: tuple[set[int], set[int]] | None = None  # token ids of Yes / No
        self._partial: tuple[str, int] | None = None  # (prefix, tokens in the KV cache) of a stopped evaluation

    def tokenize(self, text: str) -> list[int]:
        return self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def count(self, text: str) -> int:
        return len(self.tokenize(text))

    # ------------------------------------------------------------ prefix KV states

    def _snapshot(self) -> bytes:
        import llama_cpp

        ctx = self.llama.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_seq_get_data(ctx, buf, size, 0)
        return ctypes.string_at(buf, n)  # bytes(buf[:n]) goes through a Python list: 40x slower, +400 MB

    def _restore(self, tokens: list[int], data: bytes) -> bool:
        import llama_cpp

        self.llama._ctx.kv_cache_seq_rm(-1, 0, -1)
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if llama_cpp.llama_state_seq_set_data(self.llama.ctx, buf, len(data), 0) != len(data):
            self.llama.reset()
            return False
        self._set_tokens(tokens)
        return True

    def _set_tokens(self, tokens: list[int]) -> None:
        self.llama.input_ids[: len(tokens)] = tokens
        self.llama.n_tokens = len(tokens)

    def _state_file(self, prefix: str) -> Path | None:
        if self.state_dir is None:
            return None
        key = hashlib.sha256(f"{self.model_key}|{self.n_ctx}|{prefix}".encode()).hexdigest()[:24]
        return self.state_dir / f"prefix-{key}.llamastate"

    def _load_file(self, path: Path, tokens: list[int]) -> bool:
        import llama_cpp

        out = (llama_cpp.llama_token * (len(tokens) + 1))()
        n_out = ctypes.c_size_t(0)
        self.llama._ctx.kv_cache_seq_rm(-1, 0, -1)
        ok = llama_cpp.llama_state_seq_load_file(self.llama.ctx, str(path).encode(), 0, out, len(tokens) + 1,
                                                 ctypes.byref(n_out))
        if not ok or list(out[: n_out.value]) != tokens:
            self.llama.reset()
            return False
        self._set_tokens(tokens)
        try:
            os.utime(path)  # recently used: pruned last
        except OSError:
            pass
        return True

    def _save_file(self, path: Path, tokens: list[int]) -> None:
        import llama_cpp

        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            arr = (llama_cpp.llama_token * len(tokens))(*tokens)
            if llama_cpp.llama_state_seq_save_file(self.llama.ctx, str(tmp).encode(), 0, arr, len(tokens)):
                os.replace(tmp, path)
                prune_states(path.parent, STATE_DISK_BYTES, keep=path)
        except OSError:
            pass  # only a cache: the next process recomputes it
        finally:
            tmp.unlink(missing_ok=True)

    def warm(self, prefix: str, persist: bool = True, gate: QuestionGate | None = None) -> float:
        """Make the KV cache hold `prefix` (from memory, disk, or by evaluating it); returns seconds.
        `persist`: a state evaluated here is saved on disk for the next process too (else it is
        kept in memory only). `gate` (background work): between batches of the evaluation the
        model is given up to questions being answered, and the evaluation then goes on where it
        stopped, unless a question's prompt replaced it meanwhile."""
        start = time.perf_counter()
        while not self._warm(prefix, persist, gate):
            gate.wait()  # type: ignore[union-attr]
        return time.perf_counter() - start

    def _warm(self, prefix: str, persist: bool, gate: QuestionGate | None) -> bool:
        """`warm`, under the lock; False when it stopped for a question (only with a `gate`)."""
        with self.lock:
            tokens = self.tokenize(prefix)
            if list(self.llama.input_ids[: min(self.llama.n_tokens, len(tokens))]) == tokens:
                return True
            saved = self._prefix_states.get(prefix)
            if saved is None or not self._restore(*saved):
                path = self._state_file(prefix)
                if not (path is not None and path.exists() and self._load_file(path, tokens)):
                    if not self._evaluate(prefix, tokens, gate):
                        return False
                    if path is not None and persist:
                        self._save_file(path, tokens)
                self._prefix_states[prefix] = (tokens, self._snapshot())
                while (len(self._prefix_states) > 1
                       and sum(len(data) for _, data in self._prefix_states.values()) > STATE_MEMORY_BYTES):
                    self._prefix_states.popitem(last=False)
            self._prefix_states.move_to_end(prefix)
            return True

    def _evaluate(self, prefix: str, tokens: list[int], gate: QuestionGate | None) -> bool:
        """Evaluate `tokens` into an empty KV cache, or go on with the part of them an evaluation
        stopped by a question left there; in the same n_batch batches either way, so the state is
        the same. False when it stopped again (the caller holds the lock)."""
        done, self._partial = self._partial, None
        n = self.llama.n_tokens
        if not (done is not None and done[0] == prefix and n == done[1] and list(self.llama.input_ids[:n]) == tokens[:n]):
            self.llama.reset()
            n = 0
        step = self.llama.n_batch
        for i in range(n, len(tokens), step):
            if gate is not None and i > n and gate.busy():  # at least one batch each time: it always advances
                self._partial = (prefix, i)
                return False
            self.llama.eval(tokens[i:i + step])
        return True

    def _begin(self, prompt: str, prefix: str, persist: bool) -> list[int]:
        """The tokens of `prompt`, with the KV cache cleared or holding `prefix`; the caller holds the lock."""
        tokens = self.tokenize(prompt)
        if not self.prefix_cache:
            self.llama.reset()
        elif prefix and prompt.startswith(prefix):
            self.warm(prefix, persist=persist)
        return tokens

    def stream(self, prompt: str, max_tokens: int, prefix: str = "") -> Iterator[str]:
        """The answer's text pieces as they are decoded.

        Decoding runs on a thread of its own, which takes the lock and releases it: a lock held
        across `yield` would belong to whichever thread resumed the generator first, and Gradio
        resumes and closes streams on other threads (RLock: "cannot release un-acquired lock",
        every later question waiting for ever). Closing or dropping the stream stops the decoding
        at its next token."""
        pieces: queue.SimpleQueue = queue.SimpleQueue()
        stop = threading.Event()

        def decode() -> None:
            try:
                with self.lock:
                    gen = self._decode(prompt, max_tokens, prefix)
                    try:
                        for piece in gen:
                            if stop.is_set():
                                break
                            pieces.put(piece)
                    finally:
                        gen.close()
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                pieces.put(_Failed(exc))
            finally:
                pieces.put(_END)

        worker = threading.Thread(target=decode, name="llm-decode", daemon=True)
        worker.start()
        try:
            while (item := pieces.get()) is not _END:
                if isinstance(item, _Failed):
                    raise item.exc
                yield item
        finally:
            stop.set()
            if threading.current_thread() is threading.main_thread():
                # Ctrl-C in `rag ask`: the process exits next, so let the decoding end first (a token,
                # or the prompt being read); a server's threads go on at once, the lock freed soon after
                worker.join(timeout=60)

    def _decode(self, prompt: str, max_tokens: int, prefix: str) -> Iterator[str]:
        """`stream`'s decoding; the caller holds the lock."""
        start = time.perf_counter()
        tokens = self._begin(prompt, prefix, persist=True)
        cached = 0
        ids = self.llama.input_ids[: self.llama.n_tokens] if self.prefix_cache else []
        for a, b in zip(ids, tokens):
            if a != b:
                break
            cached += 1
        self.usage = Usage(prompt_tokens=len(tokens), evaluated_tokens=len(tokens) - cached)
        first = True
        pieces = self.llama.create_completion(
            tokens, max_tokens=max_tokens, temperature=0.0, top_k=1, repeat_penalty=1.0,
            stop=STOP, stream=True,
        )
        for chunk in pieces:
            piece = chunk["choices"][0]["text"]
            if first:
                self.usage.ttft_s = time.perf_counter() - start
                first = False
            self.usage.completion_tokens += 1
            if piece:
                yield piece
        self.usage.total_s = time.perf_counter() - start
        if first:
            self.usage.ttft_s = self.usage.total_s

    def yes_probability(self, prompt: str, prefix: str = "") -> float:
        """P(Yes) / (P(Yes) + P(No)) over the first token the model would write after `prompt`.
        `prefix`: a start of `prompt` other readings share (its KV state is kept in memory)."""
        import numpy as np
        from llama_cpp import LogitsProcessorList

        if self._yes_no is None:
            self._yes_no = tuple({self.tokenize(w)[0] for w in words} for words in
                                 (("Yes", "yes", "YES", " Yes"), ("No", "no", "NO", " No")))
        seen: list = []

        def keep(_ids, scores):  # reads the logits of the one decoded token
            seen.append(np.asarray(scores, dtype=np.float64).copy())
            return scores

        with self.lock:
            start = time.perf_counter()
            tokens = self._begin(prompt, prefix, persist=False)
            self.llama.create_completion(tokens, max_tokens=1, temperature=0.0, top_k=1, repeat_penalty=1.0,
                                         logits_processor=LogitsProcessorList([keep]))
            self.usage = Usage(prompt_tokens=len(tokens), total_s=time.perf_counter() - start)
        if not seen:
            return 0.5
        p = np.exp(seen[0] - seen[0].max())
        yes, no = (float(sum(p[i] for i in ids)) for ids in self._yes_no)
        return yes / (yes + no) if yes + no > 0 else 0.5

    def complete(self, prompt: str, max_tokens: int, prefix: str = "") -> str:
        return "".join(self.stream(prompt, max_tokens, prefix))
