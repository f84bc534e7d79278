"""The LLM seam: a small protocol, the llama.cpp implementation, and prefix KV-cache reuse."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterator, Protocol

STOP = ["<|im_end|>", "<|endoftext|>", "<|im_start|>"]


class LLM(Protocol):
    """What the answer step needs from a language model."""

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

    def __init__(self, llama, prefix_cache: bool = True):
        self.llama = llama
        self.n_ctx = llama.n_ctx()
        self.prefix_cache = prefix_cache
        self.usage = Usage()
        self.lock = threading.Lock()  # llama.cpp contexts are not thread-safe
        self._prefix_states: dict[str, tuple[list[int], object]] = {}

    def tokenize(self, text: str) -> list[int]:
        return self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def count(self, text: str) -> int:
        return len(self.tokenize(text))

    def _restore_prefix(self, prefix: str) -> None:
        if prefix not in self._prefix_states:
            tokens = self.tokenize(prefix)
            self.llama.reset()
            self.llama.eval(tokens)
            self._prefix_states[prefix] = (tokens, self.llama.save_state())
            return
        tokens, state = self._prefix_states[prefix]
        current = list(self.llama.input_ids[: self.llama.n_tokens])
        if current[: len(tokens)] != tokens:
            self.llama.load_state(state)

    def stream(self, prompt: str, max_tokens: int, prefix: str = "") -> Iterator[str]:
        with self.lock:
            start = time.perf_counter()
            tokens = self.tokenize(prompt)
            if not self.prefix_cache:
                self.llama.reset()
            elif prefix and prompt.startswith(prefix):
                self._restore_prefix(prefix)
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

    def complete(self, prompt: str, max_tokens: int, prefix: str = "") -> str:
        return "".join(self.stream(prompt, max_tokens, prefix))
