"""Incremental, atomic index builds (fake embedder counts the embedding work)."""
from __future__ import annotations

import json

import pytest

from rag.errors import IndexCorrupt, IndexMissing, ModelMismatch, RagError, plural
from rag.indexer import build_index
from rag.store import CURRENT, MANIFEST, Store, current_generation, load_index
from tests.conftest import FakeEmbedder


def test_first_build_then_up_to_date(settings, fake_embedder):
    store, report = build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    assert not report.up_to_date and report.embedded == 19 and report.n_paragraphs == 19
    store2, report2 = build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    assert report2.up_to_date and "up to date" in report2.summary()
    assert fake_embedder.embedded == 19  # nothing embedded the second time
    assert [p.text for p in store2.paragraphs] == [p.text for p in store.paragraphs]


def test_summaries_count_in_the_singular_and_the_plural(settings, fake_embedder, seeds):
    """The audit found "+1 documents; 1 paragraphs embedded" after one file with one line was dropped in."""
    _, report = build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    assert report.summary().startswith("indexed 1 document, 19 paragraphs (+1 document; 19 paragraphs embedded,")
    (seeds / "b.txt").write_text("Paragraf satu tentang ekonomi.\n")
    summary = build_index(settings, fake_embedder, progress=False, log=lambda m: None)[1].summary()
    assert summary.startswith("indexed 2 documents, 20 paragraphs (+1 document; 1 paragraph embedded, 19 reused)")
    (seeds / "c.txt").write_text("Paragraf tiga.\n")
    (seeds / "b.txt").unlink()
    summary = build_index(settings, fake_embedder, progress=False, log=lambda m: None)[1].summary()
    assert "(+1 -1 documents; 1 paragraph embedded, 19 reused)" in summary
    assert build_index(settings, fake_embedder, progress=False, log=lambda m: None)[1].summary() == \
        "index up to date (2 documents, 20 paragraphs)"


def test_plural():
    assert [plural(n, "paragraph") for n in (0, 1, 2)] == ["0 paragraphs", "1 paragraph", "2 paragraphs"]
    assert plural(1, "more bad line") == "1 more bad line" and plural(3, "child", "children") == "3 children"


def test_manifest_records_build_info(settings, fake_embedder):
    build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    manifest = json.loads((current_generation(settings.index_dir) / MANIFEST).read_text())
    assert manifest["embedding"] == {"model": "fake-embedder", "dim": 64, "normalized": True}
    assert manifest["n_paragraphs"] == 19 and manifest["corpus_lang"] == "id"
    doc = manifest["documents"]["000_7bfd9efb098ecdeb.txt"]
    assert doc["paragraphs"] == 19 and len(doc["sha256"]) == 64
    assert {"python", "faiss-cpu", "bm25s"} <= set(manifest["versions"])
    assert "built_at" in manifest and set(manifest["files"]) >= {"paragraphs.jsonl", "vectors.faiss"}


def test_only_changed_document_is_reembedded(settings, fake_embedder, seeds):
    (seeds / "b.txt").write_text("Paragraf satu tentang ekonomi.\nParagraf dua tentang politik.\n")
    build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    assert fake_embedder.embedded == 21
    (seeds / "b.txt").write_text("Paragraf satu tentang ekonomi.\nParagraf dua diubah.\nParagraf tiga baru.\n")
    store, report = build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    assert report.changed == ["b.txt"] and report.embedded == 2 and report.reused == 20
    assert store.row("b.txt", 3) is not None
    (seeds / "b.txt").unlink()
    store, report = build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    assert report.removed == ["b.txt"] and report.embedded == 0
    assert store.row("b.txt", 1) is None and len(store.paragraphs) == 19


def test_vectors_survive_incremental_builds_unchanged(settings, fake_embedder, seeds):
    store, _ = build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    before = store.embeddings()
    (seeds / "c.txt").write_text("Dokumen baru.\n")
    store2, _ = build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    assert (store2.embeddings()[:19] == before).all()


