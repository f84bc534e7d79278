"""A running chat (or any long-lived Pipeline) follows the index: one another process publishes, and
the seeds folder it watches itself."""
from __future__ import annotations

import threading
import time

from rag.pipeline import Pipeline
from rag.store import CURRENT, current_generation
from tests.conftest import FakeLLM, WarmingLLM

NEW_DOC = "001_tambahan.txt"
NEW_TEXT = "Kapal selam Nanggala tenggelam di perairan utara Bali pada bulan April.\n"
QUESTION = "Di mana kapal selam Nanggala tenggelam?"


def _other_process_adds_a_document(settings, fake_embedder) -> str:
    """What `rag index` (or `--watch`) in another terminal does: a new document, a new generation."""
    (settings.seeds / NEW_DOC).write_text(NEW_TEXT, encoding="utf-8")
    Pipeline(settings, embedder=fake_embedder, llm=FakeLLM()).ensure_index(progress=False)
    return current_generation(settings.index_dir).name


def test_a_pipeline_answers_from_the_index_another_process_published(pipeline, settings, fake_embedder):
    before = pipeline.store
    assert NEW_DOC not in before.documents
    assert pipeline.refresh() is False  # nothing new
    published = _other_process_adds_a_document(settings, fake_embedder)
    a = pipeline.ask(QUESTION)
    assert pipeline.store is not before and pipeline.store.generation == published
    assert a.retrieved[0].doc == NEW_DOC and a.citations[0].doc == NEW_DOC
    assert pipeline.refresh() is False  # switched once


def test_own_rebuild_is_not_taken_for_a_new_index(pipeline):
    store = pipeline.store
    assert store.generation == current_generation(pipeline.settings.index_dir).name
    assert pipeline.refresh() is False and pipeline.store is store


def test_whole_corpus_context_follows_the_new_index(settings, fake_embedder):
    pipe = Pipeline(settings.replace(context="corpus"), embedder=fake_embedder, llm=FakeLLM())
    pipe.ensure_index(progress=False)
    assert len(pipe.context_passages()) == 19
    _other_process_adds_a_document(settings, fake_embedder)
    a = pipe.ask(QUESTION)
    assert len(a.passages) == 20 and any(h.doc == NEW_DOC for h in a.passages)


def test_a_damaged_newer_index_is_reported_once_and_the_old_one_keeps_answering(settings, fake_embedder):
    logged: list[str] = []
    pipe = Pipeline(settings, embedder=fake_embedder, llm=FakeLLM(), log=logged.append)
    pipe.ensure_index(progress=False)
    store = pipe.store
    broken = settings.index_dir / "gen-20990101T000000-broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    (settings.index_dir / CURRENT).write_text(broken.name + "\n", encoding="utf-8")
    for _ in range(2):
        a = pipe.ask("Siapa yang dipromosikan menjadi menteri luar negeri?")
        assert a.citations and a.citations[0].paragraph == 18
        assert pipe.store is store
    assert len(logged) == 1 and "cannot be used" in logged[0] and "rag index" in logged[0]


def test_an_index_published_for_another_seeds_folder_is_not_switched_to(settings, fake_embedder, tmp_path):
    """`rag eval --seeds A --index X` running while `rag ask --index X` (seeds B) rebuilt X: the eval
    went on answering A's questions from B's documents (FacQA test-100 fell from 0.75 to 0.03)."""
    logged: list[str] = []
    pipe = Pipeline(settings, embedder=fake_embedder, llm=FakeLLM(), log=logged.append)
    pipe.ensure_index(progress=False)
    store = pipe.store
    other = tmp_path / "other-seeds"
    other.mkdir()
    (other / NEW_DOC).write_text(NEW_TEXT, encoding="utf-8")
    Pipeline(settings.replace(seeds=other), embedder=fake_embedder, llm=FakeLLM()).ensure_index(progress=False)
    for _ in range(2):
        a = pipe.ask("Siapa yang dipromosikan menjadi menteri luar negeri?")
        assert pipe.store is store and a.citations and a.citations[0].paragraph == 18
    assert len(logged) == 1 and "built for" in logged[0] and str(other.resolve()) in logged[0]
    assert "give each seeds folder its own --index" in logged[0]


def _run_until_prepared(loop, pipe: Pipeline, llm: WarmingLLM, change, *extra) -> None:
    """Run a chat loop (`loop(pipe, stop, *extra)`) in a thread, make `change`, and stop the loop
    once the new document's text has been prepared (warmed), or after 15 s."""
    stop = threading.Event()
    thread = threading.Thread(target=loop, args=(pipe, stop, *extra), daemon=True)
    thread.start()
    try:
        time.sleep(0.3)  # the loop is set up (a watcher sees only later changes)
        change()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(NEW_TEXT.strip() in w for w in llm.warmed):
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_the_chat_switches_to_a_published_index_and_prepares_it(settings, fake_embedder):
    from ui.app import follow_index

    llm = WarmingLLM()
    pipe = Pipeline(settings.replace(context="corpus"), embedder=fake_embedder, llm=llm)
    pipe.ensure_index(progress=False)
    _run_until_prepared(follow_index, pipe, llm, lambda: _other_process_adds_a_document(settings, fake_embedder), 0.05)
    assert pipe.store.generation == current_generation(settings.index_dir).name
    assert NEW_DOC in pipe.store.documents
    # the new corpus's prompt prefix, and its new paragraph's readings, were prepared
    assert any(NEW_TEXT.strip() in w and "Paragraph:" not in w for w in llm.warmed)
    assert any(NEW_TEXT.strip() in w and "Paragraph:" in w for w in llm.warmed)


