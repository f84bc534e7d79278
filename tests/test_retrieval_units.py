"""Fusion, tokenizer, language detection and follow-up condensation (no real models)."""
from __future__ import annotations

import numpy as np
import pytest

from rag.language import detect_language, tokenize
from rag.lexical import LexicalIndex, windows
from rag.retriever import Hit, Query, Retriever, focus, rrf
from rag.rewrite import QueryRewriter
from tests.conftest import FakeLLM


def test_rrf_weights_and_ranks():
    a = (np.array([2, 0, 1]), 1.0)
    b = (np.array([0, 2]), 1.0)
    fused = rrf([a, b], 4, k=60)
    assert fused[3] == 0
    assert fused[0] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[2] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[1] == pytest.approx(1 / 63)
    heavy = rrf([a, (np.array([1]), 5.0)], 4)
    assert heavy.argmax() == 1


def test_tokenizer_stems_indonesian_and_drops_stopwords():
    assert tokenize("Siapa yang mengirim Medvedev ke Beijing?") == ["kirim", "medvedev", "beijing"]
    assert tokenize("dikirim") == tokenize("mengirim")
    assert tokenize("Pada 2012, 49 orang") == ["2012", "49", "orang"]
    assert tokenize("The visits were opposed", "en") == ["visit", "oppos"]


@pytest.mark.parametrize("text, lang", [
    ("Siapa yang dipromosikan menjadi menteri luar negeri China?", "id"),
    ("Berapa minggu sebelum invasi kunjungan itu terjadi?", "id"),
    ("When did Putin visit Xi in Beijing?", "en"),
    ("Whose invasion of Ukraine does the article describe as faltering?", "en"),
    ("Qui est le ministre ?", "other"),
    ("誰が外務大臣に昇進しましたか", "other"),
    ("🙂", "other"),
])
def test_language_detection(text, lang):
    assert detect_language(text) == lang


def test_hybrid_search_returns_typed_hits(pipeline):
    r = Retriever(pipeline.store, pipeline.embedder)
    hits = r.search([Query("Qin Gang dipromosikan menjadi menteri luar negeri")], 4)
    assert len(hits) == 4 and hits[0].paragraph == 18 and hits[0].doc == "000_7bfd9efb098ecdeb.txt"
    assert hits[0].lexical and hits[0].dense is not None and hits[0].score >= hits[-1].score
    assert set(hits[0].ranks) == {"dense:q", "lexical:q"}  # one document: no window ranking
    lexical = r.search("Qin Gang menteri", 2, mode="lexical")
    assert all(h.dense is None for h in lexical)


def test_windows_join_neighbours_within_a_document_only():
    tokens = [["a"], ["b"], ["c"], ["d"]]
    assert windows(tokens, ["x", "x", "x", "y"]) == [["a", "b"], ["a", "b", "c"], ["b", "c"], ["d"]]
    assert windows([], []) == []


def test_window_bm25_finds_words_split_over_adjacent_paragraphs(tmp_path):
    texts = ["Menteri Qin Gang tiba di Moskow.", "Ia bertemu Lavrov pada hari Senin.",
             "Cuaca di Beijing cerah.", "Lavrov berbicara tentang cuaca."]
    lex = LexicalIndex.build(texts, "id", ["a.txt", "a.txt", "b.txt", "b.txt"])
    own, win = lex.scores_and_windows("Qin Gang bertemu Lavrov")
    assert np.array_equal(own, lex.scores_and_windows("Qin Gang bertemu Lavrov", with_windows=False)[0])
    assert own[0] > 0 and own[1] > 0 and win[0] == win[1] > max(win[2], win[3])
    assert win[2] == win[3] > 0  # "Lavrov" of paragraph 4 reaches 3, but not across documents
    moskow = lex.scores_and_windows("Moskow")[1]  # said in paragraph 1 only: reaches 2, not document b
    assert moskow[0] > 0 and moskow[1] > 0 and moskow[2] == moskow[3] == 0
    lex.save(tmp_path / "bm25")
    again = LexicalIndex.load(tmp_path / "bm25", "id")
    assert np.allclose(again.scores_and_windows("Qin Gang bertemu Lavrov")[1], win)
    assert lex.scores_and_windows("Qin Gang", with_windows=False)[1] is None


