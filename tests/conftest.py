"""Shared fixtures: a deterministic fake embedder, a scripted fake LLM, and isolated app data."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pytest

from rag.language import words
from rag.llm import Usage
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEED_DOC = "000_7bfd9efb098ecdeb.txt"
SHARED = ROOT.parent / "shared"
REAL_HOME = Path(os.environ.get("RAG_HOME") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag")


class FakeEmbedder:
    """Deterministic bag-of-hashed-words vectors; counts what it is asked to embed."""

    def __init__(self, dim: int = 64, model_id: str = "fake-embedder"):
        self.dim = dim
        self.model_id = model_id
        self.calls: list[int] = []  # number of texts per encode() call

    @property
    def embedded(self) -> int:
        return sum(self.calls)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for w in words(text):
                h = int(hashlib.md5(w.encode()).hexdigest(), 16)
                out[i, h % self.dim] += 1.0 if (h >> 64) & 1 else -1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
            if not norm:
                out[i, 0] = 1.0
        return out


Script = Callable[[str], str]


def cite_first_passage(prompt: str) -> str:
    """Default fake behaviour: restate the first passage shown to it, citing it."""
    user = prompt.rsplit("<|im_start|>user\n", 1)[-1]
    m = re.search(r"^\[(\d+)\](?: \([^)]*\))? (.+)$", user, re.M)
    if not m:
        return "NO_ANSWER"
    return f"{' '.join(m.group(2).split()[:8])} [{m.group(1)}]."


def reword_first_passage(prompt: str) -> str:
    """`cite_first_passage` with its 4th and 5th words swapped: no longer a word-for-word copy,
    which the support check never withdraws (`copied_phrases.copies_a_source`)."""
    text = cite_first_passage(prompt)
    w = text.split(" ")
    return " ".join([*w[:3], w[4], w[3], *w[5:]]) if len(w) > 5 else text


class FakeLLM:
    """Scripted LLM: `script(prompt) -> text` or a list of texts returned in turn."""

    def __init__(self, script: Script | list[str] | str | None = None, n_ctx: int = 2048, pieces: int = 3,
                 cites: str = "", support: float | Callable[[str], float] = 0.9, answers: float = 0.3):
        self.script = script or cite_first_passage
        self.cites = cites  # reply to a citation completion (a prompt ending in " ["); "" names none
        self.support = support  # what yes/no readings return (a function: of their prompt)
        self.answers = answers  # with a number for `support`: what passage judging returns (none answers)
        self.checks: list[str] = []  # prompts of support checks
        self.check_prefixes: list[str] = []  # the cacheable start each of them was given
        self.completions: list[str] = []
        self.n_ctx = n_ctx
        self.pieces = pieces
        self.prompts: list[str] = []
        self.usage = Usage()

    def count(self, text: str) -> int:
        return len(text) // 4 + 1

    def _text(self, prompt: str) -> str:
        if isinstance(self.script, str):
            return self.script
        if isinstance(self.script, list):
            return self.script[min(len(self.prompts) - 1, len(self.script) - 1)]
        return self.script(prompt)

    def yes_probability(self, prompt: str, prefix: str = "") -> float:
        self.checks.append(prompt)
        self.check_prefixes.append(prefix)
        if callable(self.support):
            return self.support(prompt)
        return self.answers if "contain the answer to this question" in prompt else self.support

    def stream(self, prompt: str, max_tokens: int, prefix: str = "") -> Iterator[str]:
        if self.count(prompt) >= self.n_ctx:  # as llama.cpp refuses it
            raise ValueError(f"Requested tokens ({self.count(prompt)}) exceed context window of {self.n_ctx}")
        if prompt.endswith(" ["):  # citation_completion.complete_citation: not part of the scripted answers
            self.completions.append(prompt)
            yield self.cites
            return
        self.prompts.append(prompt)
        text = self._text(prompt)
        self.usage = Usage(prompt_tokens=self.count(prompt), evaluated_tokens=self.count(prompt),
                           completion_tokens=len(text.split()))
        step = max(1, len(text) // self.pieces)
        for i in range(0, len(text), step):
            yield text[i:i + step]


class WarmingLLM(FakeLLM):
    """A fake that records which prompt prefixes it was asked to keep."""

    def __init__(self):
        super().__init__()
        self.warmed: list[str] = []

    def warm(self, prefix: str, persist: bool = True, gate=None) -> float:
        self.warmed.append(prefix)
        return 0.0


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """All app data (RAG_HOME) in a temp folder; no RAG_* setting leaks in from the shell."""
    for var in list(os.environ):
        if var.startswith("RAG_"):
            monkeypatch.delenv(var)
    home = tmp_path_factory.mktemp("rag-home")
    monkeypatch.setenv("RAG_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return home


@pytest.fixture
def without_module(monkeypatch) -> Callable[[str], None]:
    """`without_module(name)`: `import name` raises ImportError for the rest of the test (an
    optional dependency that is not installed)."""
    import builtins

    real_import = builtins.__import__

    def block(name: str) -> None:
        def importer(wanted, *args, **kwargs):
            if wanted == name:
                raise ImportError(wanted)
            return real_import(wanted, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", importer)

    return block


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def fake_llm() -> FakeLLM:
    return FakeLLM()


@pytest.fixture
def seeds(tmp_path) -> Path:
    """A seeds folder holding a copy of the seed article."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(ROOT / "seeds" / SEED_DOC, folder / SEED_DOC)
    return folder


@pytest.fixture
def settings(seeds, tmp_path) -> Settings:
    return Settings.load(seeds=seeds, index=tmp_path / "index", translate=False, context="retrieved")


@pytest.fixture
def pipeline(settings, fake_embedder, fake_llm):
    from rag.pipeline import Pipeline

    pipe = Pipeline(settings, embedder=fake_embedder, llm=fake_llm, log=lambda m: None)
    pipe.ensure_index(progress=False)
    return pipe


@pytest.fixture(scope="session")
def real_llm_path() -> Path:
    """The bundled GGUF from the real model cache (assembled once there, not per test run)."""
    from rag.packaged import assemble_gguf

    return assemble_gguf(REAL_HOME / "models", progress=False)
