"""Reading and checking a QA file for `rag eval` (schema: the shared eval README).

Every line is checked before any model loads, so a bad file fails at once with one line
naming `file:line` and what to fix, not after minutes of retrieval. The rules:

- each non-blank line is a JSON object with a non-empty string `question` that the chat
  would accept (`user_input.clean_question`: words, not too long, and a question that names
  nothing to look for only with a `history`), and a bool `answerable`;
- `id` (default: the line number) is a string, unique within the file;
- `history` (optional, null = none) and `answer_keywords` are lists of strings; a keyword and
  each of its `|` alternatives are non-blank (a blank one would match any answer);
- `gold_paragraphs` is a list of paragraph numbers (ints >= 1), empty when unanswerable;
- an answerable question needs `doc` (a file name of the seeds folder), at least one gold
  paragraph and at least one keyword: without them it could only score 0 (or, without
  keywords, count any answer as right). The schema has no exception for single-document
  corpora, so `doc` is never guessed. An unanswerable question's `doc` is not used.

`check_docs` then checks, once the index is built and before any question is asked, that
each answerable question's `doc` and gold paragraphs exist in it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import BadQuestion, RagError
from .settings import Settings
from .user_input import clean_history, clean_question

LINE = "_line"  # key of each record's line number in the file (not part of the schema)
MAX_QUESTION_CHARS = Settings.max_question_chars

if TYPE_CHECKING:
    from .store import Store


def _strings(row: dict, key: str) -> str:
    """What is wrong with `row[key]` as a list of non-blank strings ('' when nothing)."""
    value = row[key]
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        return f'"{key}" must be a list of strings, not {json.dumps(value, ensure_ascii=False)[:60]}'
    if key == "answer_keywords" and any(not alt.strip() for kw in value for alt in kw.split("|")):
        return '"answer_keywords" has a blank keyword or "|" alternative, which any answer contains; remove it'
    return ""


def _problem(row: Any, max_chars: int) -> str:
    """What is wrong with one parsed line ('' when nothing); fills in the optional fields."""
    if not isinstance(row, dict):
        return "not a JSON object; write one QA record per line"
    if "question" not in row or "answerable" not in row:
        missing = " and ".join(f'"{k}"' for k in ("question", "answerable") if k not in row)
        return f'no {missing}; every QA record needs "question" and "answerable"'
    question = row["question"]
    if not isinstance(question, str) or not question.strip():
        shown = json.dumps(question, ensure_ascii=False)[:60]
        return f'"question" must be a non-empty string, not {shown}; write the question there'
    if not isinstance(row["answerable"], bool):
        return f'"answerable" must be true or false, not {json.dumps(row["answerable"])[:60]}'
    row.setdefault("gold_paragraphs", [])
    row.setdefault("answer_keywords", [])
    if row.get("history") is None:
        row["history"] = []
    for key in ("history", "answer_keywords"):
        problem = _strings(row, key)
        if problem:
            return problem
    gold = row["gold_paragraphs"]
    if not isinstance(gold, list) or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 1 for p in gold):
        shown = json.dumps(gold)[:60]
        return f'"gold_paragraphs" must be a list of paragraph numbers (1, 2, ...), not {shown}'
    if not isinstance(row.get("id", ""), str):
        return f'"id" must be a string, not {json.dumps(row["id"])[:60]}'
    if "doc" in row and not isinstance(row["doc"], str):
        return f'"doc" must be a file name (a string), not {json.dumps(row["doc"])[:60]}'
    if row["answerable"]:
        if not row.get("doc"):
            return 'answerable, but no "doc"; name the file that holds the answer'
        if not gold:
            return 'answerable, but "gold_paragraphs" is empty; list the paragraphs that hold the answer'
        if not row["answer_keywords"]:
            return 'answerable, but "answer_keywords" is empty; list words a right answer contains'
    elif gold:
        return 'unanswerable, but "gold_paragraphs" is not empty; make it [] or set "answerable" to true'
    try:
        clean_question(question, max_chars, follows=bool(clean_history(row["history"])))
    except BadQuestion as exc:
        return f'"question": {exc}'
    return ""


def load_qa(path: Path, max_chars: int = MAX_QUESTION_CHARS) -> list[dict]:
    """Read and check a JSON Lines QA file (rules: module docstring). Any bad line, or no question
    at all, is a one-line RagError naming `file:line` (the first bad one) and what to fix."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RagError(f"cannot read QA file {path} ({exc}); pass a UTF-8 JSON Lines file") from None
    out: list[dict] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            problems.append(f"{path}:{i}: not JSON; write one QA record (a JSON object) per line")
            continue
        problem = _problem(row, max_chars)
        if not problem:
            row.setdefault("id", str(i))
            if row["id"] in seen:
                problem = f'"id" {row["id"]!r} is that of line {seen[row["id"]]} too; give each question its own id'
            seen.setdefault(row["id"], i)
        if problem:
            problems.append(f"{path}:{i}: {problem}")
            continue
        row[LINE] = i
        out.append(row)
    if problems:
        more = f" (and {len(problems) - 1} more bad lines)" if len(problems) > 1 else ""
        raise RagError(problems[0] + more)
    if not out:
        raise RagError(f"{path} holds no questions; write one QA record (a JSON object) per line")
    return out


def check_docs(questions: list[dict], store: "Store", path: Path, seeds: Path) -> None:
    """Each answerable question's `doc` and gold paragraphs exist in the index (RagError naming
    `file:line` otherwise), so no question scores 0 because its gold cannot be found."""
    docs = store.documents
    for q in questions:
        if not q["answerable"]:
            continue
        where = f"{path}:{q.get(LINE, '?')}:"
        doc = q["doc"]
        if doc not in docs:
            example = f" (such as {min(docs)!r})" if docs else ""
            raise RagError(f'{where} "doc" {doc!r} is not a document of {seeds}; name one of its files{example} '
                           "or pass the --seeds folder that holds it")
        bad = [p for p in q["gold_paragraphs"] if store.row(doc, p) is None]
        if bad:
            count = docs[doc].get("paragraphs", "?")
            raise RagError(f'{where} "gold_paragraphs" {bad} are not paragraphs of {doc!r} (it has {count}); '
                           "number its non-empty lines from 1")
