"""Reading seeds: paragraph numbering and bad files."""
from __future__ import annotations

import os

import pytest

from rag.documents import Document, Skipped, read_document, read_seeds, split_paragraphs
from rag.errors import RagError


def test_every_nonempty_line_is_a_paragraph_numbered_from_one():
    ps = split_paragraphs("first\n\n  \nsecond line\r\nthird\rfourth\n", "d.txt")
    assert [(p.number, p.text) for p in ps] == [(1, "first"), (2, "second line"), (3, "third"), (4, "fourth")]
    assert all(p.doc == "d.txt" for p in ps)
    assert len({p.hash for p in ps}) == 4


def test_seed_article_has_19_paragraphs(seeds):
    docs, skipped = read_seeds(seeds)
    assert not skipped
    (doc,) = docs
    assert len(doc.paragraphs) == 19
    assert doc.paragraphs[17].text.startswith("Sementara itu, pada hari Jumat, Beijing mengumumkan")
    assert doc.paragraphs[13].text == "Direkomendasikan"


def test_bom_and_utf16_are_decoded(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeffsatu\ndua\n".encode("utf-8"))
    (tmp_path / "u16.txt").write_bytes("satu\ndua\n".encode("utf-16"))
    for name in ("bom.txt", "u16.txt"):
        doc = read_document(tmp_path / name, tmp_path)
        assert isinstance(doc, Document) and [p.text for p in doc.paragraphs] == ["satu", "dua"]


@pytest.mark.parametrize("name, content, reason", [
    ("latin1.txt", "caf\xe9\n".encode("latin-1"), "not UTF-8"),
    ("bin.txt", b"abc\x00def", "binary"),
    ("empty.txt", b"\n \n", "empty"),
])
def test_bad_files_are_skipped_with_a_reason(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("baik\n", encoding="utf-8")
    docs, skipped = read_seeds(tmp_path)
    assert [d.name for d in docs] == ["good.txt"]
    assert len(skipped) == 1 and skipped[0].name == name and reason in skipped[0].reason
    assert "\n" not in str(skipped[0])


def test_symlink_outside_seeds_is_not_followed(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (tmp_path / "secret.txt").write_text("rahasia\n")
    (seeds / "ok.txt").write_text("isi\n")
    os.symlink(tmp_path / "secret.txt", seeds / "link.txt")
    docs, skipped = read_seeds(seeds)
    assert [d.name for d in docs] == ["ok.txt"]
    assert isinstance(skipped[0], Skipped) and "outside" in skipped[0].reason


def test_unreadable_file_is_skipped(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    (tmp_path / "locked.txt").write_text("x\n")
    (tmp_path / "locked.txt").chmod(0)
    (tmp_path / "ok.txt").write_text("y\n")
    docs, skipped = read_seeds(tmp_path)
    assert [d.name for d in docs] == ["ok.txt"] and "cannot be read" in skipped[0].reason


def test_missing_or_empty_seeds_folder_is_a_clear_error(tmp_path):
    with pytest.raises(RagError, match="does not exist"):
        read_seeds(tmp_path / "nope")
    with pytest.raises(RagError, match="no readable"):
        read_seeds(tmp_path)


def test_names_with_spaces_and_non_ascii(tmp_path):
    (tmp_path / "berita ekonomi é.md").write_text("satu\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "dua.txt").write_text("dua\n", encoding="utf-8")
    docs, _ = read_seeds(tmp_path)
    assert sorted(d.name for d in docs) == ["berita ekonomi é.md", "sub/dua.txt"]
