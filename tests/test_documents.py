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
    ("report.pdf", b"%PDF-1.4", "a .pdf file, not plain text (only .txt and .md are read); save its text as a .txt"),
    ("sub/notes.DOCX", b"PK", "a .docx file, not plain text"),
])
def test_bad_files_are_skipped_with_a_reason(tmp_path, name, content, reason):
    (tmp_path / name).parent.mkdir(exist_ok=True)
    (tmp_path / name).write_bytes(content)
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")  # not a document anyone expects read: not listed
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


def test_utf32_with_a_bom_is_decoded_not_read_as_utf16(tmp_path):
    for codec in ("utf-32", "utf-32-be"):
        data = "satu\ndua\n".encode(codec)
        if codec == "utf-32-be":
            data = b"\x00\x00\xfe\xff" + data
        (tmp_path / "u32.txt").write_bytes(data)
        doc = read_document(tmp_path / "u32.txt", tmp_path)
        assert isinstance(doc, Document) and [p.text for p in doc.paragraphs] == ["satu", "dua"], codec


@pytest.mark.parametrize("make, reason", [
    (lambda seeds: os.symlink("loop.txt", seeds / "loop.txt"), "symlink loop"),
    (lambda seeds: (os.symlink("b.txt", seeds / "a.txt"), os.symlink("a.txt", seeds / "b.txt")), "symlink loop"),
    (lambda seeds: os.symlink("gone.txt", seeds / "dangling.txt"), "broken symlink"),
], ids=["self", "pair", "dangling"])
def test_bad_symlinks_are_skipped_with_their_reason(tmp_path, make, reason):
    (tmp_path / "ok.txt").write_text("isi\n")
    make(tmp_path)
    docs, skipped = read_seeds(tmp_path)
    assert [d.name for d in docs] == ["ok.txt"]
    assert skipped and all(reason in s.reason and "fix or remove the link" in s.reason for s in skipped), skipped


def test_a_folder_that_cannot_be_listed_is_reported(tmp_path, monkeypatch):
    (tmp_path / "ok.txt").write_text("isi\n")
    (tmp_path / "private").mkdir()
    real_walk = os.walk

    def walk(top, onerror=None, **kw):  # as os.walk does when it may not list a folder (root reads any)
        for dirpath, dirnames, filenames in real_walk(top, onerror=onerror, **kw):
            if dirpath.endswith("private"):
                onerror(PermissionError(13, "Permission denied", dirpath))
                continue
            yield dirpath, dirnames, filenames

    monkeypatch.setattr("rag.documents.os.walk", walk)
    docs, skipped = read_seeds(tmp_path)
    assert [d.name for d in docs] == ["ok.txt"]
    assert [str(s) for s in skipped] == ["skipped private/: folder cannot be read (Permission denied); check its permissions"]


def test_when_every_file_is_skipped_the_error_says_why(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(RagError) as err:
        read_seeds(tmp_path)
    message = str(err.value)
    assert "no readable" in message and "skipped latin1.txt: not UTF-8 text; save it as UTF-8 text" in message
    assert "\n" not in message
    for i in range(5):
        (tmp_path / f"bin{i}.txt").write_bytes(b"\x00")
    with pytest.raises(RagError, match=r"and 3 more"):
        read_seeds(tmp_path)


def test_seeds_given_as_a_file_says_so(tmp_path):
    (tmp_path / "one.txt").write_text("isi\n")
    with pytest.raises(RagError, match="is a file, not a folder"):
        read_seeds(tmp_path / "one.txt")


def test_the_size_limit_comes_from_the_caller(tmp_path):
    (tmp_path / "big.txt").write_text("x" * 3000 + "\n")
    (tmp_path / "ok.txt").write_text("isi\n")
    docs, skipped = read_seeds(tmp_path, max_bytes=2048)
    assert [d.name for d in docs] == ["ok.txt"] and "MB limit; split it" in skipped[0].reason
