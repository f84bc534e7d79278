"""Citations over several documents: a bare [n] that several documents have (audit defect 5)."""
from __future__ import annotations

from rag.answer import Token, generate
from rag.retriever import Hit
from tests.conftest import FakeLLM


def paragraphs_read(prompt: str) -> str:
    """The paragraph part of a yes/no reading's prompt."""
    return prompt.split("Paragraph:\n", 1)[1].split("\n\nQuestion:", 1)[0]


# --- defect 5: two one-line documents, each a ¶1; the cooperative's is ranked first

LONG = [Hit("koperasi.txt", 1, "Rapat tahunan Koperasi Nelayan Sumber Laut digelar di Desa Tanjung Biru "
                               "pada 3 Januari 2024 dan dipimpin ketua Sutrisno Hadiwijaya.", 1.0),
        Hit("harbor.txt", 1, "The council approved a new lifeboat station at Gull Point, costing "
                             "2.4 million pounds, said mayor Eleanor Whitcombe.", 0.9)]


def test_a_bare_number_is_checked_against_the_document_that_holds_the_sentence():
    # the second reading says yes only for the paragraph that holds the answer
    llm = FakeLLM("The lifeboat station will be built at Gull Point [1].",
                  support=lambda p: 0.9 if "Gull Point" in paragraphs_read(p) else 0.5)
    events = list(generate(llm, "Where will the lifeboat station be built?", LONG, "en", 100))
    a = events[-1]
    assert not a.refused and a.verified and not a.withdrawn
    assert [c.key for c in a.citations] == [("harbor.txt", 1)]
    # the streamed text cites it too: no re-attribution was needed ("the answer reads: ...")
    streamed = "".join(e.text for e in events if isinstance(e, Token))
    assert streamed == a.text == "The lifeboat station will be built at Gull Point [harbor.txt ¶1]."
    assert not a.reattributed
