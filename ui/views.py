"""HTML views of answers, sources and index status for the browser chat.

Everything here is a pure function of its arguments (no Gradio), so it is unit-tested without a
browser. All document and model text is HTML-escaped: documents are untrusted input.
"""
from __future__ import annotations

import html
import re
import unicodedata
from typing import Any, Mapping, Sequence

from rag.answer import Answer
from rag.citations import Citation
from rag.documents import Skipped
from rag.errors import plural
from rag.language import STOPWORDS, tokenize
from rag.render import cited_passages, uncited_passages
from rag.retriever import Hit

# The labels rag.citations writes into answer text: [3] or, in multi-document answers, [doc.txt ¶3].
CITE_LABEL = re.compile(r"\[(?:(?P<doc>[^\[\]\n]{1,200}?) ¶)?(?P<n>\d{1,4})\]")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

RETRY_NOTE = "checking citations: asking again with a stricter prompt"
MAX_QUESTION_SHOWN = 300  # characters of a rejected over-long question echoed in the chat
MAX_SKIPPED_SHOWN = 3  # skipped files the status line names; its tooltip lists them all
MAX_NAME_SHOWN = 60  # characters of a skipped file's name in the status line


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


# The chat renders Markdown: these characters become entities in text shown there, or a question
# or an answer (a document may ask the model for one) with "![x](http://...)" made the browser fetch
# that address, and "# ..." or "**...**" restyled it. "#" inside html.escape's own "&#x27;" is kept.
_MARKDOWN = re.compile(r"[\\`*_\[\]!~|]|(?<!&)#")
_LIST_START = re.compile(r"^(\s*)([-+]|\d+[.)])")


def plain_html(text: str) -> str:
    """Escaped text, with line breaks kept, no blank line and no Markdown syntax left active."""
    out = _MARKDOWN.sub(lambda m: f"&#{ord(m.group(0))};", esc(text).replace("\r", ""))
    out = _LIST_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + f"&#{ord(m.group(2)[-1])};", out)
    return out.replace("\n", "<br>")


def source_id(turn: int, index: int) -> str:
    """DOM id of the index-th cited paragraph of answer number `turn`."""
    return f"rag-src-{turn}-{index}"


def retrieved_id(turn: int, index: int) -> str:
    return f"rag-ret-{turn}-{index}"


def _citation_index(doc: str | None, number: int, citations: Sequence[Citation]) -> int | None:
    for i, c in enumerate(citations):
        if c.paragraph == number and (doc is None or c.doc == doc):
            return i
    return None


def link_citations(text: str, citations: Sequence[Citation], turn: int) -> str:
    """Escaped `text` whose citation labels are links to their paragraph in the sources panel.

    Labels naming no citation of the answer stay plain text."""
    out: list[str] = []
    pos = 0
    for m in CITE_LABEL.finditer(text):
        i = _citation_index(m.group("doc"), int(m.group("n")), citations)
        if i is None:
            continue
        c = citations[i]
        out.append(plain_html(text[pos:m.start()]))
        out.append(f'<a class="rag-cite" href="#{source_id(turn, i)}" title="{esc(c.doc)} ¶{c.paragraph}">{esc(m.group(0))}</a>')
        pos = m.end()
    out.append(plain_html(text[pos:]))
    return "".join(out)


def answer_html(answer: Answer, turn: int) -> str:
    """The final chat message of an answer: linked citations, badges, refusal style."""
    classes = ["rag-answer"]
    badges = []
    if answer.refused:
        classes.append("rag-refused")
        why = ("A second reading found that the cited paragraphs do not state the model's answer"
               if answer.support is not None else "The model found no answer in the retrieved paragraphs")
        badges.append(f'<span class="rag-badge rag-badge-refused" title="{why}">not in the documents</span>')
    elif answer.invented:
        classes.append("rag-unverified")
        words = ", ".join(answer.invented)
        badges.append(f'<span class="rag-badge rag-badge-unverified" title="The documents do not contain: {esc(words)}">'
                      f'unverified: not in the documents: {esc(words)}</span>')
    elif answer.quoted:
        why = ("The first sentence of each of the document's opening paragraphs, in its own words"
               if answer.lookup == "overview" else "The paragraph asked for by its number, in its own words"
               if answer.lookup == "paragraph" else "A second reading withdrew the model's answer; this is the passage the model judged to answer "
               "the question, in its own words" if answer.support is not None else
               "The model did not state an answer; this is the passage search found most relevant, in its own words")
        badges.append(f'<span class="rag-badge rag-badge-quoted" title="{why}">quoted from the source</span>')
    elif not answer.verified:
        classes.append("rag-unverified")
        badges.append('<span class="rag-badge rag-badge-unverified" title="No citation of this answer could be '
                      'checked against the documents; treat it with care">unverified</span>')
    body = plain_html(answer.text) if answer.refused else link_citations(answer.text, answer.citations, turn)
    return f'<div class="{" ".join(classes)}">{"".join(b + " " for b in badges)}{body}</div>'


