"""Citation parsing and verification against the passages given to the model."""
from __future__ import annotations

import pytest

from rag.answer import CitationFilter
from rag.reply_shape import is_refusal
from rag.citations import parse_citations
from rag.retriever import Hit

P = [Hit("a.txt", n, f"teks paragraf {n}", 1.0) for n in (3, 5, 9)]
MULTI = [Hit("a.txt", 3, "x", 1.0), Hit("b.txt", 3, "y", 0.9), Hit("b.txt", 7, "z", 0.8)]


@pytest.mark.parametrize("raw, shown, cited", [
    ("Jawabannya X [3].", "Jawabannya X [3].", [3]),
    ("X dan Y [3, 5].", "X dan Y [3][5].", [3, 5]),
    ("X [¶3].", "X [3].", [3]),
    ("X (3).", "X [3].", [3]),
    ("X 【5】.", "X [5].", [5]),
    ("X [Paragraph 9].", "X [9].", [9]),
    ("X [paragraf 5 dan 9].", "X [5][9].", [5, 9]),
    ("X [3][3].", "X [3].", [3]),
    ("X ¶5.", "X [5].", [5]),
])
def test_formats(raw, shown, cited):
    parsed = parse_citations(raw, P)
    assert parsed.text == shown
    assert [c.paragraph for c in parsed.citations] == cited
    assert parsed.invalid == ()


@pytest.mark.parametrize("raw, shown, cited, n_invalid", [
    ("X [4].", "X.", [], 1),  # exists in the document maybe, but was not given
    ("X [99].", "X.", [], 1),
    ("X [3, 99].", "X [3].", [3], 1),
    ("X [0].", "X.", [], 1),
    ("X [3-5].", "X [3][5].", [3, 5], 1),  # 4 is inside the range but was not given
])
def test_out_of_range_citations_are_dropped(raw, shown, cited, n_invalid):
    parsed = parse_citations(raw, P)
    assert parsed.text == shown
    assert [c.paragraph for c in parsed.citations] == cited
    assert len(parsed.invalid) == n_invalid


def test_non_citations_are_left_alone():
    text = "Pada (2012) ia berkata [sic] bahwa [Reuters] melaporkan 49,07 detik."
    parsed = parse_citations(text, P)
    assert parsed.text == text and parsed.citations == () and parsed.invalid == ()


def test_multi_document_labels_and_doc_hints():
    parsed = parse_citations("X [b.txt:3] dan Y [7].", MULTI)
    assert [c.key for c in parsed.citations] == [("b.txt", 3), ("b.txt", 7)]
    assert parsed.text == "X [b.txt ¶3] dan Y [b.txt ¶7]."
    # an ambiguous bare number resolves to the higher-ranked passage
    assert parse_citations("X [3].", MULTI).citations[0].key == ("a.txt", 3)


def test_refusal_detection():
    empty = parse_citations("", P)
    assert is_refusal("NO_ANSWER", empty)
    assert is_refusal("  NO_ANSWER.", empty)
    text = "Dokumen tidak menyebutkan durasinya."
    assert is_refusal(text, parse_citations(text, P))
    cited = "Durasi tidak disebutkan, tetapi panggilan itu terjadi pada Jumat [3]."
    assert not is_refusal(cited, parse_citations(cited, P))
    assert not is_refusal("Qin Gang [5].", parse_citations("Qin Gang [5].", P))


def test_stream_filter_never_shows_an_invalid_citation():
    f = CitationFilter(P)
    pieces = ["Qin ", "Gang dipromosikan [", "9", "9] dan [", "5", "]."]
    shown = "".join(f.feed(p) for p in pieces) + f.flush()
    assert "99" not in shown and "[5]" in shown


def test_stream_filter_holds_back_the_refusal_sentinel():
    f = CitationFilter(P)
    assert f.feed("NO") == "" and f.feed("_ANS") == "" and f.feed("WER") == ""
    assert f.flush() == ""


# two one-line documents: each is a ¶1; the cooperative's is ranked first (audit defect 5)
LONG = [Hit("koperasi.txt", 1, "Rapat tahunan Koperasi Nelayan Sumber Laut digelar di Desa Tanjung Biru "
                               "pada 3 Januari 2024 dan dipimpin ketua Sutrisno Hadiwijaya.", 1.0),
        Hit("harbor.txt", 1, "The council approved a new lifeboat station at Gull Point, costing "
                             "2.4 million pounds, said mayor Eleanor Whitcombe.", 0.9)]


def test_a_bare_number_several_documents_have_resolves_to_the_one_holding_the_sentence():
    parsed = parse_citations("The lifeboat station will be built at Gull Point [1].", LONG)
    assert [c.key for c in parsed.citations] == [("harbor.txt", 1)]
    assert parsed.text == "The lifeboat station will be built at Gull Point [harbor.txt ¶1]."
    parsed = parse_citations("Rapat koperasi dipimpin Sutrisno Hadiwijaya [1]. Gull Point [1].", LONG)
    assert [c.key for c in parsed.citations] == [("koperasi.txt", 1), ("harbor.txt", 1)]
    # nothing to tell them apart by: the higher-ranked one, as before
    assert parse_citations("Ya [1].", LONG).citations[0].key == ("koperasi.txt", 1)
    # a document named in the label is taken as named
    assert parse_citations("Gull Point [koperasi.txt ¶1].", LONG).citations[0].key == ("koperasi.txt", 1)


def test_a_streamed_bare_number_is_resolved_by_the_text_streamed_before_it():
    f = CitationFilter(LONG)
    pieces = ["The lifeboat ", "station will be built at Gull ", "Point [", "1", "]."]
    shown = "".join(f.feed(p) for p in pieces) + f.flush()
    assert shown == "The lifeboat station will be built at Gull Point [harbor.txt ¶1]."
