"""A second reading: does the cited text say what the answer claims, for this question?

The answer model sees the whole context and sometimes names a real person or place of the
text in the wrong relation ("the US ambassador to China is Qin Gang" from "Qin Gang, until
now ambassador to the US"). A fresh yes/no question to the same model, shown only the cited
paragraphs, the question and the answer, tells these apart from supported answers well
enough to refuse them (measured on the dev sets; see docs/answer-checks.md, "6. Support check").
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from .llm import LLM
from .prompt import ASSISTANT, chatml, passage_line
from .retriever import Hit

SYSTEM = "You check whether a paragraph supports an answer. Reply only Yes or No."
# below: withdrawn, with the top-k retrieved passages as context. FacQA valid (200): no wrong
# answer between 0.602 and 0.643, right ones at 0.643-0.670 (were withdrawn at 0.67); 0.63-0.77
# holds as many right answers as wrong ones there.
MIN_YES = 0.63
# The same, with the whole corpus as context (one short document). The three seed dev sets (63
# questions, every variant measured): of the distinct answers at 0.63-0.77, 3 right, 15 wrong;
# right answers otherwise from 0.768 up; wrong ones at 0.68-0.76 were mostly traps answered.
MIN_YES_CORPUS = 0.74
ANSWERS_SYSTEM = "You check whether a paragraph answers a question. Reply only Yes or No."
# After a withdrawal or a refusal by the word checks a passage is quoted only above this. Dev
# (the three seed sets, top 4 retrieved): for unanswerable questions the best one <= 0.767.
MIN_ANSWERS = 0.8
# The same for a paragraph read with its English copy beside it (`judged_text`): that reading
# scores a median 0.03 higher where the plain one is above 0.6 (the English seed questions' top 4).
MIN_ANSWERS_GLOSSED = 0.83


def reading_prefix(system: str, paragraph: str) -> str:
    """How every yes/no prompt about `paragraph` begins. Its KV state is kept, so a paragraph read
    again (another answer citing it, the judge's candidates, the next question) costs only the
    question and answer: ~1 s less per reading here."""
    return chatml("system", system) + f"<|im_start|>user\nParagraph:\n{paragraph}"


def _reading_prompt(system: str, paragraph: str, rest: str) -> str:
    """A whole yes/no prompt: `reading_prefix`, then `rest` of the user's turn (built on the
    prefix, so the two cannot drift apart)."""
    return reading_prefix(system, paragraph) + rest + "<|im_end|>\n" + ASSISTANT


def support_prefix(hit: Hit) -> str:
    return reading_prefix(SYSTEM, passage_line(hit, multi_doc=False))


def judged_text(hit: Hit) -> str:
    """The paragraph as the judge reads it: with its English copy beside it when it has one (an
    English question over Indonesian text). Over the 53 English seed questions' top 4, the best
    paragraph above 0.8 was a gold one for 31 of 40 answerable questions (18 read alone), another
    for 1 (3), and one of 13 unanswerable ones scored above it (0.815; none alone, best 0.77). The
    copy alone did worse (20, 1 and 0): its mistranslations mislead where the source is kept."""
    return f"{hit.text}\n(English: {hit.gloss})" if hit.gloss else hit.text


def answers_prefix(hit: Hit) -> str:
    return reading_prefix(ANSWERS_SYSTEM, judged_text(hit))


def reading_prefixes(corpus: Sequence[Hit], copies: Sequence, glossed: bool = False) -> list[str]:
    """The prompts up to each paragraph of the yes/no readings, whose KV states are kept (~1.2 s per
    paragraph and kind the first time, 2 x 19 for the seed article; each reading then costs ~1 s
    less): the support check's and the judge's, or with `glossed` the judge's with each paragraph's
    English copy beside it (`copies`: the copy's paragraphs, in the corpus's order)."""
    if glossed:
        return [answers_prefix(replace(hit, gloss=c.text)) for hit, c in zip(corpus, copies)]
    return [f(hit) for hit in corpus for f in (support_prefix, answers_prefix)]


def _yes_probability(llm: LLM, prompt: str, prefix: str = "") -> float | None:
    """The LLM's P(Yes) after `prompt`; None without yes/no scoring or when it exceeds the context."""
    score = getattr(llm, "yes_probability", None)
    if score is None or llm.count(prompt) >= llm.n_ctx:
        return None
    return float(score(prompt, prefix))


def support_prompt(question: str, answer: str, cited: Sequence[Hit]) -> str:
    """The check's whole prompt: only the cited paragraphs, the question and the answer as shown."""
    paragraphs = "\n".join(passage_line(h, multi_doc=False) for h in cited)
    return _reading_prompt(SYSTEM, paragraphs, f"\n\nQuestion: {question}\nAnswer: {answer}\n\n"
                                               "Does the paragraph state this answer to this question? Reply Yes or No.")


def support(llm: LLM, question: str, answer: str, cited: Sequence[Hit]) -> float | None:
    """The model's probability that `cited` supports `answer`; None when it cannot tell (no
    citation, an LLM without yes/no scoring, or a prompt longer than its context)."""
    if not cited:
        return None
    return _yes_probability(llm, support_prompt(question, answer, cited), support_prefix(cited[0]))


def answers_prompt(question: str, hit: Hit) -> str:
    """Prompt asking whether one paragraph holds the answer to `question` (no answer shown)."""
    return _reading_prompt(ANSWERS_SYSTEM, judged_text(hit), f"\n\nQuestion: {question}\n\n"
                                                     "Does the paragraph contain the answer to this question? Reply Yes or No.")


def best_answering(llm: LLM, question: str, candidates: Sequence[Hit]) -> tuple[Hit, float] | None:
    """The candidate the model most believes answers `question`, with that probability; None
    when it cannot score any (an LLM without yes/no scoring, prompts over its context)."""
    scored = [(h, p) for h in candidates
              if (p := _yes_probability(llm, answers_prompt(question, h), answers_prefix(h))) is not None]
    return max(scored, key=lambda x: x[1]) if scored else None