def test_other_embedding_model_forces_full_rebuild_and_is_refused_on_load(settings):
    build_index(settings, FakeEmbedder(model_id="model-a"), progress=False, log=lambda m: None)
    with pytest.raises(ModelMismatch, match="model-a"):
        load_index(settings.index_dir, "model-b")
    other = FakeEmbedder(model_id="model-b", dim=32)
    store, report = build_index(settings, other, progress=False, log=lambda m: None)
    assert other.embedded == 19 and store.embed_model == "model-b" and store.vectors.d == 32
    assert any("embedding model changed" in n for n in report.notes)


def test_failure_mid_build_leaves_old_index_live(settings, fake_embedder, seeds, monkeypatch):
    build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    live = current_generation(settings.index_dir)
    (seeds / "new.txt").write_text("Isi baru.\n")

    def boom(self, folder):
        folder.mkdir(parents=True)
        (folder / "paragraphs.jsonl").write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Store, "save", boom)
    with pytest.raises(RagError, match="disk full.*previous index is unchanged"):
        build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    assert current_generation(settings.index_dir) == live
    assert load_index(settings.index_dir).row("new.txt", 1) is None
    assert not [p for p in settings.index_dir.iterdir() if p.name.startswith(".tmp-")]


def test_interrupt_mid_build_leaves_old_index_live(settings, fake_embedder, seeds):
    build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    (seeds / "new.txt").write_text("Isi baru.\n")

    class Interrupting(FakeEmbedder):
        def encode(self, texts, progress=False):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index(settings, Interrupting(), progress=False, log=lambda m: None)
    assert len(load_index(settings.index_dir).paragraphs) == 19


def test_missing_and_corrupt_index(settings, fake_embedder):
    with pytest.raises(IndexMissing, match="rag index"):
        load_index(settings.index_dir)
    build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    gen = current_generation(settings.index_dir)
    (gen / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt, match="damaged.*rag index"):
        load_index(settings.index_dir)
    notes: list[str] = []
    store, report = build_index(settings, fake_embedder, progress=False, log=notes.append)
    assert report.embedded == 19 and any("rebuilding from scratch" in n for n in notes)
    assert not any("run `rag index" in n for n in notes)  # the hint names what is already happening
    assert len(load_index(settings.index_dir).paragraphs) == 19
    (settings.index_dir / CURRENT).write_text("gen-missing\n")
    with pytest.raises(IndexCorrupt, match="missing build"):
        load_index(settings.index_dir)


def test_bad_file_does_not_stop_other_documents(settings, fake_embedder, seeds):
    (seeds / "bad.txt").write_bytes(b"caf\xe9 not utf8 \x81\n")
    (seeds / "good.md").write_text("Dokumen bagus.\n")
    logged: list[str] = []
    store, report = build_index(settings, fake_embedder, progress=False, log=logged.append)
    assert store.row("good.md", 1) is not None
    assert [s.name for s in report.skipped] == ["bad.txt"] and logged == [str(report.skipped[0])]


def test_index_from_an_older_tokenizer_gets_new_bm25_without_reembedding(settings, fake_embedder):
    """An index built before window BM25 existed still loads; the next build adds the window part."""
    import shutil

    build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    gen = current_generation(settings.index_dir)
    manifest = json.loads((gen / MANIFEST).read_text())
    shutil.rmtree(gen / "bm25" / "window")
    manifest["files"] = {k: v for k, v in manifest["files"].items() if not k.startswith("bm25/window/")}
    manifest["tokenizer"] = 3
    (gen / MANIFEST).write_text(json.dumps(manifest))
    assert load_index(settings.index_dir).lexical.window is None
    store, report = build_index(settings, fake_embedder, progress=False, log=lambda m: None)
    assert not report.up_to_date and report.embedded == 0 and report.reused == 19
    assert store.lexical.window is not None
    assert load_index(settings.index_dir).lexical.scores_and_windows("Qin Gang")[1].max() > 0
