"""The `rag` entry point: usage errors are one line, Ctrl-C never glues its message to a half answer."""
from __future__ import annotations

import sys

import pytest

import rag.cli
import rag.pipeline
from rag.answer import Token
from tests.conftest import FakeEmbedder, FakeLLM


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["rag", *args])
    with pytest.raises(SystemExit) as done:
        rag.cli.main()
    out, err = capsys.readouterr()
    return done.value.code, out, err


@pytest.mark.parametrize("args, says", [
    (["ask", "--k", "0", "q"], "Error: Invalid value for '--k': 0 is not in the range x>=1 (see `rag ask --help`)"),
    (["ask", "--k", "-1", "q"], "Error: Invalid value for '--k': -1 is not in the range x>=1"),
    (["eval", "--limit", "-2", "--qa", "x"], "Error: Invalid value for '--limit': -2 is not in the range x>=1"),
    (["eval"], "Error: Missing option '--qa' (see `rag eval --help`)"),
    (["ask", "--bogus", "q"], "Error: No such option '--bogus'"),
    (["nosuch"], "Error: No such command 'nosuch' (see `rag --help`)"),
])
def test_usage_errors_are_one_line_with_where_to_look(monkeypatch, capsys, args, says):
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith(says), err


def test_help_and_rag_errors_keep_their_exit_codes(monkeypatch, capsys, tmp_path):
    code, out, _ = run_main(monkeypatch, capsys, "ask", "--help")
    assert code == 0 and out.startswith("Usage: rag ask")
    code, out, err = run_main(monkeypatch, capsys, "index", "--seeds", str(tmp_path / "none"))
    assert code == 1 and out == "" and err.startswith("Error: seeds folder") and len(err.splitlines()) == 1


def test_ctrl_c_mid_answer_ends_the_line_before_saying_interrupted(monkeypatch, capsys, settings):
    real = rag.pipeline.Pipeline

    def interrupted_stream(self, question, history=()):
        yield Token("Wang Yi adalah")
        raise KeyboardInterrupt

    def fake_pipeline(s):
        pipe = real(s.replace(translate=False, context="retrieved"), embedder=FakeEmbedder(), llm=FakeLLM(),
                    log=lambda m: None)
        monkeypatch.setattr(pipe, "ask_stream", interrupted_stream.__get__(pipe))
        return pipe

    monkeypatch.setattr(rag.pipeline, "Pipeline", fake_pipeline)
    code, out, err = run_main(monkeypatch, capsys, "ask", "--stream", "--seeds", str(settings.seeds), "--index",
                              str(settings.index_dir), "Siapa menteri luar negeri China?")
    assert code == 130 and out == "Wang Yi adalah\n" and err == "interrupted\n"
