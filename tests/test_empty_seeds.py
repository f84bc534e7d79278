"""Every document deleted from the seeds folder while a chat runs: the index built from them stops
answering (the audit found the chat, its /ask API included, citing files that no longer existed).
Other failed builds keep the previous index answering."""
from __future__ import annotations

import pytest

from rag.errors import NoDocuments, RagError
from rag.pipeline import Pipeline
from tests.conftest import SEED_DOC, FakeEmbedder, FakeLLM

QUESTION = "Siapa yang dipromosikan menjadi menteri luar negeri China?"
NEW_DOC = "baru.txt"
NEW_TEXT = "Kapal selam Nanggala tenggelam di perairan utara Bali pada bulan April.\n"
SAYS = "has no documents any more"


def _delete_every_document(settings) -> None:
    for doc in settings.seeds.iterdir():
        doc.unlink()


def _empty_seeds_message(pipe: Pipeline) -> str:
    with pytest.raises(NoDocuments) as err:
        pipe.ask(QUESTION)
    return str(err.value)


def test_a_pipeline_stops_answering_once_every_document_is_deleted(pipeline, settings, fake_llm):
    assert pipeline.ask(QUESTION).citations[0].doc == SEED_DOC
    _delete_every_document(settings)
    with pytest.raises(NoDocuments, match="no readable .txt or .md documents"):
        pipeline.ensure_index(progress=False)  # what the chat's watcher and its 'Rebuild index' do
    assert pipeline.seeds_empty and "no readable" in pipeline.index_problem
    asked = len(fake_llm.prompts)
    message = _empty_seeds_message(pipeline)
    assert SAYS in message and str(settings.seeds) in message and "add .txt or .md files" in message
    assert "\n" not in message and len(fake_llm.prompts) == asked  # one line; nothing retrieved or generated
    (settings.seeds / NEW_DOC).write_text(NEW_TEXT, encoding="utf-8")
    pipeline.ensure_index(progress=False)
    a = pipeline.ask("Di mana kapal selam Nanggala tenggelam?")
    assert not pipeline.seeds_empty and pipeline.index_problem is None and a.citations[0].doc == NEW_DOC


def test_other_failed_builds_keep_the_previous_index_answering(pipeline, settings, monkeypatch):
    import rag.indexer

    def full_disk(index_dir, store):
        raise RagError(f"could not write the index to {index_dir} (disk full); the previous index is unchanged")

    monkeypatch.setattr(rag.indexer, "publish", full_disk)
    (settings.seeds / NEW_DOC).write_text(NEW_TEXT, encoding="utf-8")
    with pytest.raises(RagError, match="disk full"):
        pipeline.ensure_index(progress=False)
    assert not pipeline.seeds_empty and "disk full" in pipeline.index_problem
    assert pipeline.ask(QUESTION).citations[0].doc == SEED_DOC


def test_a_missing_seeds_folder_is_not_taken_for_an_empty_one(pipeline, settings):
    """A folder gone (an unmounted drive) may come back as it was: the previous index keeps answering."""
    _delete_every_document(settings)
    settings.seeds.rmdir()
    with pytest.raises(RagError, match="does not exist") as err:
        pipeline.ensure_index(progress=False)
    assert not isinstance(err.value, NoDocuments) and not pipeline.seeds_empty
    assert pipeline.ask(QUESTION).citations[0].doc == SEED_DOC


def test_documents_put_back_and_indexed_by_another_process_are_answered_from(pipeline, settings):
    _delete_every_document(settings)
    with pytest.raises(NoDocuments):
        pipeline.ensure_index(progress=False)
    (settings.seeds / NEW_DOC).write_text(NEW_TEXT, encoding="utf-8")
    Pipeline(settings, embedder=FakeEmbedder(), llm=FakeLLM()).ensure_index(progress=False)  # `rag index` elsewhere
    a = pipeline.ask("Di mana kapal selam Nanggala tenggelam?")
    assert a.citations[0].doc == NEW_DOC and not pipeline.seeds_empty and pipeline.index_problem is None


def test_the_chat_box_says_the_seeds_folder_is_empty_without_citations(pipeline, settings):
    from ui.app import build_app, new_session

    app = build_app(pipeline, settings)
    take, answer = (next(f.fn for f in app.fns.values() if f.name == name) for name in ("take_question", "answer"))
    _delete_every_document(settings)
    with pytest.raises(NoDocuments):
        pipeline.ensure_index(progress=False)
    _, chat, session, *_ = take(QUESTION, [], new_session())
    chat, sources, session, *controls = list(answer(chat, session))[-1]
    message = chat[-1]["content"]
    assert "rag-error" in message and SAYS in message and "add .txt or .md files" in message
    assert "rag-cite" not in message and SEED_DOC not in message and not isinstance(sources, str)  # panel untouched
    assert session["questions"] == [] and all(c["interactive"] is True for c in controls)


@pytest.mark.filterwarnings("ignore:::gradio.queueing")
def test_the_ask_api_says_the_seeds_folder_is_empty(tmp_path):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from tests.ui_helpers import running_app

    with running_app(tmp_path) as srv:
        client = Client(srv.url, verbose=False, download_files=False)
        assert client.predict(QUESTION, api_name="/ask")["citations"]
        _delete_every_document(srv.settings)
        with pytest.raises(NoDocuments):
            srv.pipeline.ensure_index(progress=False)
        with pytest.raises(AppError, match=SAYS) as err:
            client.predict(QUESTION, api_name="/ask")
        assert "add .txt or .md files" in str(err.value) and SEED_DOC not in str(err.value)


def test_the_chat_watcher_stops_the_answers_when_the_last_document_goes(settings, fake_embedder, monkeypatch, capsys):
    import threading

    import watchfiles

    from ui.app import watch_seeds

    pipe = Pipeline(settings, embedder=fake_embedder, llm=FakeLLM(), log=lambda m: None)
    pipe.ensure_index(progress=False)
    seen: list[str] = []

    def changes(path, **kw):  # what watchfiles reports: the last document deleted, then one added
        _delete_every_document(settings)
        yield {(watchfiles.Change.deleted, str(settings.seeds / SEED_DOC))}
        seen.append(_empty_seeds_message(pipe))
        (settings.seeds / NEW_DOC).write_text(NEW_TEXT, encoding="utf-8")
        yield {(watchfiles.Change.added, str(settings.seeds / NEW_DOC))}

    monkeypatch.setattr(watchfiles, "watch", changes)
    monkeypatch.setattr("ui.app._warm_up", lambda pipeline: None)
    watch_seeds(pipe, threading.Event())
    err = capsys.readouterr().err
    assert len(seen) == 1 and SAYS in seen[0]
    assert "the index was not updated: no readable .txt or .md documents" in err
    assert "no question is answered until documents are added" in err and "(+1 -1 documents;" in err
    assert pipe.ask("Di mana kapal selam Nanggala tenggelam?").citations[0].doc == NEW_DOC