def test_window_ranking_and_lower_dense_weight_only_over_several_documents(settings, seeds, fake_embedder):
    from rag.indexer import build_index
    from rag.retriever import dense_weight, window_weight

    assert window_weight(False) == 0 < window_weight(True)
    assert dense_weight("id", "id") > dense_weight("id", "id", True) == dense_weight("en", "id")
    (seeds / "b.txt").write_text("Menteri Qin Gang tiba di Moskow.\nIa bertemu Lavrov pada hari Senin.\n")
    store, _ = build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    hits = Retriever(store, fake_embedder).search("Qin Gang bertemu Lavrov", 2)
    assert {h.doc for h in hits} == {"b.txt"}
    assert all("window:q" in h.ranks for h in hits)


def test_index_without_window_part_still_searches(tmp_path):
    """An index saved before window BM25 existed loads and scores paragraphs alone."""
    lex = LexicalIndex.build(["Qin Gang menteri", "Lavrov"], "id")
    LexicalIndex(lex.bm25, "id").save(tmp_path / "bm25")
    old = LexicalIndex.load(tmp_path / "bm25", "id")
    assert old.window is None and old.scores_and_windows("Qin")[1] is None
    assert old.scores_and_windows("Qin")[0][0] > 0


def test_followup_concat_condensation_uses_the_last_question():
    rw = QueryRewriter(None, condense="concat")
    assert rw.condense("Berapa minggu sebelumnya?", []) == []
    (q,) = rw.condense("Berapa minggu sebelumnya?", ["Siapa yang mengunjungi Xi?", "Kapan kunjungan ke Beijing?"])
    assert q.text == "Kapan kunjungan ke Beijing? Berapa minggu sebelumnya?"


def test_followup_llm_condensation_and_translation_are_cached():
    llm = FakeLLM(["Kapan Putin mengunjungi Beijing?"])
    rw = QueryRewriter(lambda: llm, condense="llm")
    for _ in range(2):
        (q,) = rw.condense("Kapan dia ke sana?", ["Siapa yang mengunjungi Xi di Beijing?"])
    assert q.text == "Kapan Putin mengunjungi Beijing?" and len(llm.prompts) == 1
    assert "Siapa yang mengunjungi Xi di Beijing?" in llm.prompts[0]
    t = FakeLLM(["Kapan Putin mengunjungi Xi?\nextra line"])
    rw2 = QueryRewriter(lambda: t)
    assert rw2.translate("When did Putin visit Xi?", "id") == "Kapan Putin mengunjungi Xi?"
    assert rw2.translate("When did Putin visit Xi?", "id") == "Kapan Putin mengunjungi Xi?"
    assert len(t.prompts) == 1 and "Indonesian" in t.prompts[0]


def test_pipeline_translates_only_across_languages(settings, fake_embedder):
    from rag.pipeline import Pipeline

    llm = FakeLLM(["Kapan Putin mengunjungi Xi di Beijing?"])
    pipe = Pipeline(settings.replace(translate=True), embedder=fake_embedder, llm=llm, log=lambda m: None)
    pipe.ensure_index(progress=False)
    r = pipe.retrieve("When did Putin visit Xi in Beijing?")
    assert [q.name for q in r.queries] == ["q", "translated"] and r.hits[0].paragraph == 16
    r = pipe.retrieve("Kapan Putin mengunjungi Xi di Beijing?")
    assert [q.name for q in r.queries] == ["q"] and len(llm.prompts) == 1


def test_bm25_of_a_question_in_another_language_counts_half(settings, fake_embedder):
    """English words over Indonesian text match names only; the translation's BM25 leads."""
    from rag.indexer import build_index
    from rag.retriever import lexical_weight

    assert lexical_weight("en", "id") == lexical_weight("id", "en") == 0.5
    assert lexical_weight("id", "id") == lexical_weight("other", "id") == 1.0
    store, _ = build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    search = Retriever(store, fake_embedder).search
    same = search([Query("Qin Gang", 1.0, "q", "id")], 1, mode="lexical")[0]
    other = search([Query("Qin Gang", 1.0, "q", "en")], 1, mode="lexical")[0]
    assert other.key == same.key and other.score == pytest.approx(same.score / 2)


