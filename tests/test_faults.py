"""Faults: kill -9 during `rag index`, damaged index files, a full disk (the model files: test_model_faults).

The promise under test: the previous index stays loadable and answers, every fault ends in one
clear line (IndexCorrupt, RagError), and the next build repairs what it can.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.atomic import temp_pattern
from rag.errors import IndexCorrupt, RagError
from rag.indexer import build_index
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.store import CURRENT, MANIFEST, PARAGRAPHS, VECTORS, Store, current_generation, load_index
from tests.conftest import SEED_DOC, FakeEmbedder, FakeLLM

DRIVER = Path(__file__).resolve().parent / "kill_driver.py"
QUESTION = "Siapa yang dipromosikan menjadi menteri luar negeri China?"
KILL_SEED = int(os.environ.get("RAG_TEST_KILL_SEED") or time.time_ns() % 1_000_000)
VOCAB = ("ekonomi politik menteri presiden bank pasar harga minyak beras kota desa sungai jalan sekolah "
         "rumah sakit pemilu partai").split()


def quiet(msg: str) -> None:
    pass


def write_corpus(seeds: Path, n_docs: int = 15, rng: random.Random | None = None) -> None:
    rng = rng or random.Random(0)
    for d in range(n_docs):
        lines = [" ".join(rng.choice(VOCAB) for _ in range(12)) + f" dok{d} paragraf{i}." for i in range(10)]
        (seeds / f"doc{d:02d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def seeds_state(seeds: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in seeds.iterdir() if p.suffix == ".txt"}


def index_state(index_dir: Path) -> dict[str, str]:
    return {name: info["sha256"] for name, info in load_index(index_dir).documents.items()}


def answers(settings: Settings) -> None:
    """The live index loads and answers with a verified citation of one of its paragraphs."""
    pipe = Pipeline(settings, embedder=FakeEmbedder(), llm=FakeLLM(), log=quiet)
    answer = pipe.ask(QUESTION)
    assert answer.verified and answer.citations
    assert all(pipe.store.row(c.doc, c.paragraph) is not None for c in answer.citations)


def leftovers(index_dir: Path) -> list[str]:
    live = current_generation(index_dir)
    return sorted(p.name for p in index_dir.iterdir() if p.is_dir() and p != live)


# ------------------------------------------------------------------ kill -9


def test_kill_9_during_index_never_loses_the_live_index(seeds, settings, capsys):
    write_corpus(seeds)
    build_index(settings, FakeEmbedder(), progress=False, log=quiet)
    rng = random.Random(KILL_SEED)
    index_dir = settings.index_dir
    outcomes = {"killed, old index live": 0, "killed, new index live": 0, "finished before the kill": 0}
    max_leftovers = 0

    def trial(n: int, run_and_kill) -> None:
        nonlocal max_leftovers
        before = index_state(index_dir)
        (seeds / f"doc{n % 15:02d}.txt").write_text(f"Dokumen diubah pada percobaan {n}.\n" * 3, encoding="utf-8")
        (seeds / f"trial{n:02d}.txt").write_text(f"Percobaan {n}: kata unik zq{n}x.\n", encoding="utf-8")
        (seeds / f"trial{n - 3:02d}.txt").unlink(missing_ok=True)
        after = seeds_state(seeds)
        killed = run_and_kill()
        state = index_state(index_dir)  # must load: never a half-written index
        assert state in (before, after), f"trial {n} (seed {KILL_SEED}): live index is neither the old nor the new one"
        answers(settings)
        if not killed:
            assert state == after, f"trial {n}: the build finished but its index is not live"
            outcomes["finished before the kill"] += 1
        else:
            outcomes["killed, new index live" if state == after and before != after else "killed, old index live"] += 1
        max_leftovers = max(max_leftovers, len(leftovers(index_dir)))

    # two plain `python tests/kill_driver.py` runs, killed anywhere from start-up to the end of the build
    for n in range(2):
        def plain() -> bool:
            proc = subprocess.Popen([sys.executable, str(DRIVER), str(seeds), str(index_dir)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                proc.wait(timeout=rng.uniform(0.8, 2.0))
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read().decode()
            return proc.returncode == -signal.SIGKILL
        trial(n, plain)

    # builds forked from a warm driver: a build that finishes before its kill times a build (the
    # shortest one seen sets the window); the others are killed after a random delay within that
    # window (start-up, reading, embedding, writing, switching CURRENT, cleaning up). A slow first
    # build on a busy machine would let later builds finish before their kill, so trials go on
    # (up to 40) until at least 12 builds were really killed.
    server = subprocess.Popen([sys.executable, str(DRIVER), "--serve", str(seeds), str(index_dir)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    build_seconds = None
    try:
        assert server.stdout.readline().strip() == "ready"
        n = 2
        while n < 22 or (n < 42 and sum(outcomes.values()) - outcomes["finished before the kill"] < 12):
            def forked() -> bool:
                nonlocal build_seconds
                server.stdin.write("build\n")
                server.stdin.flush()
                pid = int(server.stdout.readline().split()[1])
                start = time.perf_counter()
                if build_seconds is not None:
                    time.sleep(rng.uniform(0.0, build_seconds))
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                _, _, status = server.stdout.readline().split()
                status = int(status)
                assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 or (
                    os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL), f"build failed ({status})"
                if os.WIFEXITED(status):
                    elapsed = time.perf_counter() - start
                    build_seconds = elapsed if build_seconds is None else min(build_seconds, elapsed)
                return os.WIFSIGNALED(status)
            trial(n, forked)
            n += 1
    finally:
        server.stdin.close()
        server.wait(timeout=30)

    trials = sum(outcomes.values())
    killed = trials - outcomes["finished before the kill"]
    with capsys.disabled():
        print(f"\nkill -9 trials (seed {KILL_SEED}): {trials}, all survived; {outcomes}; "
              f"most leftover folders at once: {max_leftovers}; shortest build {build_seconds:.2f}s")
    assert trials >= 22 and killed >= 12, outcomes
    # the next complete build removes what the killed ones left behind
    _, report = build_index(settings, FakeEmbedder(), progress=False, log=quiet)
    assert index_state(index_dir) == seeds_state(seeds)
    assert leftovers(index_dir) == [] and not list(index_dir.glob(temp_pattern(index_dir / CURRENT)))


# ------------------------------------------------------------------ damaged index files


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _rehash(gen: Path) -> None:
    """Make the manifest agree with the files again (as if the damage happened before hashing)."""
    manifest = json.loads((gen / MANIFEST).read_text())
    manifest["files"] = {name: hashlib.sha256((gen / name).read_bytes()).hexdigest() for name in manifest["files"]}
    (gen / MANIFEST).write_text(json.dumps(manifest))


def _drop_line(path: Path) -> None:
    path.write_text("".join(path.read_text().splitlines(keepends=True)[1:]))


def _edit_manifest(gen: Path, edit) -> None:
    manifest = json.loads((gen / MANIFEST).read_text())
    edit(manifest)
    (gen / MANIFEST).write_text(json.dumps(manifest))


def _edit_lines(path: Path, edit) -> None:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for r in rows:
        edit(r)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


DAMAGE = {
    "vectors truncated": lambda gen, idx: _truncate(gen / VECTORS),
    "vectors byte flipped": lambda gen, idx: _flip_byte(gen / VECTORS),
    "vectors truncated, manifest rehashed": lambda gen, idx: (_truncate(gen / VECTORS), _rehash(gen)),
    "paragraphs byte flipped": lambda gen, idx: _flip_byte(gen / PARAGRAPHS),
    "paragraph line lost, manifest rehashed": lambda gen, idx: (_drop_line(gen / PARAGRAPHS), _rehash(gen)),
    "paragraphs not JSON, manifest rehashed": lambda gen, idx: ((gen / PARAGRAPHS).write_text("{oops\n"), _rehash(gen)),
    "manifest truncated": lambda gen, idx: _truncate(gen / MANIFEST),
    "manifest null": lambda gen, idx: (gen / MANIFEST).write_text("null"),
    "manifest a list": lambda gen, idx: (gen / MANIFEST).write_text("[]"),
    "manifest without files": lambda gen, idx: (gen / MANIFEST).write_text('{"format": 1}'),
    "manifest not UTF-8": lambda gen, idx: (gen / MANIFEST).write_bytes(b"\xff\xfe{}"),
    "bm25 file deleted": lambda gen, idx: next(p for p in (gen / "bm25").iterdir() if p.is_file()).unlink(),
    "bm25 file emptied, manifest rehashed": lambda gen, idx: (
        next(p for p in sorted((gen / "bm25").iterdir()) if p.suffix == ".npy").write_bytes(b""), _rehash(gen)),
    "stray file added": lambda gen, idx: (gen / "extra.bin").write_bytes(b"x"),
    "manifest fields missing": lambda gen, idx: _edit_manifest(gen, lambda m: m.pop("embedding")),
    "manifest documents a list": lambda gen, idx: _edit_manifest(gen, lambda m: m.update(documents=[])),
    "paragraph of an unlisted document, rehashed": lambda gen, idx: (
        _edit_lines(gen / PARAGRAPHS, lambda r: r.update(doc="/etc/passwd") if r["n"] == 3 else None), _rehash(gen)),
    "paragraph numbers out of order, rehashed": lambda gen, idx: (
        _edit_lines(gen / PARAGRAPHS, lambda r: r.update(n=r["n"] + 1) if r["n"] == 5 else None), _rehash(gen)),
    "generation deleted": lambda gen, idx: shutil.rmtree(gen),
    "CURRENT empty": lambda gen, idx: (idx / CURRENT).write_text(""),
    "CURRENT not UTF-8": lambda gen, idx: (idx / CURRENT).write_bytes(b"\xff\xfe\x00gen"),
    "CURRENT points outside": lambda gen, idx: (idx / CURRENT).write_text("../../etc\n"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_is_a_clear_error_and_the_next_build_repairs_it(settings, fake_embedder, damage):
    build_index(settings, fake_embedder, progress=False, log=quiet)
    DAMAGE[damage](current_generation(settings.index_dir), settings.index_dir)
    with pytest.raises(IndexCorrupt) as err:
        load_index(settings.index_dir)
    message = str(err.value)
    assert "rag index" in message and "\n" not in message and "Traceback" not in message
    with pytest.raises(IndexCorrupt):  # what `rag ask` / the chat would hit, before any rebuild
        Pipeline(settings, embedder=FakeEmbedder(), llm=FakeLLM(), log=quiet).ask(QUESTION)
    notes: list[str] = []
    rebuilt = FakeEmbedder()
    store, report = build_index(settings, rebuilt, progress=False, log=notes.append)
    assert rebuilt.embedded == 19 and any("rebuilding from scratch" in n for n in notes)  # a full rebuild
    answers(settings)
    assert leftovers(settings.index_dir) == []


def test_index_path_that_is_a_file_is_a_clear_error(settings, fake_embedder, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(RagError, match=r"cannot use .* as the index folder \(it is a file, not a folder\)"):
        build_index(settings.replace(index=tmp_path / "file"), fake_embedder, progress=False, log=quiet)


# ------------------------------------------------------------------ full disk


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KB tmpfs (needs root and mount rights); skipped where it cannot be mounted."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root; the fake-writer tests below cover the same path")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({res.stderr.strip()}); the fake-writer tests cover the same path")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.parametrize("what", ["paragraphs", "vectors"])
def test_disk_full_while_writing_the_index_keeps_the_old_one(seeds, tiny_disk, what):
    settings = Settings.load(seeds=seeds, index=tiny_disk / "index", translate=False, context="retrieved")
    build_index(settings, FakeEmbedder(), progress=False, log=quiet)
    live = current_generation(settings.index_dir)
    if what == "paragraphs":  # a document too big for the disk: Python's write fails (OSError ENOSPC)
        (seeds / "besar.txt").write_text(
            "".join(f"Paragraf {i} tentang {' '.join(VOCAB)} nomor{i}.\n" for i in range(3000)), encoding="utf-8")
        embedder = FakeEmbedder()
    else:  # 19 x 4096-d vectors (300 KB): faiss's writer fails (RuntimeError "No space left on device")
        embedder = FakeEmbedder(dim=4096, model_id="fake-embedder-4096")
    with pytest.raises(RagError, match=r"disk full.*previous index is unchanged") as err:
        build_index(settings, embedder, progress=False, log=quiet)
    assert "\n" not in str(err.value)
    assert current_generation(settings.index_dir) == live
    assert set(load_index(settings.index_dir).documents) == {SEED_DOC}
    answers(settings)
    assert leftovers(settings.index_dir) == []  # the half-written build was removed
    (seeds / "besar.txt").unlink(missing_ok=True)  # space freed by the user: the next build works
    (seeds / "kecil.txt").write_text("Dokumen kecil.\n", encoding="utf-8")
    build_index(settings, FakeEmbedder(), progress=False, log=quiet)
    assert set(load_index(settings.index_dir).documents) == {SEED_DOC, "kecil.txt"}


def test_faiss_write_failure_is_a_clear_error(settings, fake_embedder, seeds, monkeypatch):
    import faiss

    build_index(settings, fake_embedder, progress=False, log=quiet)
    live = current_generation(settings.index_dir)
    (seeds / "baru.txt").write_text("Isi baru.\n", encoding="utf-8")

    def no_space(index, path):
        Path(path).write_bytes(b"partial")
        raise RuntimeError("Error in faiss::FileIOWriter: write error ... (No space left on device)")

    monkeypatch.setattr(faiss, "write_index", no_space)
    with pytest.raises(RagError, match=r"disk full.*previous index is unchanged"):
        build_index(settings, fake_embedder, progress=False, log=quiet)
    assert current_generation(settings.index_dir) == live and leftovers(settings.index_dir) == []
    answers(settings)


def test_failure_while_switching_current_keeps_the_old_index(settings, fake_embedder, seeds, monkeypatch):
    build_index(settings, fake_embedder, progress=False, log=quiet)
    live = current_generation(settings.index_dir)
    (seeds / "baru.txt").write_text("Isi baru.\n", encoding="utf-8")
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst).name == CURRENT:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(RagError, match="disk full"):
        build_index(settings, fake_embedder, progress=False, log=quiet)
    monkeypatch.setattr(os, "replace", real_replace)
    assert current_generation(settings.index_dir) == live
    assert "baru.txt" not in load_index(settings.index_dir).documents
    build_index(settings, fake_embedder, progress=False, log=quiet)  # the orphaned build is cleaned up
    assert leftovers(settings.index_dir) == [] and "baru.txt" in load_index(settings.index_dir).documents


def test_store_save_is_complete_before_publish(settings, fake_embedder):
    """Every file of a generation is listed and hashed in its manifest (what load validates)."""
    store, _ = build_index(settings, fake_embedder, progress=False, log=quiet)
    gen = current_generation(settings.index_dir)
    manifest = json.loads((gen / MANIFEST).read_text())
    on_disk = {p.relative_to(gen).as_posix() for p in gen.rglob("*") if p.is_file()} - {MANIFEST}
    assert set(manifest["files"]) == on_disk and {PARAGRAPHS, VECTORS} <= on_disk
    assert isinstance(Store.load(gen), Store)


def test_an_up_to_date_build_still_removes_what_killed_builds_left(settings, fake_embedder):
    """A build killed after switching CURRENT leaves the index up to date with leftovers beside it:
    the next `rag index` has nothing to embed, yet must clear them."""
    build_index(settings, fake_embedder, progress=False, log=quiet)
    live = current_generation(settings.index_dir)
    (settings.index_dir / ".tmp-0123456789ab").mkdir()
    shutil.copytree(live, settings.index_dir / "gen-19990101T000000-abcdef")
    killed_pointer = settings.index_dir / f".{CURRENT}.k1ll3d.tmp"  # as write_text_atomic names it
    killed_pointer.write_text("gen-19990101T000000-abcdef\n", encoding="utf-8")
    assert list(settings.index_dir.glob(temp_pattern(settings.index_dir / CURRENT))) == [killed_pointer]
    _, report = build_index(settings, fake_embedder, progress=False, log=quiet)
    assert report.up_to_date and current_generation(settings.index_dir) == live
    assert leftovers(settings.index_dir) == [] and not killed_pointer.exists()
