"""Documents in different languages in one corpus: each paragraph is weighed by its own document's
language, and a question is translated for the documents in the other language (no real models)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from rag.indexer import build_index
from rag.language import document_languages
from rag.retriever import Query, Retriever, rrf
from rag.store import load_index
from tests.conftest import FakeLLM

WONG = ("Australian foreign minister Penny Wong arrived in Beijing on Tuesday, the first visit by an "
        "Australian foreign minister to China since 2019.\n"
        "\"We have agreed to continue talking,\" Wong told reporters after the meeting, adding that "
        "stabilising the relationship would take time.\n")


def _quiet(msg: str) -> None:
    pass


@pytest.fixture
def mixed(settings, seeds, fake_embedder):
    """The seed article (Indonesian) beside a short English note."""
    (seeds / "wong.txt").write_text(WONG, encoding="utf-8")
    store, _ = build_index(settings, fake_embedder, progress=False, log=_quiet)
    return store


def test_each_document_gets_its_own_language_and_an_unclear_one_the_corpus_s():
    pairs = [("a.txt", "Menteri itu mengatakan bahwa kunjungan tersebut akan dilakukan"),
             ("b.txt", "The minister said that the visit would take place"), ("c.txt", "Qin Gang 2023")]
    assert document_languages(pairs, "id") == {"a.txt": "id", "b.txt": "en", "c.txt": "id"}


def test_a_weight_per_row_in_the_fusion():
    fused = rrf([(np.array([1, 0]), np.array([0.5, 1.0, 2.0]))], 3, k=0)
    assert fused.tolist() == pytest.approx([0.5 / 2, 1.0 / 1, 0.0])


def test_the_manifest_records_each_document_s_language(mixed, settings):
    assert mixed.manifest["doc_langs"] == {"000_7bfd9efb098ecdeb.txt": "id", "wong.txt": "en"}
    assert mixed.lang == "id" and mixed.languages == {"id", "en"}
    assert [str(x) for x in mixed.row_langs[-3:]] == ["id", "en", "en"]


def test_a_one_language_corpus_keeps_one_weight(settings, fake_embedder):
    store, _ = build_index(settings, fake_embedder, progress=False, log=_quiet)
    assert store.row_langs is None and store.languages == {"id"}


def test_an_index_built_before_languages_were_stored_detects_them(mixed, settings):
    folder = settings.index_dir
    current = load_index(folder)
    manifest_path = folder / current.generation / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["doc_langs"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    old = load_index(folder)
    assert "doc_langs" not in old.manifest and old.doc_langs == mixed.manifest["doc_langs"]


def test_a_question_counts_fully_over_the_paragraphs_in_its_own_language(mixed, fake_embedder):
    search = Retriever(mixed, fake_embedder).search
    english = search([Query("stabilising relationship Wong", 1.0, "q", "en")], 1, mode="lexical")[0]
    indonesian = search([Query("stabilising relationship Wong", 1.0, "q", "id")], 1, mode="lexical")[0]
    assert english.doc == indonesian.doc == "wong.txt"
    assert english.score == pytest.approx(2 * indonesian.score)  # 1 / (k + 1) at full weight, half of it
    seed = search([Query("Qin Gang", 1.0, "q", "en")], 1, mode="lexical")[0]
    assert seed.doc != "wong.txt" and seed.score == pytest.approx(english.score / 2)


def test_an_english_question_finds_the_english_note_over_indonesian_articles(mixed, fake_embedder):
    hits = Retriever(mixed, fake_embedder).search(
        [Query("Who said stabilising the relationship would take time?", 1.0, "q", "en"),
         Query("Siapa yang mengatakan stabilisasi hubungan akan memerlukan waktu?", 1.0, "translated")], 2)
    assert hits[0].key == ("wong.txt", 2)


def _translator(prompt: str) -> str:
    text = prompt.rsplit("<|im_start|>user\n", 1)[1].split("<|im_end|>")[0]
    return {"Siapa menteri luar negeri Australia?": "Who is the Australian foreign minister?",
            "Who is the Australian foreign minister?": "Siapa menteri luar negeri Australia?"}[text]


def test_a_question_is_translated_for_the_documents_in_the_other_language(mixed, settings, fake_embedder):
    from rag.pipeline import Pipeline

    llm = FakeLLM(_translator)
    pipe = Pipeline(settings.replace(translate=True), embedder=fake_embedder, llm=llm, log=_quiet)
    pipe.ensure_index(progress=False)
    r = pipe.retrieve("Siapa menteri luar negeri Australia?")
    assert [(q.name, q.lang) for q in r.queries] == [("q", "id"), ("translated-en", "en")]
    assert r.queries[1].text == "Who is the Australian foreign minister?"
    assert r.hits[0].doc == "wong.txt"
    r = pipe.retrieve("Who is the Australian foreign minister?")  # into the corpus's language, as before
    assert [q.name for q in r.queries] == ["q", "translated"]
