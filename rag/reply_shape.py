"""What a reply of the model is, before what it says is checked: a refusal, a repeat of the
question (no substance), a recital of the system prompt, or a loop."""
from __future__ import annotations

import re
from functools import cache
from typing import Sequence

from .citations import ParsedAnswer, content_words, picks_option
from .language import EN, detect_language
from .prompt import NO_ANSWER, SYSTEM

_REFUSAL_PATTERNS = re.compile(
    r"no[_ ]answer|tidak (ada|disebutkan|dijelaskan|terdapat|ditemukan|memuat|menyebutkan)|tidak diketahui"
    r"|does not (say|mention|contain|specify|provide|state)|do not (say|mention|contain|specify|provide|state)"
    r"|not (mentioned|provided|specified|stated|found|available)|no information|cannot be (found|determined)",
    re.I)


def is_refusal(raw: str, parsed: ParsedAnswer) -> bool:
    """The model declined: the sentinel, or a 'not in the text' sentence with no valid citation."""
    text = raw.strip()
    if text.upper().startswith(NO_ANSWER) or text.upper().replace(" ", "_").startswith(NO_ANSWER):
        return True
    return not parsed.citations and bool(_REFUSAL_PATTERNS.search(text))


# "Yes, <the question restated>" states nothing a paragraph could be checked against: the small
# model's reflex on a yes/no question. Every such answer recorded on the seed sets was wrong
# (h06, u11, z18, z20; u06 and n08 withdrawn). ("No" and "not" are stop words: a negated echo
# was already one.)
_YES = "yes ya iya benar betul"


@cache
def _yes_keys() -> frozenset[str]:
    return frozenset(content_words(_YES) | content_words(_YES, EN))


def has_substance(parsed: ParsedAnswer, question: str = "") -> bool:
    """The answer states something beyond a bare citation, an echo of the question, or a bare
    "yes" with the question restated (`_YES`; then, like an echo, asked again and else the
    top passage quoted).

    Under English stemming too: "They used video conferencing platform" for "Which ... platform
    did they use?" is an echo ("used" and "use" differ as Indonesian-stemmed keys). Replayed over
    ~900 recorded answers (seed sets, FacQA test and valid, the pairs) it changed only that one.
    Naming one option of a question's "A or B" is an answer (`picks_option`): nine seed sets,
    3 such answers ("pada awal Februari", "described as personal", "buying more") had been
    taken for echoes and quoted or refused."""
    yes = _yes_keys()
    return (bool(content_words(parsed.text) - content_words(question) - yes)
            and bool(content_words(parsed.text, EN) - content_words(question, EN) - yes)) \
        or picks_option(parsed.text, question)


def adds_nothing_cited(text: str, question: str, cited: Sequence[str]) -> bool:
    """The answer's words beyond the question are none of them in the paragraphs it cites (and
    none is a figure, which `figures` judges): it says nothing from them. "Qin Gang dan Xi
    Jinping memiliki hubungan yang baik [18]" for "Apa hubungan Qin Gang dengan Xi Jinping?"
    (¶18: "orang kepercayaan dan pembantu dekat Xi"; seed_extra22 f20, 32 ae09). Only where the
    answer and its paragraphs are in one language."""
    new = content_words(text) - content_words(question)
    source = " ".join(cited)
    if not new or not source or any(c.isdigit() for word in new for c in word):
        return False
    return detect_language(text) == detect_language(source) and not new & content_words(source)


_LEAK_MARKS = tuple(line[3:23] if line[:1].isdigit() else line[:20] for line in SYSTEM.splitlines() if len(line) > 30)


def leaks_instructions(raw: str) -> bool:
    """The model is reciting its system prompt (a prompt-injection success)."""
    return any(mark in raw for mark in _LEAK_MARKS)


def repeated_from(raw: str) -> int:
    """Where the model began writing a line it already wrote (greedy decoding stuck in a loop,
    e.g. "Tentu saja! Berikut adalah jawaban ...:" over and over), or -1."""
    seen: set[str] = set()
    pos = 0
    for line in raw.split("\n")[:-1]:  # complete lines only
        key = line.strip()
        if len(key) >= 12 and key in seen:
            return pos
        seen.add(key)
        pos += len(line) + 1
    return -1