def _translator(prompt: str) -> str:
    text = prompt.rsplit("<|im_start|>user\n", 1)[1].split("<|im_end|>")[0]
    return {"When did Putin visit Xi in Beijing?": "Kapan Putin mengunjungi Xi di Beijing?",
            "What did he order two weeks later?": "Apa yang dia perintahkan dua minggu kemudian?"}[text]


def test_a_follow_up_in_another_language_carries_its_translated_referent(settings, fake_embedder):
    from rag.pipeline import Pipeline

    llm = FakeLLM(_translator)
    pipe = Pipeline(settings.replace(translate=True), embedder=fake_embedder, llm=llm, log=lambda m: None)
    pipe.ensure_index(progress=False)
    pipe.retrieve("When did Putin visit Xi in Beijing?")  # the earlier turn
    r = pipe.retrieve("What did he order two weeks later?", ["When did Putin visit Xi in Beijing?"])
    extra = {q.name: q.text for q in r.queries}["history-translated"]
    assert extra == "Kapan Putin mengunjungi Xi di Beijing? Apa yang dia perintahkan dua minggu kemudian?"
    assert len(llm.prompts) == 2  # the earlier question's translation came from its own turn
    assert r.hits[0].paragraph == 16


def test_focus_keeps_the_top_hit_and_those_bm25_matches_nearly_as_well():
    def hit(n: int, lexical: float | None) -> Hit:
        return Hit("d.txt", n, f"paragraph {n}", 1.0 / n, lexical=lexical)

    hits = [hit(1, 10.0), hit(2, 6.0), hit(3, 5.9), hit(4, None), hit(5, 8.0)]
    assert [h.paragraph for h in focus(hits)] == [1, 2, 5]  # rank order kept
    assert [h.paragraph for h in focus(hits, share=0.5)] == [1, 2, 3, 5]
    # a top hit without a BM25 score (no word in common): nothing to compare, all kept
    assert focus([hit(1, None), hit(2, 3.0)]) == [hit(1, None), hit(2, 3.0)]
    assert focus([hit(1, 0.0), hit(2, None)]) == [hit(1, 0.0), hit(2, None)]
    assert focus([]) == [] and focus([hit(1, 2.0)]) == [hit(1, 2.0)]


def test_a_follow_up_that_names_almost_nothing_weighs_less_than_its_earlier_question(settings, fake_embedder):
    """"Setelah apa dia mengatakan hal itu?" matches any paragraph with "mengatakan"; the query
    carrying the earlier question says what "itu" is, so it leads the fusion."""
    from rag.followup import FOLLOWUP_WEIGHT
    from rag.pipeline import Pipeline

    pipe = Pipeline(settings, embedder=fake_embedder, llm=FakeLLM([]), log=lambda m: None)
    pipe.ensure_index(progress=False)
    earlier = "Apa yang dikatakan Putin tentang kesiapan Moskow untuk mengakhiri perang?"
    r = pipe.retrieve("Setelah apa dia mengatakan hal itu?", [earlier])
    assert {q.name: q.weight for q in r.queries} == {"q": FOLLOWUP_WEIGHT, "history": 1.0}
    assert 0 < FOLLOWUP_WEIGHT < 1
    # a question that refers to nothing, or a follow-up that names its own subject, keeps its
    # full weight, history or not
    r = pipe.retrieve("Kapan Putin mengunjungi Xi di Beijing?", [earlier])
    assert r.queries[0].weight == 1.0
    assert pipe.retrieve("Kapan pertemuan tatap muka terakhir mereka?", [earlier]).queries[0].weight == 1.0
    assert pipe.retrieve("Setelah apa dia mengatakan hal itu?").queries[0].weight == 1.0
