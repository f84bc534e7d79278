"""One Settings object: defaults, overridden by RAG_* environment variables, then by CLI flags."""
from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

BUNDLED = "bundled"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag"


def _default_seeds() -> Path:
    return PROJECT_ROOT / "seeds"


def available_cpus() -> int:
    """Cores this process may run on (affinity-aware), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    """Configuration for every command. Build it with `Settings.load(**overrides)`."""

    home: Path = field(default_factory=_default_home)  # RAG_HOME: all app data (model cache)
    seeds: Path = field(default_factory=_default_seeds)  # RAG_SEEDS
    index: Path | None = None  # RAG_INDEX; None: derived from `seeds` under PROJECT_ROOT/index
    embed_model: str = BUNDLED  # RAG_EMBED_MODEL: folder, hub id, or "bundled"
    llm_model: str = BUNDLED  # RAG_LLM_MODEL: .gguf path or "bundled"
    k: int | None = None  # passages handed to the LLM; None: `Pipeline.default_k` (3 retrieved, 4 hints)
    n_ctx: int = 3072
    threads: int = field(default_factory=available_cpus)
    n_batch: int = 256  # measured here: 256 evaluates a 1,262-token prompt fastest (36-39 tok/s; 512: 31, 128: 35)
    llm_repack: bool = False  # llama.cpp's CPU weight repacking: measured here slower and +600 MB of heap
    max_tokens: int = 160
    embed_batch: int = 64
    translate: bool = True  # translate questions whose language differs from the corpus
    corpus_copy: bool = True  # English questions search an English copy of a small corpus instead
    condense: str = "concat"  # follow-up condensation: "concat", "llm" or "off"
    prefix_cache: bool = True  # reuse the KV cache of the fixed prompt prefix
    max_history: int = 4  # earlier user turns kept for follow-ups
    max_question_chars: int = 2000
    context: str = "auto"  # "corpus": whole corpus in the cached prompt; "retrieved": top-k passages; "auto"
    corpus_max_tokens: int = 1800  # "auto" keeps the whole corpus in context up to this many tokens
    support_check: bool = True  # a second yes/no reading of each answer against its cited paragraphs
    min_support: float | None = None  # below this P(Yes) an answer is withdrawn; None: per context mode
    split_questions: bool = True  # "When X, and when Y?": each part answered on its own (`compound`)
    max_file_mb: float = 20.0  # larger documents are skipped with a reason, not read into memory

    ENV = {
        "home": "RAG_HOME", "seeds": "RAG_SEEDS", "index": "RAG_INDEX",
        "embed_model": "RAG_EMBED_MODEL", "llm_model": "RAG_LLM_MODEL", "k": "RAG_K",
        "n_ctx": "RAG_N_CTX", "threads": "RAG_THREADS", "n_batch": "RAG_N_BATCH", "llm_repack": "RAG_LLM_REPACK",
        "max_tokens": "RAG_MAX_TOKENS", "embed_batch": "RAG_EMBED_BATCH",
        "translate": "RAG_TRANSLATE", "corpus_copy": "RAG_CORPUS_COPY", "condense": "RAG_CONDENSE",
        "prefix_cache": "RAG_PREFIX_CACHE", "max_history": "RAG_MAX_HISTORY",
        "max_question_chars": "RAG_MAX_QUESTION_CHARS", "context": "RAG_CONTEXT",
        "corpus_max_tokens": "RAG_CORPUS_MAX_TOKENS", "support_check": "RAG_SUPPORT_CHECK",
        "min_support": "RAG_MIN_SUPPORT", "split_questions": "RAG_SPLIT_QUESTIONS",
        "max_file_mb": "RAG_MAX_FILE_MB",
    }

    def __post_init__(self) -> None:
        problem = _invalid(self)
        if problem:
            from .errors import RagError

            raise RagError(problem)

    @classmethod
    def load(cls, **overrides: Any) -> "Settings":
        """Defaults, then RAG_* variables, then non-None `overrides` (CLI flags)."""
        values: dict[str, Any] = {}
        types = {f.name: f.type for f in fields(cls)}
        for name, var in cls.ENV.items():
            raw = os.environ.get(var)
            if raw is None or raw == "":
                continue
            values[name] = _convert(types[name], raw, var)
        for name, value in overrides.items():
            if value is not None:
                values[name] = value
        for name in ("home", "seeds", "index"):
            if values.get(name) is not None:
                values[name] = Path(values[name]).expanduser()
        return cls(**values)

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def index_dir(self) -> Path:
        """The index folder: explicit, or one per seeds folder under the project's index/."""
        if self.index is not None:
            return self.index
        seeds = self.seeds.resolve()
        digest = hashlib.sha256(str(seeds).encode()).hexdigest()[:8]
        return PROJECT_ROOT / "index" / f"{seeds.name}-{digest}"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    @property
    def model_cache(self) -> Path:
        return self.home / "models"


# the smallest value each number may take (a smaller one would fail later, or quietly misbehave:
# RAG_K=-1 sliced passages from the end, RAG_MIN_SUPPORT=7 withdrew every answer)
_AT_LEAST = {"k": 1, "n_ctx": 512, "threads": 1, "n_batch": 1, "max_tokens": 1, "embed_batch": 1,
             "max_history": 0, "max_question_chars": 1, "corpus_max_tokens": 0}
_CHOICES = {"condense": ("concat", "llm", "off"), "context": ("auto", "corpus", "retrieved")}


def _invalid(settings: Settings) -> str:
    """What is wrong with `settings`, as one line naming the variable to fix; '' when nothing."""
    for name, least in _AT_LEAST.items():
        value = getattr(settings, name)
        if value is not None and value < least:
            return f"{Settings.ENV[name]}={value} is too small (at least {least}); unset it or give a larger number"
    for name, allowed in _CHOICES.items():
        if getattr(settings, name) not in allowed:
            return (f"{Settings.ENV[name]}={getattr(settings, name)!r} is not one of {', '.join(allowed)};"
                    " unset it or give one of those")
    if settings.min_support is not None and not 0.0 <= settings.min_support <= 1.0:
        return f"RAG_MIN_SUPPORT={settings.min_support} is not a probability; unset it or give a number from 0 to 1"
    if not 0 < settings.max_file_mb < float("inf"):  # also NaN
        return f"RAG_MAX_FILE_MB={settings.max_file_mb} is not a usable size; unset it or give a size in MB above 0"
    if settings.index is not None and settings.index.resolve() == settings.seeds.resolve():
        return (f"the index folder is the seeds folder ({settings.seeds}); the index would be written among the "
                "documents: give --index (RAG_INDEX) another folder")
    return ""


def _convert(type_name: Any, raw: str, var: str) -> Any:
    from .errors import RagError

    t = str(type_name)
    try:
        if t.startswith("int"):
            return None if raw.strip().lower() == "auto" and "None" in t else int(raw)
        if t == "bool":
            word = raw.strip().lower()
            if word not in _TRUE | _FALSE:
                raise RagError(f"{var}={raw!r} is neither on nor off; unset it or give 1/0, true/false, yes/no or on/off")
            return word in _TRUE
        if t.startswith("float"):
            return None if raw.strip().lower() == "auto" and "None" in t else float(raw)
    except ValueError:
        raise RagError(f"{var}={raw!r} is not a number; unset it or give a number.") from None
    return raw
