"""write_text_atomic: a reader sees the old file or the whole new one; a failed write leaves no trace."""
from __future__ import annotations

import os

import pytest

import rag.atomic as atomic
from rag.atomic import temp_pattern, write_text_atomic


def test_replaces_the_file_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "sub" / "state.json"
    write_text_atomic(target, "één\n")  # the folder is made; UTF-8 whatever the locale
    write_text_atomic(target, '{"v": 2}')
    assert target.read_text(encoding="utf-8") == '{"v": 2}'
    assert sorted(p.name for p in target.parent.iterdir()) == ["state.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "CURRENT"
    target.write_text("gen-old\n", encoding="utf-8")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    with pytest.raises(OSError):
        write_text_atomic(target, "gen-new\n")
    assert target.read_text(encoding="utf-8") == "gen-old\n"
    assert list(tmp_path.glob(temp_pattern(target))) == [] and len(os.listdir(tmp_path)) == 1


def test_temp_pattern_matches_what_a_killed_write_would_leave(tmp_path, monkeypatch):
    target = tmp_path / "x.verified.json"
    monkeypatch.setattr(atomic.os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    seen = []
    real_unlink = atomic.Path.unlink
    monkeypatch.setattr(atomic.Path, "unlink", lambda self, **k: seen.append(self.name))  # as if killed first
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(target, "{}")
    monkeypatch.setattr(atomic.Path, "unlink", real_unlink)
    assert [p.name for p in tmp_path.glob(temp_pattern(target))] == seen and len(seen) == 1
