"""Names of several words that the answer writes and its source never does.

The small model puts an entity of its own into a statement it otherwise copies: "Pemerintah
Rusia mengatakan ..." where the paragraph says "Putin mengatakan ..." (the Russian government
for the Russian president), or "Olimpiade 2004 diselenggarakan di Korea Selatan" from passages
that say "Korea" and "Selatan" only in other names. Each word is in the passages, so the check of
single names (`figures.specifics`) passes them; the name as a whole is in none. A run of
capitalised words is taken as written by the source when the passages (or the question) hold it
as a phrase, or when its words appear in that order inside one capitalised run of theirs ("Presiden
Yudhoyono" in "Presiden Susilo Bambang Yudhoyono"; brackets, commas and slashes ignored). Only
for an answer in the language of its passages: a translated answer renames everything.
"""
from __future__ import annotations

import re
from typing import Sequence

from .language import STOPWORDS

_TOKEN = re.compile(r"\S+")
_EDGE = "\"'“”‘’()[]{}.,;:!?"
_LETTER_FIRST = re.compile(r"[^\W\d_]")
_IGNORED = re.compile(r"[(),/\"“”]")  # what may sit inside a name as the source writes it
_SENTENCE_END = ".!?:\"“("


def _name_word(word: str) -> bool:
    return bool(word[:1].isupper() and _LETTER_FIRST.match(word))


def _runs(text: str, breaks: bool = True) -> list[list[tuple[str, int]]]:
    """Maximal runs of capitalised words, as (word, offset); with `breaks` an opening bracket or
    quote starts a new run and a closing mark or punctuation ends one."""
    runs: list[list[tuple[str, int]]] = []
    run: list[tuple[str, int]] = []

    def close() -> None:
        nonlocal run
        if run:
            runs.append(run)
        run = []

    for m in _TOKEN.finditer(text):
        token = m.group(0)
        word = token.strip(_EDGE)
        if not _name_word(word):
            close()
            continue
        if breaks and token[:1] in "(\"“[":
            close()
        run.append((word, m.start()))
        if breaks and token[-1:] in _EDGE:
            close()
    close()
    return runs


def _in_order(words: Sequence[str], run: Sequence[str]) -> bool:
    rest = iter(run)
    return all(any(w == r for r in rest) for w in words)


def invented_name_runs(answer: str, passages: Sequence[str], question: str) -> tuple[str, ...]:
    """Runs of two or more capitalised words in `answer` (citations removed) that no passage and
    not the question write. A run's first word at a sentence start counts only when it is not a
    word of the question or a function word ("Sumbangan Celine Dion ..." for "Berapa sumbangan ...")."""
    body = re.sub(r"\[[^\[\]]*\]", " ", answer)
    source = _IGNORED.sub(" ", " ".join([*passages, question]))
    source_runs = [[w.lower() for w, _ in run] for run in _runs(source, breaks=False)]
    phrase_text = " " + " ".join(re.findall(r"[\w'’-]+", source.lower())) + " "
    asked = {w.lower() for w in re.findall(r"\w+", question)}
    found: list[str] = []
    for run in _runs(body):
        words = [w for w, _ in run]
        before = body[: run[0][1]].rstrip()
        first = words[0].lower()
        if (not before or before[-1] in _SENTENCE_END) and (first in asked or first in STOPWORDS):
            words = words[1:]
        if len(words) < 2:
            continue
        low = [w.lower() for w in words]
        if f" {' '.join(low)} " in phrase_text or any(_in_order(low, r) for r in source_runs):
            continue
        name = " ".join(words)
        if name not in found:
            found.append(name)
    return tuple(found)
