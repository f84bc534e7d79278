"""`rag eval` checks its QA file up front: a bad line is one line naming file:line, before any model loads."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import rag.evaluate
from rag.errors import RagError
from rag.evaluate import run_eval
from rag.pipeline import Pipeline
from rag.qa_file import load_qa
from tests.conftest import SEED_DOC, FakeEmbedder, FakeLLM

GOOD = {"id": "a", "question": "Siapa yang dipromosikan menjadi menteri luar negeri?", "doc": SEED_DOC,
        "gold_paragraphs": [18], "answer_keywords": ["Qin Gang"], "answerable": True}
UNANSWERABLE = {"id": "u", "question": "Berapa lama panggilan video itu berlangsung?", "doc": SEED_DOC,
                "gold_paragraphs": [], "answer_keywords": [], "answerable": False}


def changed(**fields) -> dict:
    """GOOD with `fields` changed (None: removed) and another id."""
    row = {**GOOD, "id": "b", **fields}
    return {k: v for k, v in row.items() if v is not None}


BAD = {  # a second line that cannot be read as a QA record -> what its error says
    "question a number": (changed(question=42), '"question" must be a non-empty string, not 42'),
    "question null": (changed(question=None) | {"question": None}, '"question" must be a non-empty string, not null'),
    "question empty": (changed(question=""), '"question" must be a non-empty string'),
    "question blank": (changed(question="  \t"), '"question" must be a non-empty string'),
    "no question": (changed(question=None), 'no "question"; every QA record needs'),
    "no answerable": (changed(answerable=None), 'no "answerable"; every'),
    "answerable a string": (changed(answerable="false"), '"answerable" must be true or false'),
    "gold a string": (changed(gold_paragraphs=["abc"]), '"gold_paragraphs" must be a list of paragraph numbers'),
    "gold a number": (changed(gold_paragraphs=18), '"gold_paragraphs" must be a list of paragraph numbers (1, 2, ...), not 18'),
    "gold zero": (changed(gold_paragraphs=[0]), '"gold_paragraphs" must be a list of paragraph numbers'),
    "gold a bool": (changed(gold_paragraphs=[True]), '"gold_paragraphs" must be a list of paragraph numbers'),
    "doc a number": (changed(doc=3), '"doc" must be a file name'),
    "keywords a string": (changed(answer_keywords="Qin"), '"answer_keywords" must be a list of strings'),
    "history of numbers": (changed(history=[1]), '"history" must be a list of strings'),
    "a list": ([1, 2], "not a JSON object; write one QA record per line"),
}

DOUBTFUL = {  # a second line that is read and scored, with a warning -> what the warning says
    "question without words": (changed(question="?!..."), "(the question has no words in it; ask it in words): scored as refused"),
    "question naming nothing": (changed(question="Siapa?"), "names nothing to look for"),
    "question too long": (changed(question="menteri " * 300), "keep it under 2,000"),
    "answerable, no gold": (changed(gold_paragraphs=[]), '"gold_paragraphs" is empty: its retrieval and citations score 0'),
    "unanswerable with gold": (changed(answerable=False), 'unanswerable, but "gold_paragraphs" is not empty'),
    "no doc": (changed(doc=None), 'answerable, but no "doc": its retrieval and citations score 0'),
    "no keywords": (changed(answer_keywords=[]), "any answer that is not a refusal counts as right"),
    "blank keyword": (changed(answer_keywords=["Qin", " "]), "blank keyword"),
    "blank alternative": (changed(answer_keywords=["Qin|"]), "blank keyword"),
    "id a number": (changed(id=7), '"id" 7 is not a string: kept as one'),
    "repeated id": (changed(id="a"), "\"id\" 'a' is that of line 1 too: both are scored"),
}


def write(tmp_path, *rows, text: str | None = None):
    path = tmp_path / "qa.jsonl"
    path.write_text(text if text is not None else "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("row, says", list(BAD.values()), ids=list(BAD))
def test_a_bad_line_is_one_line_naming_file_line_and_what_to_fix(tmp_path, row, says):
    path = write(tmp_path, GOOD, row)
    with pytest.raises(RagError) as err:
        load_qa(path)
    message = str(err.value)
    assert message.startswith(f"{path}:2: ") and says in message and "\n" not in message, message


@pytest.mark.parametrize("row, says", list(DOUBTFUL.values()), ids=list(DOUBTFUL))
def test_a_doubtful_line_is_kept_with_a_warning_naming_file_line(tmp_path, row, says):
    path = write(tmp_path, GOOD, row)
    warned: list[str] = []
    rows = load_qa(path, warn=warned.append)
    assert len(rows) == 2 and isinstance(rows[1]["id"], str)
    assert len(warned) == 1 and warned[0].startswith(f"warning: {path}:2: ") and says in warned[0], warned


def test_warnings_are_capped(tmp_path):
    warned: list[str] = []
    load_qa(write(tmp_path, *[changed(id=str(i), answer_keywords=[]) for i in range(15)]), warn=warned.append)
    assert len(warned) == 11 and warned[-1] == "warning: and 5 more"


def test_every_bad_line_is_counted_and_the_first_named(tmp_path):
    path = write(tmp_path, GOOD, changed(question=42), changed(id="c", gold_paragraphs=18))
    with pytest.raises(RagError, match=r"qa\.jsonl:2: .* \(and 1 more bad line\)$"):
        load_qa(path)


@pytest.mark.parametrize("text", ["", "\n\n  \n", "   "], ids=["empty", "blank lines", "spaces"])
def test_a_file_without_questions_is_an_error(tmp_path, text):
    with pytest.raises(RagError, match=r"qa\.jsonl holds no questions; write one QA record"):
        load_qa(write(tmp_path, text=text))


def test_what_the_schema_allows_is_read(tmp_path):
    follow = {**UNANSWERABLE, "id": "f", "question": "Siapa?", "history": ["Siapa menteri luar negeri China?"]}
    no_doc = {k: v for k, v in UNANSWERABLE.items() if k not in ("doc", "id", "gold_paragraphs", "answer_keywords")}
    rows = load_qa(write(tmp_path, GOOD, follow, {**UNANSWERABLE, "history": None, "extra": 1}, no_doc))
    assert [r["id"] for r in rows] == ["a", "f", "u", "4"]  # a missing id is the line number
    assert rows[2]["history"] == [] and rows[3]["gold_paragraphs"] == [] and rows[3]["answer_keywords"] == []


def test_a_byte_order_mark_is_not_a_bad_line(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n")
    assert [r["id"] for r in load_qa(path)] == ["a"]


# ------------------------------------------------------------------ documents, once the index is built


class NoRetrieval(Pipeline):
    def retrieve(self, *args, **kwargs):
        raise AssertionError("a question was run before the QA file was checked")


@pytest.mark.parametrize("retrieval_only", [True, False], ids=["retrieval-only", "answers"])
def test_no_doc_of_the_file_in_the_index_is_an_error_before_any_question(settings, tmp_path, retrieval_only):
    llm = FakeLLM()
    pipe = NoRetrieval(settings, embedder=FakeEmbedder(), llm=llm, log=lambda m: None)
    path = write(tmp_path, changed(id="x", doc="missing.txt"), changed(doc="other.txt"))
    with pytest.raises(RagError) as err:
        run_eval(settings, path, retrieval_only=retrieval_only, pipeline=pipe)
    message = str(err.value)
    assert message.startswith(f"{path}:1: \"doc\" 'missing.txt' is not a document of") and "--seeds" in message
    assert "\n" not in message and not llm.prompts and not llm.checks


@pytest.mark.parametrize("row, says", [
    (changed(doc="missing.txt"), "\"doc\" 'missing.txt' is not a document of"),
    (changed(gold_paragraphs=[18, 99]), f"\"gold_paragraphs\" [99] is not a paragraph of '{SEED_DOC}' (it has 19)"),
], ids=["unknown doc", "no such paragraph"])
def test_a_doc_or_paragraph_not_in_the_index_is_a_warning_and_the_run_goes_on(settings, tmp_path, capsys, row, says):
    pipe = Pipeline(settings, embedder=FakeEmbedder(), llm=FakeLLM(), log=lambda m: None)
    path = write(tmp_path, GOOD, row)
    r = run_eval(settings, path, retrieval_only=True, pipeline=pipe)
    err = capsys.readouterr().err
    assert r["n"] == 2 and [q["id"] for q in r["questions"]] == ["a", "b"]
    assert f"warning: {path}:2: " in err and says in err, err


@pytest.mark.parametrize("retrieval_only", [True, False], ids=["retrieval-only", "answers"])
def test_a_question_the_chat_would_not_take_is_scored_as_refused(settings, tmp_path, retrieval_only):
    llm = FakeLLM()
    pipe = Pipeline(settings, embedder=FakeEmbedder(), llm=llm, log=lambda m: None)
    path = write(tmp_path, changed(id="odd", question="Siapa?"), {**UNANSWERABLE, "question": "?!"})
    r = run_eval(settings, path, retrieval_only=retrieval_only, pipeline=pipe)
    assert [q["retrieved"] for q in r["questions"]] == [[], []] and not llm.prompts
    assert all("not_asked" in q for q in r["questions"])
    if not retrieval_only:
        assert r["false_refusals"] == 1.0 and r["answer_accuracy"] == 0.0 and r["refusal_accuracy"] == 1.0


def test_an_unanswerable_question_needs_no_doc_of_the_index(settings, tmp_path):
    pipe = Pipeline(settings, embedder=FakeEmbedder(), llm=FakeLLM(), log=lambda m: None)
    path = write(tmp_path, GOOD, {**UNANSWERABLE, "doc": "elsewhere.txt"})
    r = run_eval(settings, path, retrieval_only=True, pipeline=pipe)
    assert r["n"] == 2 and r["n_answerable"] == 1


# ------------------------------------------------------------------ the CLI


@pytest.fixture
def eval_cli(monkeypatch, settings):
    """`rag eval` with the fake embedder and LLM; records whether a pipeline was made."""
    made: dict = {}

    def fake_pipeline(s):
        made["pipeline"] = Pipeline(s.replace(translate=False, context="retrieved"), embedder=FakeEmbedder(),
                                    llm=FakeLLM(), log=lambda m: None)
        return made["pipeline"]

    monkeypatch.setattr(rag.evaluate, "Pipeline", fake_pipeline)

    def run(qa, *args):
        from rag.cli import cli

        return CliRunner().invoke(cli, ["eval", "--seeds", str(settings.seeds), "--index", str(settings.index_dir),
                                        "--qa", str(qa), *args])

    made["run"] = run
    return made


@pytest.mark.parametrize("row", [changed(question=42), changed(gold_paragraphs=["abc"]), changed(gold_paragraphs=18),
                                 changed(question=None) | {"question": None}, changed(answerable="yes")],
                         ids=["question 42", "gold ['abc']", "gold 18", "question null", "answerable 'yes'"])
def test_cli_bad_line_fails_at_once_with_one_line(eval_cli, tmp_path, row):
    path = write(tmp_path, GOOD, row)
    result = eval_cli["run"](path, "--retrieval-only")
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}:2: "), result.output
    assert "unexpected" not in result.output and "pipeline" not in eval_cli  # no index, no model


@pytest.mark.parametrize("text", ["", "\n \n"], ids=["empty", "blank lines"])
def test_cli_file_without_questions_is_not_a_run_of_0(eval_cli, tmp_path, text):
    result = eval_cli["run"](write(tmp_path, text=text), "--json")
    assert result.exit_code == 1 and "holds no questions" in result.output and "pipeline" not in eval_cli


def test_cli_unknown_doc_is_one_line(eval_cli, tmp_path):
    path = write(tmp_path, changed(doc="other.txt"))
    result = eval_cli["run"](path, "--retrieval-only")
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output
    assert result.output.startswith(f"Error: {path}:1: \"doc\" 'other.txt' is not a document of")


def test_cli_good_file_still_runs(eval_cli, tmp_path):
    result = eval_cli["run"](write(tmp_path, GOOD, UNANSWERABLE), "--retrieval-only", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 2