def streaming_html(text: str, retried: bool | str = False) -> str:
    """The chat message while tokens arrive; `retried`: the text so far was withdrawn (a string says why)."""
    note = f'<div class="rag-retry">{esc(retried if isinstance(retried, str) else RETRY_NOTE)}…</div>' if retried else ""
    return f'<div class="rag-answer rag-streaming">{note}{plain_html(text)}<span class="rag-cursor">▌</span></div>'


def error_html(message: str) -> str:
    return f'<div class="rag-answer rag-error"><span class="rag-badge rag-badge-error">!</span> {plain_html(message)}</div>'


def question_html(question: str) -> str:
    """A user's question as shown in the chat (escaped; very long ones cut)."""
    q = question if len(question) <= MAX_QUESTION_SHOWN else question[:MAX_QUESTION_SHOWN] + f"… ({len(question):,} characters)"
    return plain_html(q)


# ------------------------------------------------------------------ highlighting


def _strip_labels(text: str) -> str:
    return CITE_LABEL.sub(" ", text)


def answer_terms(answer_text: str, lang: str) -> set[str]:
    """Content-word stems of an answer (citations removed)."""
    return set(tokenize(_strip_labels(answer_text), lang))


def _term(word: str, lang: str) -> str | None:
    w = unicodedata.normalize("NFKC", word).lower()
    if w in STOPWORDS or (len(w) < 2 and not w.isdigit()):
        return None
    toks = tokenize(w, lang)
    return toks[0] if toks else None


def highlight(text: str, terms: set[str], lang: str) -> str:
    """Escaped `text` with the words whose stem is in `terms` wrapped in <mark>."""
    if not terms:
        return plain_html(text)
    out: list[str] = []
    pos = 0
    for m in _WORD.finditer(text):
        if _term(m.group(0), lang) in terms:
            out.append(plain_html(text[pos:m.start()]))
            out.append(f"<mark>{esc(m.group(0))}</mark>")
            pos = m.end()
    out.append(plain_html(text[pos:]))
    return "".join(out)


# ------------------------------------------------------------------ sources panel


def _source_item(dom_id: str, label: str, hit: Hit | None, doc: str, paragraph: int, terms: set[str],
                 lang: str) -> str:
    text = highlight(hit.text, terms, lang) if hit is not None else "<em>(paragraph text not available)</em>"
    return (f'<li class="rag-source" id="{dom_id}">'
            f'<div class="rag-source-head"><span class="rag-source-label">{esc(label)}</span> '
            f'<span class="rag-doc">{esc(doc)}</span> · <span class="rag-par">¶{paragraph}</span></div>'
            f'<p class="rag-source-text">{text}</p></li>')


def sources_html(answer: Answer, turn: int) -> str:
    """The sources of one answer: cited paragraphs (highlighted), then the uncited ones collapsed."""
    terms = set() if answer.refused else answer_terms(answer.text, answer.lang)
    multi = len({c.doc for c in answer.citations} | {h.doc for h in answer.passages}) > 1
    parts = [f'<section class="rag-sources" id="rag-sources-{turn}">',
             f'<div class="rag-sources-question">{esc(answer.question)}</div>']
    cited = cited_passages(answer)
    if cited:
        items = []
        for i, (c, hit) in enumerate(cited):
            label = f"[{c.doc} ¶{c.paragraph}]" if multi else f"[{c.paragraph}]"
            items.append(_source_item(source_id(turn, i), label, hit, c.doc, c.paragraph, terms, answer.lang))
        parts.append(f'<ol class="rag-cited">{"".join(items)}</ol>')
    elif answer.refused:
        parts.append('<p class="rag-none">No paragraph answers this question.</p>')
    else:
        parts.append('<p class="rag-none">This answer cites no paragraph (unverified).</p>')
    uncited = uncited_passages(answer)
    if uncited:
        items = [_source_item(retrieved_id(turn, j), "", h, h.doc, h.paragraph, terms, answer.lang)
                 for j, h in enumerate(uncited)]
        parts.append(f'<details class="rag-retrieved"><summary>Retrieved but not cited ({len(uncited)})</summary>'
                     f'<ul>{"".join(items)}</ul></details>')
    parts.append("</section>")
    return "".join(parts)


