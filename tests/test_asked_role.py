""""Siapa <jabatan> ...?" answered from a paragraph that never names that post is not shown."""
from __future__ import annotations

from rag.answer import generate
from rag.asked_role import asked_post, post_unnamed
from rag.retriever import Hit
from tests.conftest import FakeLLM

PROMOTED = "Beijing mengumumkan bahwa Qin Gang telah dipromosikan menjadi menteri luar negeri."
PM = "Perdana Menteri Inggris Tony Blair tiba di Jakarta pada hari Senin."


def test_the_post_is_the_first_word_after_siapa():
    assert asked_post("Siapa perdana menteri China?") == "perdana"
    assert asked_post("Siapakah nama Kepala Dinas Kesehatan NTT") == "kepala"
    for question in ("Siapa yang dikirim Putin ke Beijing?", "Siapa saja yang hadir?", "Siapa dia?",
                     "Siapa dua tokoh yang diangkat?", "Siapa salah satu pendirinya?",
                     "Who is the prime minister?", "Kapan menteri itu dilantik?"):
        assert asked_post(question) == "", question


def test_a_post_is_found_by_its_stem():
    assert post_unnamed("Siapa perdana menteri China?", [PROMOTED]) == "perdana"
    assert post_unnamed("Siapa nama Perdana Menteri Inggris?", [PM]) == ""
    assert post_unnamed("Siapakah pimpinan partai itu?", ["Partai itu dipimpin oleh Amien Rais."]) == ""
    assert post_unnamed("Siapa yang dipromosikan?", [PROMOTED]) == ""  # no post asked about


def test_an_answer_whose_cited_paragraph_lacks_the_post_becomes_the_refusal():
    passages = [Hit("a.txt", 18, PROMOTED, 1.0)]
    answer = list(generate(FakeLLM(["Qin Gang [18]"]), "Siapa perdana menteri China?", passages, "id", 100))[-1]
    assert answer.refused and not answer.citations and answer.text == "Informasi itu tidak ada dalam dokumen."


def test_the_post_is_looked_for_in_the_paragraph_the_citation_is_moved_to():
    """The model cites a neighbour; the word-matched citation (¶1) holds the post."""
    passages = [Hit("a.txt", 1, PM, 1.0), Hit("a.txt", 2, PROMOTED, 0.9)]
    llm = FakeLLM(["Perdana Menteri Inggris adalah Tony Blair, yang tiba di Jakarta pada hari Senin [2]."])
    answer = list(generate(llm, "Siapa Perdana Menteri Inggris?", passages, "id", 100))[-1]
    assert not answer.refused and [c.paragraph for c in answer.citations] == [1]