def test_the_chat_indexes_a_file_dropped_into_seeds_and_prepares_it(settings, fake_embedder, capsys):
    from ui.app import watch_seeds

    llm = WarmingLLM()
    pipe = Pipeline(settings.replace(context="corpus"), embedder=fake_embedder, llm=llm)
    pipe.ensure_index(progress=False)
    _run_until_prepared(watch_seeds, pipe, llm, lambda: (settings.seeds / NEW_DOC).write_text(NEW_TEXT, encoding="utf-8"))
    assert NEW_DOC in pipe.store.documents
    assert "(+1 document; 1 paragraph embedded, 19 reused)" in capsys.readouterr().err  # only the new paragraph
    assert pipe.store.generation == current_generation(settings.index_dir).name
    assert any(NEW_TEXT.strip() in w and "Paragraph:" in w for w in llm.warmed)  # prepared for questions
    a = pipe.ask(QUESTION)
    assert a.retrieved[0].doc == NEW_DOC and any(h.doc == NEW_DOC for h in a.passages)


def test_rag_index_watch_rebuilds_on_each_change_and_keeps_going_after_a_failed_build(settings, monkeypatch):
    import watchfiles
    from click.testing import CliRunner

    import rag.indexer
    from rag.cli import cli
    from rag.errors import RagError
    from rag.store import load_index
    from tests.conftest import FakeEmbedder

    monkeypatch.setattr(rag.indexer, "get_embedder", lambda s: FakeEmbedder())
    real_publish = rag.indexer.publish
    new = settings.seeds / NEW_DOC
    seen: list[int] = []

    def changes(path, **kw):  # what watchfiles reports, one change after another
        new.write_text(NEW_TEXT, encoding="utf-8")
        yield {(watchfiles.Change.added, str(new))}
        seen.append(len(load_index(settings.index_dir).documents))
        new.write_text(NEW_TEXT + "Paragraf kedua.\n", encoding="utf-8")

        def full_disk(index_dir, store):
            raise RagError(f"could not write the index to {index_dir} (disk full); the previous index is unchanged")
        monkeypatch.setattr(rag.indexer, "publish", full_disk)
        yield {(watchfiles.Change.modified, str(new))}
        monkeypatch.setattr(rag.indexer, "publish", real_publish)
        seen.append(load_index(settings.index_dir).documents[NEW_DOC]["paragraphs"])
        new.unlink()
        yield {(watchfiles.Change.deleted, str(new))}

    monkeypatch.setattr(watchfiles, "watch", changes)
    result = CliRunner().invoke(cli, ["index", "--watch", "--seeds", str(settings.seeds),
                                      "--index", str(settings.index_dir)])
    assert result.exit_code == 0, result.output
    assert seen == [2, 1]  # the dropped-in document was indexed; the failed build left that index live
    assert "error: could not write the index" in result.output and "Traceback" not in result.output
    assert result.output.count("indexed ") == 3 and NEW_DOC not in load_index(settings.index_dir).documents


def test_rag_index_watch_skips_a_symlink_loop_and_survives_an_unexpected_error(settings, monkeypatch):
    """A symlink loop dropped into seeds ended `rag index --watch` ("unexpected RuntimeError")."""
    import os

    import watchfiles
    from click.testing import CliRunner

    import rag.indexer
    from rag.cli import cli
    from rag.store import load_index
    from tests.conftest import FakeEmbedder

    monkeypatch.setattr(rag.indexer, "get_embedder", lambda s: FakeEmbedder())
    real_publish = rag.indexer.publish
    new = settings.seeds / NEW_DOC

    def changes(path, **kw):
        os.symlink("loop.txt", settings.seeds / "loop.txt")
        yield {(watchfiles.Change.added, str(settings.seeds / "loop.txt"))}

        def bug(index_dir, store):
            raise RuntimeError("something no one expected")
        monkeypatch.setattr(rag.indexer, "publish", bug)
        new.write_text(NEW_TEXT, encoding="utf-8")
        yield {(watchfiles.Change.added, str(new))}
        monkeypatch.setattr(rag.indexer, "publish", real_publish)
        yield {(watchfiles.Change.modified, str(new))}

    monkeypatch.setattr(watchfiles, "watch", changes)
    result = CliRunner().invoke(cli, ["index", "--watch", "--seeds", str(settings.seeds),
                                      "--index", str(settings.index_dir)])
    assert result.exit_code == 0, result.output
    assert "skipped loop.txt: symlink loop" in result.output
    assert "error: unexpected RuntimeError while indexing: something no one expected (a bug;" in result.output
    assert NEW_DOC in load_index(settings.index_dir).documents and "Traceback" not in result.output
