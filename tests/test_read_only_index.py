"""An index folder this process may not write: answering from an up-to-date index works, building
(or an index that would need a build) is one line saying the folder is not writable.

The folder is made read-only by refusing the lock file's creation as the kernel would (EACCES,
EROFS), so the tests run as root too; one test uses chmod where that binds (not as root)."""
from __future__ import annotations

import errno
import fcntl
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import rag.pipeline
import rag.store as store
from rag.errors import RagError
from rag.indexer import build_index
from rag.pipeline import Pipeline
from rag.store import current_generation
from tests.conftest import FakeEmbedder, FakeLLM

QUESTION = "Siapa yang dipromosikan menjadi menteri luar negeri China?"


def quiet(msg: str) -> None:
    pass


@pytest.fixture
def built(settings) -> Path:
    """An up-to-date index of the seeds folder."""
    build_index(settings, FakeEmbedder(), progress=False, log=quiet)
    return settings.index_dir


@pytest.fixture(params=[errno.EACCES, errno.EROFS], ids=["permission", "read-only-fs"])
def read_only(request, monkeypatch):
    """Nothing can be created in an index folder (its lock file included)."""
    def refuse(path: Path):
        raise OSError(request.param, os.strerror(request.param), str(path))

    monkeypatch.setattr(store, "_open_lock", refuse)
    return request.param


def test_up_to_date_index_in_a_read_only_folder_answers(settings, built, read_only):
    leftover = built / ".tmp-left-by-a-killed-build"  # cleanup would need writing: not attempted
    leftover.mkdir()
    embedder = FakeEmbedder()
    pipe = Pipeline(settings, embedder=embedder, llm=FakeLLM(), log=quiet)
    report = pipe.ensure_index(progress=False)
    assert report.up_to_date and embedder.calls == []
    answer = pipe.ask(QUESTION)
    assert answer.verified and answer.citations
    assert leftover.is_dir()


@pytest.mark.parametrize("change", ["none yet", "documents changed", "model changed"])
def test_read_only_index_that_needs_a_build_is_one_line(settings, built, read_only, change):
    embedder = FakeEmbedder(model_id="other-embedder" if change == "model changed" else "fake-embedder")
    if change == "none yet":
        settings = settings.replace(index=built.parent / "empty-index")
        settings.index_dir.mkdir()
    if change == "documents changed":
        (settings.seeds / "new.txt").write_text("Paragraf baru tentang pasar beras di kota.\n", encoding="utf-8")
    live = current_generation(built)
    pipe = Pipeline(settings, embedder=embedder, llm=FakeLLM(), log=pytest.fail)  # no "rebuilding" note either
    with pytest.raises(RagError) as err:
        pipe.ensure_index(progress=False)
    message = str(err.value)
    why = {"none yet": "there is none yet", "documents changed": "the documents changed since it was built",
           "model changed": "it was built with another embedding model"}[change]
    assert f"needs a build ({why}) but the folder is not writable" in message and "--index DIR" in message
    assert "\n" not in message and embedder.calls == [] and current_generation(built) == live


def test_rag_index_on_a_read_only_folder_is_one_line(settings, built, read_only):
    embedder = FakeEmbedder()
    with pytest.raises(RagError) as err:
        build_index(settings, embedder, progress=False, log=quiet)  # even when up to date: it was asked to write
    assert str(err.value) == (f"index folder {built} is not writable ({os.strerror(read_only)}); make it writable, "
                              "or pass --index DIR pointing at a writable folder")
    assert embedder.calls == []


def test_cli_ask_reads_and_index_refuses_a_read_only_folder(settings, built, read_only, monkeypatch):
    from rag.cli import cli

    real = rag.pipeline.Pipeline
    monkeypatch.setattr(rag.pipeline, "Pipeline", lambda s: real(s.replace(translate=False, context="retrieved"),
                                                                  embedder=FakeEmbedder(), llm=FakeLLM(), log=quiet))
    monkeypatch.setattr("rag.indexer.embed_location", lambda s: ("fake-embedder", "nowhere"))
    args = ["--seeds", str(settings.seeds), "--index", str(built)]
    result = CliRunner().invoke(cli, ["ask", *args, QUESTION])
    assert result.exit_code == 0 and "Sources:" in result.output, result.output
    result = CliRunner().invoke(cli, ["index", *args])
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert result.output.startswith(f"Error: index folder {built} is not writable")


def test_read_only_reader_waits_for_a_build_in_progress(settings, built, read_only):
    """A reader takes the lock file shared (it can open it read-only): a build holding it
    exclusively finishes before the reader decides whether the index is up to date."""
    done = threading.Event()
    with open(built / ".lock", "w") as writer:
        fcntl.flock(writer, fcntl.LOCK_EX)  # as a `rag index` in progress
        reader = threading.Thread(target=lambda: (Pipeline(settings, embedder=FakeEmbedder(), llm=FakeLLM(), log=quiet)
                                                  .ensure_index(progress=False), done.set()))
        reader.start()
        assert not done.wait(0.3)
    reader.join(5)
    assert done.is_set()


def test_read_only_folder_without_a_lock_file_is_read_without_one(settings, built, read_only):
    (built / ".lock").unlink()
    report = Pipeline(settings, embedder=FakeEmbedder(), llm=FakeLLM(), log=quiet).ensure_index(progress=False)
    assert report.up_to_date


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod; the simulated tests above cover it")
def test_chmod_read_only_index_folder(settings, built):
    os.chmod(built, 0o555)
    try:
        report = Pipeline(settings, embedder=FakeEmbedder(), llm=FakeLLM(), log=quiet).ensure_index(progress=False)
        assert report.up_to_date
        with pytest.raises(RagError, match="is not writable"):
            build_index(settings, FakeEmbedder(), progress=False, log=quiet)
    finally:
        os.chmod(built, 0o755)
