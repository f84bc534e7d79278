"""LlamaCppLLM.stream over a fake llama: the model lock is released whichever thread resumes or
closes the stream (Gradio moves streams between worker threads), and an abandoned stream stops."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from rag.llm import LlamaCppLLM


class FakeLlama:
    """The few llama_cpp.Llama calls `stream` makes; each completion yields one piece per word."""

    def __init__(self, delay: float = 0.0, fail_at: int | None = None):
        self.input_ids: list[int] = []
        self.n_tokens = 0
        self.delay = delay
        self.fail_at = fail_at
        self.decoded = 0  # pieces produced, across all completions
        self.active = self.most_active = 0  # completions running at once (llama.cpp allows one)

    def n_ctx(self) -> int:
        return 2048

    def tokenize(self, data: bytes, add_bos: bool = False, special: bool = True) -> list[int]:
        return list(range(len(data.split())))

    def reset(self) -> None:
        self.n_tokens = 0

    def create_completion(self, tokens, max_tokens: int, stream: bool, **kwargs):
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            for i in range(max_tokens):
                if self.fail_at is not None and i == self.fail_at:
                    raise ValueError("llama_decode returned -1")
                time.sleep(self.delay)
                self.decoded += 1
                yield {"choices": [{"text": f"w{i} "}]}
        finally:
            self.active -= 1


def llm(**kw) -> LlamaCppLLM:
    return LlamaCppLLM(FakeLlama(**kw), prefix_cache=False)


def lock_is_free(model: LlamaCppLLM) -> bool:
    """Whether another thread can take the model's lock now."""
    with ThreadPoolExecutor(1) as pool:
        def take() -> bool:
            got = model.lock.acquire(timeout=2)
            if got:
                model.lock.release()
            return got
        return pool.submit(take).result()


def test_a_stream_gives_every_piece_and_its_usage():
    model = llm()
    assert "".join(model.stream("a b c", max_tokens=4)) == "w0 w1 w2 w3 "
    assert model.usage.completion_tokens == 4 and model.usage.prompt_tokens == 3
    assert model.complete("a", max_tokens=2) == "w0 w1 "
    assert lock_is_free(model)


def test_a_stream_resumed_and_closed_on_other_threads_leaves_the_lock_free():
    model = llm()
    stream = model.stream("a b", max_tokens=50)
    pools = [ThreadPoolExecutor(1) for _ in range(3)]
    try:
        assert pools[0].submit(next, stream).result() == "w0 "
        assert pools[1].submit(next, stream).result() == "w1 "
        pools[2].submit(stream.close).result()
    finally:
        for pool in pools:
            pool.shutdown()
    assert lock_is_free(model)
    assert "".join(model.stream("a", max_tokens=3)) == "w0 w1 w2 "  # the next question is answered


def test_two_streams_on_one_thread_never_decode_at_once():
    """With the RLock held across yields, a second stream on the same thread re-entered it and the two
    completions ran interleaved on one llama.cpp context."""
    model = llm(delay=0.01)
    first = model.stream("a", max_tokens=20)
    second = model.stream("b", max_tokens=20)
    assert next(first) == "w0 " and next(second) == "w0 "
    assert "".join(first) + "".join(second) == "".join(f"w{i} " for i in range(1, 20)) * 2
    assert model.llama.most_active == 1


def test_an_abandoned_stream_stops_decoding_at_its_next_token():
    model = llm(delay=0.01)
    stream = model.stream("a", max_tokens=1000)
    next(stream)
    stream.close()
    decoded = model.llama.decoded
    time.sleep(0.1)
    assert model.llama.decoded == decoded < 10 and lock_is_free(model)


def test_a_decoding_error_reaches_the_caller_and_frees_the_lock():
    model = llm(fail_at=2)
    stream = model.stream("a", max_tokens=10)
    assert next(stream) == "w0 " and next(stream) == "w1 "
    with pytest.raises(ValueError, match="llama_decode returned -1"):
        next(stream)
    assert lock_is_free(model)
