"""How a paragraph's text is written into the model's prompt (`prompt.passage_line`)."""
from __future__ import annotations

from rag.prompt import build_prompt, passage_line, spaced
from rag.retriever import Hit

GLUED = "Presiden Rusia hanya sekali meninggalkan bekas Uni Soviet—untuk pertemuan puncak di Teheran—sejak perang dimulai."


def test_a_dash_joining_two_words_is_spaced_and_a_spaced_one_is_left_alone():
    assert spaced("Uni Soviet—untuk") == "Uni Soviet — untuk"
    assert spaced("tahun 2012–2014") == "tahun 2012 – 2014"
    assert spaced("Uni Soviet — untuk") == "Uni Soviet — untuk"
    assert spaced("pra-perang dan pasca-perang") == "pra-perang dan pasca-perang"  # a hyphen is part of the word


def test_the_prompt_shows_the_spaced_text_and_the_hit_keeps_the_document_s():
    hit = Hit("a.txt", 17, GLUED, 1.0)
    assert passage_line(hit, multi_doc=False) == "[17] " + spaced(GLUED)
    assert "Soviet — untuk" in build_prompt("Ke mana Putin pergi?", [hit], "id", len, 4096, 100).text
    assert hit.text == GLUED  # quotes and citation checks read the document's own words
