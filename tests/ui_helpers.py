"""Running the chat app on a free local port with the fake models (browser and API tests)."""
from __future__ import annotations

import shutil
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from rag.pipeline import Pipeline
from rag.settings import Settings
from tests.conftest import ROOT, SEED_DOC, FakeEmbedder, FakeLLM


class RecordingPipeline(Pipeline):
    """A Pipeline that records each question with its history and how many answers ran at once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.active = 0
        self.max_active = 0
        self._count_lock = threading.Lock()
        self.readied = 0  # `ready` calls (the chat's background warm-ups)

    def ready(self) -> float:
        self.readied += 1
        return super().ready()

    def ask_stream(self, question: str, history: Sequence[str] = (), k: int | None = None):
        with self._count_lock:
            self.calls.append((question, tuple(history)))
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            yield from super().ask_stream(question, history, k)
        finally:
            with self._count_lock:
                self.active -= 1


class SlowFakeLLM(FakeLLM):
    """FakeLLM that waits between pieces, so streaming and queueing can be observed."""

    def __init__(self, *args, delay: float = 0.3, **kwargs):
        super().__init__(*args, **kwargs)
        self.delay = delay

    def stream(self, prompt: str, max_tokens: int, prefix: str = ""):
        for piece in super().stream(prompt, max_tokens, prefix):
            time.sleep(self.delay)
            yield piece


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_settings(folder: Path) -> Settings:
    seeds = folder / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "seeds" / SEED_DOC, seeds / SEED_DOC)
    return Settings.load(seeds=seeds, index=folder / "index", translate=False, context="retrieved")


@dataclass
class Server:
    url: str
    pipeline: RecordingPipeline
    settings: Settings
    app: object


@contextmanager
def running_app(folder: Path, llm: FakeLLM | None = None, auth: tuple[str, str] | None = None,
                pipeline_cls: type[RecordingPipeline] = RecordingPipeline) -> Iterator[Server]:
    """The chat app on a free port in a background thread, with the fake embedder and LLM; closed on exit."""
    from ui.app import build_app, close, launch

    settings = make_settings(folder)
    pipeline = pipeline_cls(settings, embedder=FakeEmbedder(), llm=llm or FakeLLM(), log=lambda m: None)
    pipeline.ensure_index(progress=False)
    app = build_app(pipeline, settings)
    _, url, _ = launch(app, "127.0.0.1", free_port(), auth=auth, block=False, quiet=True)
    try:
        yield Server(url, pipeline, settings, app)
    finally:
        close(app)
