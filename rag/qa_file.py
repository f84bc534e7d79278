"""Reading and checking a QA file for `rag eval` (schema: the shared eval README).

Every line is checked before any model loads. A line that cannot be read as a QA record stops
the run at once with one line naming `file:line` and what to fix, not after minutes of
retrieval:

- each non-blank line is a JSON object with a non-empty string `question` and a bool `answerable`;
- `history` (optional, null = none) and `answer_keywords` are lists of strings, `gold_paragraphs`
  a list of paragraph numbers (ints >= 1), `doc` a string.

A record that can be read but cannot be scored as meant is run and scored, with a warning line
on stderr naming `file:line`, because a whole evaluation must not fail over one odd record:
an answerable question without `doc`, gold paragraphs or keywords (it can only score 0, or,
without keywords, any answer counts as right), an unanswerable one with gold paragraphs, a blank
keyword (any answer contains it), a repeated or non-string `id` (kept, as a string), a question
the chat would not take (`user_input.clean_question`: scored as refused, as the chat refuses it).

`check_docs` then checks, once the index is built and before any question is asked, each
answerable question's `doc` and gold paragraphs: none of the docs in the index is an error (the
wrong seeds folder), some missing is a warning.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .errors import BadQuestion, RagError, plural
from .settings import Settings
from .user_input import clean_history, clean_question

LINE = "_line"  # key of each record's line number in the file (not part of the schema)
UNASKABLE = "_unaskable"  # key of why the chat would not take a record's question
MAX_QUESTION_CHARS = Settings.max_question_chars

if TYPE_CHECKING:
    from .store import Store


def _strings(row: dict, key: str) -> str:
    """What is wrong with `row[key]` as a list of strings ('' when nothing)."""
    value = row[key]
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        return f'"{key}" must be a list of strings, not {json.dumps(value, ensure_ascii=False)[:60]}'
    return ""


def _problem(row: Any) -> str:
    """What makes one parsed line unreadable as a QA record ('' when nothing); fills in the optional fields."""
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
    if row.get("doc") is not None and not isinstance(row["doc"], str):
        return f'"doc" must be a file name (a string), not {json.dumps(row["doc"])[:60]}'
    return ""


def _doubts(row: dict, max_chars: int) -> list[str]:
    """Why a readable record may not score as meant (run anyway; see the module docstring)."""
    out = []
    if row["answerable"]:
        if not row.get("doc"):
            out.append('answerable, but no "doc": its retrieval and citations score 0; name the file that holds the answer')
        if not row["gold_paragraphs"]:
            out.append('answerable, but "gold_paragraphs" is empty: its retrieval and citations score 0')
        if not row["answer_keywords"]:
            out.append('answerable, but "answer_keywords" is empty: any answer that is not a refusal counts as right')
    elif row["gold_paragraphs"]:
        out.append('unanswerable, but "gold_paragraphs" is not empty: scored as unanswerable')
    if any(not alt.strip() for kw in row["answer_keywords"] for alt in kw.split("|")):
        out.append('"answer_keywords" has a blank keyword or "|" alternative, which any answer contains')
    try:
        clean_question(row["question"], max_chars, follows=bool(clean_history(row["history"])))
    except BadQuestion as exc:
        row[UNASKABLE] = str(exc)
        out.append(f'the chat would not take this question ({exc}): scored as refused')
    return out


def _warn_all(warnings: list[str], warn: Callable[[str], None], shown: int = 10) -> None:
    for line in warnings[:shown]:
        warn(f"warning: {line}")
    if len(warnings) > shown:
        warn(f"warning: and {len(warnings) - shown} more")


def load_qa(path: Path, max_chars: int = MAX_QUESTION_CHARS, warn: Callable[[str], None] | None = None) -> list[dict]:
    """Read and check a JSON Lines QA file (rules: module docstring). A line that is not a QA
    record, or no question at all, is a one-line RagError naming `file:line` (the first bad one)
    and what to fix; doubtful records are kept and named on `warn` (default: stderr)."""
    warn = warn or _stderr
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RagError(f"cannot read QA file {path} ({exc}); pass a UTF-8 JSON Lines file") from None
    out: list[dict] = []
    problems: list[str] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            problems.append(f"{path}:{i}: not JSON; write one QA record (a JSON object) per line")
            continue
        problem = _problem(row)
        if problem:
            problems.append(f"{path}:{i}: {problem}")
            continue
        doubts = _doubts(row, max_chars)
        if not isinstance(row.setdefault("id", str(i)), str):
            doubts.append(f'"id" {json.dumps(row["id"])[:40]} is not a string: kept as one')
            row["id"] = json.dumps(row["id"]) if not isinstance(row["id"], (int, float)) else str(row["id"])
        if row["id"] in seen:
            doubts.append(f'"id" {row["id"]!r} is that of line {seen[row["id"]]} too: both are scored')
        seen.setdefault(row["id"], i)
        warnings += [f"{path}:{i}: {d}" for d in doubts]
        row[LINE] = i
        out.append(row)
    if problems:
        more = f" (and {plural(len(problems) - 1, 'more bad line')})" if len(problems) > 1 else ""
        raise RagError(problems[0] + more)
    if not out:
        raise RagError(f"{path} holds no questions; write one QA record (a JSON object) per line")
    _warn_all(warnings, warn)
    return out


def check_docs(questions: list[dict], store: "Store", path: Path, seeds: Path,
               warn: Callable[[str], None] | None = None) -> None:
    """Each answerable question's `doc` and gold paragraphs exist in the index: none of the docs
    there is a RagError (the wrong seeds folder); some missing, a warning naming `file:line`."""
    docs = store.documents
    named = [q for q in questions if q["answerable"] and q.get("doc")]
    if named and not any(q["doc"] in docs for q in named):
        q = named[0]
        example = f" (such as {min(docs)!r})" if docs else ""
        raise RagError(f'{path}:{q.get(LINE, "?")}: "doc" {q["doc"]!r} is not a document of {seeds}, nor is any '
                       f"other doc of the file; pass the --seeds folder that holds them, or name its files{example}")
    warnings = []
    for q in named:
        where = f"{path}:{q.get(LINE, '?')}:"
        doc = q["doc"]
        if doc not in docs:
            warnings.append(f'{where} "doc" {doc!r} is not a document of {seeds}: its retrieval and citations score 0')
            continue
        bad = [p for p in q["gold_paragraphs"] if store.row(doc, p) is None]
        if bad:
            count = docs[doc].get("paragraphs", "?")
            are = "are not paragraphs" if len(bad) > 1 else "is not a paragraph"
            warnings.append(f'{where} "gold_paragraphs" {bad} {are} of {doc!r} (it has {count})')
    _warn_all(warnings, warn or _stderr)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)