EMPTY_SOURCES = '<div class="rag-sources-empty">Ask a question: the paragraphs each answer cites appear here.</div>'


def sources_panel(turns: Sequence[Mapping[str, Any]]) -> str:
    """The whole panel: the latest answer's sources, earlier answers' collapsed below."""
    if not turns:
        return EMPTY_SOURCES
    latest, earlier = turns[-1], list(reversed(turns[:-1]))
    parts = [latest["sources"]]
    for t in earlier:
        parts.append(f'<details class="rag-earlier"><summary>Earlier: {esc(t["question"])}</summary>{t["sources"]}</details>')
    return "".join(parts)


# ------------------------------------------------------------------ index status


def status_html(info: Mapping[str, Any]) -> str:
    """One line about the index and models; `info` as ui.status.index_info returns it."""
    if info.get("error"):
        return f'<div class="rag-status rag-status-error">Index: {esc(info["error"])}</div>'
    if info.get("no_documents"):  # every document deleted: the index left from them answers nothing
        return (f'<div class="rag-status rag-status-error">Index: {esc(info["problem"])} — '
                'no question is answered until the seeds folder has documents again</div>')
    fields = [
        plural(info["documents"], "document"),
        plural(info["paragraphs"], "paragraph"),
        f'built {esc(info["built_at"])}',
        f'embeddings: {esc(info["embed_model"])}',
        f'LLM: {esc(info["llm"])}',
    ]
    skipped = info.get("skipped") or []
    if skipped:  # files dropped in that are not searched: say so where the user looks, with why
        fields.append(skipped_html(skipped))
    extra = f' — {esc(info["note"])}' if info.get("note") else ""
    if info.get("problem"):  # the documents changed but could not be indexed: the answers are not from them
        extra += (f' — <span class="rag-status-problem">not updated: {esc(info["problem"])}; '
                  'answers still come from this index</span>')
    return f'<div class="rag-status">Index: {" · ".join(fields)}{extra}</div>'


def skipped_entry(entry: Skipped, remedy: bool = True) -> str:
    """A skipped file as "name (reason)", its name cut to MAX_NAME_SHOWN (not escaped).

    `remedy` False keeps only the gist of the reason: "cannot be read (...); check its permissions"
    becomes "cannot be read"."""
    name, reason = entry.name, entry.reason
    if len(name) > MAX_NAME_SHOWN:  # keep its end: the suffix, often what tells two names apart
        tail = MAX_NAME_SHOWN // 3
        name = name[:MAX_NAME_SHOWN - 1 - tail] + "…" + name[-tail:]
    if not remedy:
        reason = re.sub(r" \([^()]*\)$", "", reason.split("; ")[0])
    return f"{name} ({reason})" if reason else name


def skipped_html(skipped: Sequence[Skipped]) -> str:
    """The status line's one-line note of the files skipped: up to MAX_SKIPPED_SHOWN named with why
    (a lone one with its advice too), then "and N more"; all of them, in full, in its tooltip."""
    shown = [esc(skipped_entry(s, remedy=len(skipped) == 1)) for s in skipped[:MAX_SKIPPED_SHOWN]]
    more = f" and {len(skipped) - MAX_SKIPPED_SHOWN} more" if len(skipped) > MAX_SKIPPED_SHOWN else ""
    tooltip = "\n".join(f"{s.name}: {s.reason}" if s.reason else s.name for s in skipped)
    return (f'<span class="rag-skipped" title="{esc(tooltip)}">'
            f'{plural(len(skipped), "file")} skipped: {", ".join(shown)}{more}</span>')


def api_result(answer: Answer) -> dict:
    """What the `ask` API endpoint returns: the final text and its citations with their paragraphs."""
    return {
        "answer": answer.text,
        "citations": [{"doc": c.doc, "paragraph": c.paragraph, "text": hit.text if hit else None}
                      for c, hit in cited_passages(answer)],
        "refused": answer.refused,
        "verified": answer.verified,
        "not_in_documents": list(answer.invented),
        "lang": answer.lang,
        "retrieved": [{"doc": h.doc, "paragraph": h.paragraph} for h in answer.retrieved],
    }
