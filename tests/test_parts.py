"""Long paragraphs are searched in parts, and a hit holds the part that matched (`rag.parts`)."""
from __future__ import annotations

import numpy as np
import pytest

from rag.errors import IndexCorrupt
from rag.indexer import build_index
from rag.parts import PART_STEP, PART_WORDS, part_text, spans, units
from rag.retriever import Query, Retriever
from rag.store import UNITS, current_generation, load_index

FILLER = [f"kata{i}" for i in range(1000)]
LONG = " ".join(FILLER) + " Kode arsip laporan tahunan itu adalah KX-4471."


def quiet(message: str) -> None:
    pass


def test_a_short_paragraph_is_one_part_and_a_long_one_overlapping_parts_to_its_last_word():
    assert spans("satu dua tiga") == [(0, 3)] and units(["satu dua", "tiga"]) is None
    n = len(LONG.split())
    got = spans(LONG)
    assert got[0] == (0, PART_WORDS) and got[-1] == (n - PART_WORDS, n)
    assert all(e - s == PART_WORDS for s, e in got)
    assert all(b[0] - a[0] <= PART_STEP for a, b in zip(got, got[1:]))  # each pair overlaps
    assert part_text(LONG, 0, n) == LONG
    assert part_text(LONG, 0, 3) == "kata0 kata1 kata2 …"
    assert part_text(LONG, n - 2, n) == "… adalah KX-4471."
    table = units(["pendek sekali", LONG])
    assert table[0].tolist() == [0, 0, 2] and set(table[1:, 0].tolist()) == {1} and len(table) == 1 + len(got)


def test_a_fact_at_the_end_of_a_long_paragraph_is_found_and_shown(settings, seeds, fake_embedder):
    (seeds / "arsip.txt").write_text(f"Laporan tahunan perpustakaan kota.\n{LONG}\n", encoding="utf-8")
    store, _ = build_index(settings, fake_embedder, progress=False, log=quiet)
    assert store.units is not None and store.vectors.ntotal == len(store.units) > len(store.paragraphs)
    for mode in ("lexical", "hybrid"):
        hits = Retriever(store, fake_embedder).search([Query("Apa kode arsip laporan tahunan itu?")], 3, mode)
        # BM25 still favours the 4-word title over a 120-word part; both are handed to the model
        (hit,) = [h for h in hits[:2] if (h.doc, h.paragraph) == ("arsip.txt", 2)]
        assert hit.text.startswith("… ") and hit.text.endswith("KX-4471.") and len(hit.text.split()) <= PART_WORDS + 1
    # saved and loaded as it was built
    again = load_index(settings.index_dir, "fake-embedder")
    assert np.array_equal(again.units, store.units) and again.unit_text(len(store.units) - 1).endswith("KX-4471.")


def test_parts_are_embedded_once_and_reused_by_the_next_build(settings, seeds, fake_embedder):
    (seeds / "arsip.txt").write_text(f"{LONG}\n", encoding="utf-8")
    store, report = build_index(settings, fake_embedder, progress=False, log=quiet)
    n_units = len(store.units)
    assert report.embedded == n_units == fake_embedder.embedded
    (seeds / "b.txt").write_text("Paragraf baru.\n", encoding="utf-8")
    store, report = build_index(settings, fake_embedder, progress=False, log=quiet)
    assert report.embedded == 1 and fake_embedder.embedded == n_units + 1 and len(store.units) == n_units + 1


def test_an_index_without_long_paragraphs_has_no_parts_table(settings, fake_embedder):
    store, _ = build_index(settings, fake_embedder, progress=False, log=quiet)
    assert store.units is None and not (current_generation(settings.index_dir) / UNITS).exists()
    assert store.unit_rows.tolist() == list(range(19))


@pytest.mark.parametrize("bad", [[[0, 0, 5]], [[1, 0, 5], [1, 5, 9]], [[0, 0, 100000]], [[0, 3, 3]]])
def test_a_parts_table_that_does_not_fit_the_paragraphs_is_refused(settings, seeds, fake_embedder, bad):
    import faiss

    (seeds / "arsip.txt").write_text(f"{LONG}\n", encoding="utf-8")
    store, _ = build_index(settings, fake_embedder, progress=False, log=quiet)
    store.units = np.asarray(bad, dtype=np.int64)
    store.vectors = faiss.IndexFlatIP(store.vectors.d)
    store.vectors.add(np.zeros((len(bad), store.vectors.d), np.float32))
    folder = settings.index_dir / "gen-bad"
    store.save(folder)
    with pytest.raises(IndexCorrupt, match="inconsistent"):
        type(store).load(folder)



def test_the_build_summary_says_when_long_paragraphs_were_split(settings, seeds, fake_embedder):
    (seeds / "arsip.txt").write_text(f"{LONG}\n", encoding="utf-8")
    _, report = build_index(settings, fake_embedder, progress=False, log=quiet)
    n = report.n_units
    assert n > 20 and f"20 paragraphs, searched as {n} parts (long paragraphs split)" in report.summary()
    assert f"{n} texts embedded" in report.summary()


def test_the_cli_source_line_of_a_part_starts_at_the_sentence_the_answer_rests_on():
    from rag.answer import Answer
    from rag.citations import Citation
    from rag.render import source_lines
    from rag.retriever import Hit

    part = "… sitokin yang berbahaya bagi pasien. Rapat itu ditutup pukul 16.30 oleh ketua koperasi. Lalu hujan …"
    hits = (Hit("k.txt", 1, part, 1.0), Hit("s.txt", 2, "Paragraf pendek biasa tentang rapat itu.", 0.5))
    answer = Answer(question="Jam berapa rapat ditutup?", text="Rapat ditutup pukul 16.30 [k.txt ¶1][s.txt ¶2].",
                    citations=(Citation("k.txt", 1), Citation("s.txt", 2)), passages=hits)
    assert source_lines(answer) == ["Sources:", "  k.txt ¶1: … Rapat itu ditutup pukul 16.30 oleh ketua koperasi.",
                                    "  s.txt ¶2: Paragraf pendek biasa tentang rapat itu."]
