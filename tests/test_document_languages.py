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


MENLU = ("Retno Marsudi bertemu Yoshimasa Hayashi, diplomat tertinggi Jepang, di Tokyo pada hari Kamis.\n"
         "Sebelum jabatannya sekarang, Retno adalah duta besar untuk Belanda.\n")


@pytest.fixture
def two_ministers(settings, seeds, fake_embedder):
    """The seed article (China's new foreign minister) beside a note on another foreign minister."""
    (seeds / "menlu.txt").write_text(MENLU, encoding="utf-8")
    from rag.pipeline import Pipeline

    pipe = Pipeline(settings, embedder=fake_embedder, llm=FakeLLM([]), log=_quiet)
    pipe.ensure_index(progress=False)
    return pipe


def test_a_search_within_one_document(two_ministers, fake_embedder):
    retriever = Retriever(two_ministers.store, fake_embedder)
    assert retriever.search("jabatan sebelum duta besar", 3)[0].doc == "menlu.txt"
    hits = retriever.search("jabatan sebelum duta besar", 3, within="000_7bfd9efb098ecdeb.txt")
    assert hits and {h.doc for h in hits} == {"000_7bfd9efb098ecdeb.txt"}


def test_a_follow_up_naming_almost_nothing_is_searched_in_the_earlier_question_s_document(two_ministers):
    earlier = "Siapa menteri luar negeri China yang baru?"
    hits = two_ministers.retrieve("Apa jabatannya sebelum itu?", [earlier], 4).hits
    assert {h.doc for h in hits} == {"000_7bfd9efb098ecdeb.txt"} and 18 in [h.paragraph for h in hits]
    # one that names its own subject is searched everywhere
    hits = two_ministers.retrieve("Di mana Retno Marsudi bertemu Hayashi?", [earlier], 4).hits
    assert hits[0].doc == "menlu.txt"


def test_a_follow_up_is_about_the_document_the_earlier_answer_cited(two_ministers):
    from rag.followup import AnsweredDocuments, earlier_document

    store = two_ministers.store
    answered = AnsweredDocuments()
    searched: list[str] = []

    def search(text: str):
        searched.append(text)
        return Retriever(store, two_ministers.embedder).search(text, 1)

    earlier = "Siapa   menteri luar negeri China yang baru?"
    assert earlier_document(store, earlier, answered, search) == "000_7bfd9efb098ecdeb.txt" and searched
    answered.note("siapa menteri luar negeri china yang baru?", ["menlu.txt", "000_7bfd9efb098ecdeb.txt"])
    assert earlier_document(store, earlier, answered, search) == "menlu.txt" and len(searched) == 1
    answered.note("Siapa wali kota Semarang?", [])  # a refusal cites nothing: the search decides
    assert earlier_document(store, "Siapa wali kota Semarang?", answered, search) is not None and len(searched) == 2


def test_the_pipeline_remembers_what_each_answer_cited(two_ministers):
    two_ministers.ask("Di mana Retno Marsudi bertemu Hayashi?")  # the fake model cites the first passage
    assert two_ministers.answered.get("di mana retno marsudi bertemu hayashi?") == "menlu.txt"
    hits = two_ministers.retrieve("Apa jabatannya sebelum itu?", ["Di mana Retno Marsudi bertemu Hayashi?"], 4).hits
    assert {h.doc for h in hits} == {"menlu.txt"}


def test_a_translation_for_the_other_language_s_documents_counts_over_them_only(mixed, fake_embedder):
    search = Retriever(mixed, fake_embedder).search
    assert "000_7bfd9efb098ecdeb.txt" in {h.doc for h in search([Query("Qin Gang Wong", 1.0, "t", "en")], 3)}
    hits = search([Query("Qin Gang Wong", 1.0, "t", "en", only=True)], 3)
    assert hits and {h.doc for h in hits} == {"wong.txt"}


def test_only_a_question_naming_what_an_other_language_document_writes_is_translated_for_it(mixed):
    from rag.mixed import translations_wanted

    assert translations_wanted(mixed, "Siapa menteri luar negeri Australia yang datang ke Beijing?", "id") == ["en"]
    assert translations_wanted(mixed, "Kapan Putin mengunjungi Xi?", "id") == []  # no name of the note
    assert translations_wanted(mixed, "Who visited Beijing?", "en") == []  # the question's own language


def test_a_chain_of_follow_ups_stays_in_the_first_question_s_document(two_ministers):
    """Without answers to go by (`rag ask --history`), the earlier follow-up is searched with its
    own earlier question."""
    history = ["Siapa menteri luar negeri China yang baru?", "Apa jabatannya sebelum itu?"]
    hits = two_ministers.retrieve("Kapan dia dipromosikan?", history, 4).hits
    assert {h.doc for h in hits} == {"000_7bfd9efb098ecdeb.txt"}


def test_a_follow_up_about_an_other_language_document_is_translated_for_it(mixed):
    from rag.mixed import translations_wanted

    assert translations_wanted(mixed, "Apa katanya?", "id") == []
    assert translations_wanted(mixed, "Apa katanya?", "id", within="wong.txt") == ["en"]
    assert translations_wanted(mixed, "Apa katanya?", "id", within="000_7bfd9efb098ecdeb.txt") == []


def test_a_paragraph_found_in_two_identical_documents_takes_one_slot(settings, seeds, fake_embedder):
    (seeds / "copy.txt").write_text((seeds / "000_7bfd9efb098ecdeb.txt").read_text(encoding="utf-8"), encoding="utf-8")
    store, _ = build_index(settings, fake_embedder, progress=False, log=_quiet)
    hits = Retriever(store, fake_embedder).search("Qin Gang dipromosikan menjadi menteri luar negeri", 4)
    assert len(hits) == 4 and len({h.text for h in hits}) == 4  # four different paragraphs
    assert hits[0].paragraph == 18
